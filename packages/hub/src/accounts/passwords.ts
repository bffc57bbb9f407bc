import argon2 from 'argon2';
import type { PasswordHashing } from '../hub-context.ts';

/** A hash of a password nobody has, verified against when the email is unknown so timing tells nothing. */
let decoyHash: Promise<string> | undefined;

/** Hashes a password with argon2id (PHC string with salt and parameters). */
export function hashPassword(password: string, cost: PasswordHashing): Promise<string> {
  return argon2.hash(password, { ...cost, type: argon2.argon2id });
}

/** Checks a password against a stored hash; with no hash, spends the same time and answers false. */
export async function verifyPassword(hash: string | undefined, password: string, cost: PasswordHashing) {
  if (hash === undefined) {
    decoyHash ??= hashPassword('decoy password that no account has', cost);
    await argon2.verify(await decoyHash, password);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
