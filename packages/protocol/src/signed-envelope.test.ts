import fc from 'fast-check';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './protocol-error.ts';
import { openEnvelope, signEnvelope, verifyEnvelope } from './signed-envelope.ts';
import { generateSigningKeyPair } from './signing-key.ts';

const jsonValue = fc.jsonValue({ maxDepth: 3 });

/** A value that differs from `value` in one place (a member added, or a leaf replaced). */
function changed(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [null] : [changed(value[0]), ...value.slice(1)];
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const first = keys[0];
    if (first === undefined) return { changed: true };
    return { ...value, [first]: changed((value as Record<string, unknown>)[first]) };
  }
  return typeof value === 'string'
    ? `${value}!`
    : typeof value === 'number'
      ? value === 0
        ? 1
        : -value
      : [value];
}

describe('signed envelopes', () => {
  const station = generateSigningKeyPair();
  const stranger = generateSigningKeyPair();

  it('verify after a JSON round trip with keys in another order (property)', () => {
    fc.assert(
      fc.property(jsonValue, (payload) => {
        const envelope = signEnvelope(payload, station);
        const received = JSON.parse(JSON.stringify(envelope)) as typeof envelope;
        expect(verifyEnvelope(received, station.publicKey)).toBe(true);
        expect(openEnvelope(received, { publicKey: station.publicKey, schema: Type.Unknown() })).toEqual(
          JSON.parse(JSON.stringify(payload)),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('fail for any change of the payload, and for any other key (property)', () => {
    fc.assert(
      fc.property(jsonValue, (payload) => {
        const envelope = signEnvelope(payload, station);
        expect(verifyEnvelope({ ...envelope, payload: changed(payload) }, station.publicKey)).toBe(false);
        expect(verifyEnvelope(envelope, stranger.publicKey)).toBe(false);
        // Relabelling the key id does not help a stranger's signature either.
        const forged = { ...signEnvelope(payload, stranger), keyId: station.keyId };
        expect(verifyEnvelope(forged, station.publicKey)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('openEnvelope() says why it refuses, with a code for each reason', () => {
    const schema = Type.Object({ n: Type.Number() }, { additionalProperties: false });
    const good = signEnvelope({ n: 1 }, station);
    const refusal = (envelope: unknown) => {
      try {
        openEnvelope(envelope, { publicKey: station.publicKey, schema, what: 'test message' });
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
        return [(error as ProtocolError).code, (error as ProtocolError).message];
      }
      return undefined;
    };
    expect(refusal(good)).toBeUndefined();
    expect(refusal({ payload: { n: 1 } })).toEqual([
      'malformed-envelope',
      'Cannot accept test message: it is not a signed envelope',
    ]);
    expect(refusal(signEnvelope({ n: 1 }, stranger))?.[0]).toBe('wrong-key');
    expect(refusal({ ...good, payload: { n: 2 } })).toEqual([
      'bad-signature',
      'Cannot accept test message: its signature does not match its payload',
    ]);
    expect(refusal(signEnvelope({ n: 'one' }, station))).toEqual([
      'invalid-payload',
      'Cannot accept test message: its payload is not a valid test message: /n must be number',
    ]);
  });

  it('signEnvelope() refuses a payload that JSON cannot carry', () => {
    expect(() => signEnvelope({ at: Number.NaN }, station)).toThrow(TypeError);
  });
});
