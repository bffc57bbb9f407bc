import { Type, type Static } from 'typebox';
import { RandomToken, Timestamp, Uuid } from './_formats.ts';
import { signaturePattern } from './signing-key.ts';
import { SignedEnvelopeSchema } from './signed-envelope.ts';

/**
 * The HTTP header a station sends its session token in. Not `Authorization`: the hub reads every
 * `Authorization: Bearer` as a user's API token.
 */
export const stationSessionHeader = 'x-polder-station-token';

/** Body of `POST /api/station-auth/challenge`: the station asks for a nonce to sign. */
export const AuthChallengeRequest = Type.Object({ stationId: Uuid }, { additionalProperties: false });
export type AuthChallengeRequest = Static<typeof AuthChallengeRequest>;

/** The hub's challenge, signed with the hub's key: a single-use nonce that expires. */
export const AuthChallenge = Type.Object(
  {
    type: Type.Literal('polder.station-auth-challenge.v1'),
    stationId: Uuid,
    nonce: RandomToken,
    expiresAt: Timestamp,
  },
  { additionalProperties: false },
);
export type AuthChallenge = Static<typeof AuthChallenge>;

export const SignedAuthChallenge = SignedEnvelopeSchema(AuthChallenge);
export type SignedAuthChallenge = Static<typeof SignedAuthChallenge>;

/**
 * Body of `POST /api/station-auth/response`: the station's signature over
 * {@link stationAuthText}(stationId, nonce) with its enrolled key.
 */
export const AuthResponse = Type.Object(
  {
    stationId: Uuid,
    nonce: RandomToken,
    signature: Type.String({ pattern: signaturePattern, description: 'Ed25519 signature, base64url' }),
  },
  { additionalProperties: false },
);
export type AuthResponse = Static<typeof AuthResponse>;

/**
 * A short-lived station session, signed with the hub's key. The station sends `token` in the
 * {@link stationSessionHeader} header on station routes until `expiresAt`.
 */
export const StationSession = Type.Object(
  {
    type: Type.Literal('polder.station-session.v1'),
    stationId: Uuid,
    token: RandomToken,
    expiresAt: Timestamp,
  },
  { additionalProperties: false },
);
export type StationSession = Static<typeof StationSession>;

export const SignedStationSession = SignedEnvelopeSchema(StationSession);
export type SignedStationSession = Static<typeof SignedStationSession>;

/**
 * The text a station signs to answer a challenge. The prefix keeps the signature from meaning anything in
 * another context (it can never be canonical JSON, which starts with `{` or `[`).
 * @example stationAuthText('0190…', 'q1w2…') // 'polder-station-auth:v1:0190…:q1w2…'
 */
export function stationAuthText(stationId: string, nonce: string): string {
  return `polder-station-auth:v1:${stationId}:${nonce}`;
}
