import { Type, type Static } from 'typebox';
import { RandomToken, Timestamp, Uuid } from './_formats.ts';
import { publicKeyPattern } from './signing-key.ts';
import { SignedEnvelopeSchema } from './signed-envelope.ts';

const PublicKey = Type.String({
  pattern: publicKeyPattern,
  description: 'Ed25519 public key, base64url of 32 raw bytes',
});

/**
 * What a new station sends to `POST /api/station-enrolment`, inside an envelope signed with the key it
 * enrols: the signature proves that the station holds the private half of `stationPublicKey`.
 */
export const EnrolmentRequest = Type.Object(
  {
    type: Type.Literal('polder.station-enrolment-request.v1'),
    /** The one-time token the hub's admin handed to the steward. */
    token: RandomToken,
    stationPublicKey: PublicKey,
    stationName: Type.String({ minLength: 1, maxLength: 200 }),
    /** Version of the station software, e.g. '0.1.0'. */
    stationVersion: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);
export type EnrolmentRequest = Static<typeof EnrolmentRequest>;

/** The body of `POST /api/station-enrolment`: an {@link EnrolmentRequest} signed by the station's new key. */
export const SignedEnrolmentRequest = SignedEnvelopeSchema(EnrolmentRequest);
export type SignedEnrolmentRequest = Static<typeof SignedEnrolmentRequest>;

/**
 * The hub's answer to an enrolment, signed with the hub's key. The station pins `hubPublicKey` and from then
 * on accepts only what that key signed. `stationPublicKey` echoes the enrolled key so that the answer cannot
 * be replayed to another station.
 */
export const EnrolmentResponse = Type.Object(
  {
    type: Type.Literal('polder.station-enrolment.v1'),
    stationId: Uuid,
    stationPublicKey: PublicKey,
    hubPublicKey: PublicKey,
    /** The hub's base URL as the hub knows itself. */
    hubUrl: Type.String({ minLength: 1, maxLength: 2000 }),
    enrolledAt: Timestamp,
  },
  { additionalProperties: false },
);
export type EnrolmentResponse = Static<typeof EnrolmentResponse>;

export const SignedEnrolmentResponse = SignedEnvelopeSchema(EnrolmentResponse);
export type SignedEnrolmentResponse = Static<typeof SignedEnrolmentResponse>;

/** The hub's public key as `GET /api/hub-key` serves it. */
export const HubKey = Type.Object(
  { publicKey: PublicKey, keyId: Type.String({ description: 'Key id (fingerprint) of the public key' }) },
  { additionalProperties: false },
);
export type HubKey = Static<typeof HubKey>;
