import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import { loadOrCreateHubSigningKey } from './_hub-signing-key.ts';

describe("the hub's signing key", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub();
    // The hub made a plain key at start; these tests make their own rows.
    await hub.db.deleteFrom('hub_signing_keys').execute();
  });
  afterAll(() => hub.close());

  it('is made once and then loaded, encrypted under the secret, and refused without it or with another', async () => {
    const secret = 'a secret of at least thirty-two characters';
    const first = await loadOrCreateHubSigningKey(hub.db, { secret });
    const again = await loadOrCreateHubSigningKey(hub.db, { secret });
    expect(again.publicKey).toBe(first.publicKey);
    const stored = await hub.db.selectFrom('hub_signing_keys').selectAll().executeTakeFirstOrThrow();
    expect(stored.private_key).toMatch(/^aes-256-gcm:/);
    expect(stored.private_key).not.toContain('PRIVATE KEY');
    await expect(loadOrCreateHubSigningKey(hub.db)).rejects.toThrow(
      "Cannot load the hub's signing key: it is encrypted and the hub has no secret configured",
    );
    await expect(loadOrCreateHubSigningKey(hub.db, { secret: `${secret}!` })).rejects.toThrow(
      "Cannot load the hub's signing key: the configured secret does not decrypt it",
    );
  });

  it('two hub processes starting together end up with the same key', async () => {
    await hub.db.deleteFrom('hub_signing_keys').execute();
    const [a, b] = await Promise.all([loadOrCreateHubSigningKey(hub.db), loadOrCreateHubSigningKey(hub.db)]);
    expect(a.publicKey).toBe(b.publicKey);
  });
});
