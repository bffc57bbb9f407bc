/** Every role a hub account may hold; a user may hold several. */
export const roles = [
  'researcher',
  'data_steward',
  'access_body_handler',
  'access_body_reviewer',
  'access_body_decider',
  'admin',
] as const;

/** A role a hub account may hold. */
export type Role = (typeof roles)[number];

/** Roles whose holders must sign in with a second factor (TOTP). */
export const rolesRequiringTotp: readonly Role[] = [
  'access_body_handler',
  'access_body_reviewer',
  'access_body_decider',
  'admin',
];

/** Whether `value` names a role. */
export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}
