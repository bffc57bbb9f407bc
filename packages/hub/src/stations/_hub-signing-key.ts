import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  exportPrivateKey,
  generateSigningKeyPair,
  importPrivateKey,
  type SigningKeyPair,
} from '@polder/protocol';
import type { Database } from '../db/database.ts';

const encryptedPrefix = 'aes-256-gcm:';

/**
 * The hub's Ed25519 key, which signs everything the hub tells a station. Kept in the database (table
 * `hub_signing_keys`) so that every hub process on one PostgreSQL signs with the same key; made at first
 * start by whichever process gets there first. With a `secret` the private key is stored encrypted
 * (AES-256-GCM, key from HKDF-SHA-256 over the secret); without one (the embedded demo) it is stored as PEM,
 * as safe as the database files themselves.
 * @throws Error when the stored key is encrypted and the secret is missing or wrong
 */
export async function loadOrCreateHubSigningKey(
  db: Kysely<Database>,
  options: { readonly secret?: string | undefined } = {},
): Promise<SigningKeyPair> {
  const existing = await db.selectFrom('hub_signing_keys').selectAll().where('id', '=', 1).executeTakeFirst();
  if (existing !== undefined) return importPrivateKey(unseal(existing.private_key, options.secret));
  const keyPair = generateSigningKeyPair();
  await db
    .insertInto('hub_signing_keys')
    .values({
      id: 1,
      public_key: keyPair.publicKey,
      key_id: keyPair.keyId,
      private_key: seal(exportPrivateKey(keyPair), options.secret),
      created_at: new Date(),
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
  // Another process may have won the race; everyone uses the row that was stored.
  const stored = await db
    .selectFrom('hub_signing_keys')
    .selectAll()
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return importPrivateKey(unseal(stored.private_key, options.secret));
}

function keyFrom(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'polder-hub', 'polder hub signing key v1', 32));
}

function seal(pem: string, secret: string | undefined): string {
  if (secret === undefined) return pem;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secret), iv);
  const ciphertext = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]);
  return `${encryptedPrefix}${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ciphertext.toString('base64url')}`;
}

function unseal(stored: string, secret: string | undefined): string {
  if (!stored.startsWith(encryptedPrefix)) return stored;
  if (secret === undefined) {
    throw new Error(
      "Cannot load the hub's signing key: it is encrypted and the hub has no secret configured",
    );
  }
  const [iv = '', tag = '', ciphertext = ''] = stored.slice(encryptedPrefix.length).split(':');
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFrom(secret), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch (error) {
    throw new Error("Cannot load the hub's signing key: the configured secret does not decrypt it", {
      cause: error,
    });
  }
}
