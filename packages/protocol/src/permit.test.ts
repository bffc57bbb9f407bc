import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from './signing-key.ts';
import { PermitRefusedError, permitCovers, signPermit, verifyPermit, type PermitDocument } from './permit.ts';

const hubKey = generateSigningKeyPair();
const permit: PermitDocument = {
  type: 'polder.permit.v1',
  permitId: '01900000-0000-7000-8000-000000000001',
  applicationId: '01900000-0000-7000-8000-000000000002',
  kind: 'permit',
  purpose: 'd',
  holder: { organisationId: '01900000-0000-7000-8000-000000000003', organisationName: 'UvA' },
  namedUsers: ['01900000-0000-7000-8000-000000000004'],
  datasets: [
    { datasetId: '01900000-0000-7000-8000-000000000005', stationId: '01900000-0000-7000-8000-000000000006' },
  ],
  algorithms: ['count', 'kaplan-meier'],
  disclosure: {},
  issuedAt: '2026-01-01T00:00:00.000Z',
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: '2027-01-01T00:00:00.000Z',
};

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PermitRefusedError) return error.refusal;
    throw error;
  }
  return 'accepted';
}

describe('permit tokens', () => {
  it('verifyPermit() returns the permit the hub signed, within its validity', async () => {
    const token = await signPermit(permit, hubKey);
    expect(token.split('.')).toHaveLength(3);
    await expect(verifyPermit(token, hubKey.publicKey, { now: new Date('2026-06-01') })).resolves.toEqual(
      permit,
    );
  });

  it('verifyPermit() refuses expired, not-yet-valid and revoked permits', async () => {
    const token = await signPermit(permit, hubKey);
    expect(await refusal(verifyPermit(token, hubKey.publicKey, { now: new Date('2027-01-01') }))).toBe(
      'expired',
    );
    expect(await refusal(verifyPermit(token, hubKey.publicKey, { now: new Date('2025-12-31') }))).toBe(
      'not-yet-valid',
    );
    const revoked = new Set([permit.permitId]);
    expect(
      await refusal(verifyPermit(token, hubKey.publicKey, { now: new Date('2026-06-01'), revoked })),
    ).toBe('revoked');
  });

  it('verifyPermit() refuses a token from another key and a tampered payload', async () => {
    const other = generateSigningKeyPair();
    const forged = await signPermit(permit, other);
    const now = new Date('2026-06-01');
    expect(await refusal(verifyPermit(forged, hubKey.publicKey, { now }))).toBe('wrong-key');
    const [header, , signature] = (await signPermit(permit, hubKey)).split('.');
    const widened = Buffer.from(JSON.stringify({ ...permit, algorithms: ['glm'] })).toString('base64url');
    expect(await refusal(verifyPermit(`${header}.${widened}.${signature}`, hubKey.publicKey, { now }))).toBe(
      'bad-signature',
    );
    expect(await refusal(verifyPermit('not a token', hubKey.publicKey, { now }))).toBe('malformed');
  });

  it('signPermit() refuses a permit that does not match the schema', async () => {
    await expect(signPermit({ ...permit, algorithms: [] }, hubKey)).rejects.toThrow(/algorithms/);
  });

  it('permitCovers() checks station, dataset and algorithm', () => {
    const stationId = permit.datasets[0]!.stationId;
    expect(permitCovers(permit, { stationId, algorithm: 'count' })).toBe(true);
    expect(permitCovers(permit, { stationId, algorithm: 'glm' })).toBe(false);
    expect(permitCovers(permit, { stationId: permit.permitId, algorithm: 'count' })).toBe(false);
    expect(permitCovers(permit, { stationId, datasetId: permit.permitId, algorithm: 'count' })).toBe(false);
  });
});
