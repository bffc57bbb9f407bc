import type { HubContext } from '../hub-context.ts';
import { createAccount } from './accounts.ts';
import { rolesRequiringTotp, type Role } from './roles.ts';
import { encodeBase32 } from './totp.ts';
import { uuid7 } from '../db/uuid7.ts';

/** A demo account as the demo prints it. */
export interface DemoAccount {
  readonly role: Role;
  readonly email: string;
  readonly password: string;
  readonly name: string;
  readonly organisation: string;
  /** Base32 TOTP secret for roles that need a second factor (`polder totp SECRET` prints the code). */
  readonly totpSecret?: string;
  readonly userId: string;
}

interface DemoSpec {
  readonly role: Role;
  readonly name: string;
  readonly organisation: string;
}

const demoOrganisations = {
  platform: 'Polder platform (demo)',
  accessBody: 'Polder health data access body (demo)',
  university: 'University of Amsterdam (demo)',
  hospital: 'Amsterdam hospitals (demo)',
} as const;

const demoSpecs: readonly DemoSpec[] = [
  { role: 'researcher', name: 'Rosa Researcher', organisation: demoOrganisations.university },
  { role: 'data_steward', name: 'Sam Steward', organisation: demoOrganisations.hospital },
  { role: 'access_body_handler', name: 'Hanna Handler', organisation: demoOrganisations.accessBody },
  { role: 'access_body_reviewer', name: 'Ravi Reviewer', organisation: demoOrganisations.accessBody },
  { role: 'access_body_decider', name: 'Dirk Decider', organisation: demoOrganisations.accessBody },
  { role: 'admin', name: 'Ada Admin', organisation: demoOrganisations.platform },
];

/**
 * Fixed, published demo TOTP secrets (base32 of "polder-demo-<role>" padded): demo only, never for real use.
 */
function demoTotpSecret(role: Role): string {
  const text = `polder-demo-${role}`.padEnd(20, '.').slice(0, 20);
  return encodeBase32(Buffer.from(text, 'ascii'));
}

/**
 * Creates the demo organisations and one account per role, with known demo passwords (and, for access-body
 * and admin roles, known TOTP secrets), and returns them for the demo to print. Idempotent: accounts that
 * exist already are returned as they are. Demo only: the passwords and secrets are public.
 *
 * @example
 * for (const account of await seedDemoAccounts(hub)) console.log(account.email, account.password);
 */
export async function seedDemoAccounts(
  hub: { readonly context: HubContext } | HubContext,
): Promise<DemoAccount[]> {
  const context = 'context' in hub ? hub.context : hub;
  const organisationIds = new Map<string, string>();
  for (const name of Object.values(demoOrganisations)) {
    await context.db
      .insertInto('organisations')
      .values({ id: uuid7(context.now()), name })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    const row = await context.db
      .selectFrom('organisations')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    organisationIds.set(name, row.id);
  }
  const accounts: DemoAccount[] = [];
  for (const spec of demoSpecs) {
    const email = `${spec.role.replaceAll('_', '.')}@demo.polder.test`;
    const password = `polder-demo-${spec.role.replaceAll('_', '-')}`;
    const totpSecret = rolesRequiringTotp.includes(spec.role) ? demoTotpSecret(spec.role) : undefined;
    const existing = await context.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst();
    const userId =
      existing?.id ??
      (await createAccount(context, {
        email,
        name: spec.name,
        organisationId: organisationIds.get(spec.organisation) ?? '',
        roles: [spec.role],
        password,
        ...(totpSecret === undefined ? {} : { totpSecret }),
      }));
    accounts.push({
      role: spec.role,
      email,
      password,
      name: spec.name,
      organisation: spec.organisation,
      userId,
      ...(totpSecret === undefined ? {} : { totpSecret }),
    });
  }
  return accounts;
}
