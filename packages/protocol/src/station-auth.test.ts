import { randomBytes, randomUUID } from 'node:crypto';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { AuthResponse, stationAuthText } from './station-auth.ts';
import { EnrolmentRequest } from './station-enrolment.ts';
import { generateSigningKeyPair, signText, verifySignature } from './signing-key.ts';

describe('station authentication messages', () => {
  it('stationAuthText() binds the signature to the station and the nonce', () => {
    const key = generateSigningKeyPair();
    const stationId = randomUUID();
    const nonce = randomBytes(32).toString('base64url');
    const signature = signText(key, stationAuthText(stationId, nonce));
    expect(stationAuthText(stationId, nonce)).toBe(`polder-station-auth:v1:${stationId}:${nonce}`);
    expect(verifySignature(key.publicKey, stationAuthText(stationId, nonce), signature)).toBe(true);
    expect(verifySignature(key.publicKey, stationAuthText(randomUUID(), nonce), signature)).toBe(false);
    expect(verifySignature(key.publicKey, stationAuthText(stationId, 'A'.repeat(43)), signature)).toBe(false);
  });

  it('AuthResponse and EnrolmentRequest refuse unknown members, over-long names and malformed keys', () => {
    const key = generateSigningKeyPair();
    const response = Compile(AuthResponse);
    const good = {
      stationId: randomUUID(),
      nonce: randomBytes(32).toString('base64url'),
      signature: signText(key, 'x'),
    };
    expect(response.Check(good)).toBe(true);
    expect(response.Check({ ...good, extra: 1 })).toBe(false);
    expect(response.Check({ ...good, stationId: 'station-1' })).toBe(false);
    const request = Compile(EnrolmentRequest);
    const enrol = {
      type: 'polder.station-enrolment-request.v1',
      token: randomBytes(32).toString('base64url'),
      stationPublicKey: key.publicKey,
      stationName: 'OLVG',
      stationVersion: '0.1.0',
    };
    expect(request.Check(enrol)).toBe(true);
    expect(request.Check({ ...enrol, stationName: 'x'.repeat(201) })).toBe(false);
    expect(request.Check({ ...enrol, stationPublicKey: `${key.publicKey}x` })).toBe(false);
    expect(request.Check({ ...enrol, type: 'polder.station-enrolment.v1' })).toBe(false);
  });
});
