export { canonicalJson } from './canonical-json.ts';
export {
  exportPrivateKey,
  generateSigningKeyPair,
  importPrivateKey,
  isPublicKey,
  keyIdOf,
  keyIdPattern,
  publicKeyPattern,
  signaturePattern,
  signText,
  verifySignature,
} from './signing-key.ts';
export type { SigningKeyPair } from './signing-key.ts';
export { openEnvelope, signEnvelope, SignedEnvelopeSchema, verifyEnvelope } from './signed-envelope.ts';
export type { OpenEnvelopeOptions, SignedEnvelope } from './signed-envelope.ts';
export { ProtocolError } from './protocol-error.ts';
export type { ProtocolErrorCode } from './protocol-error.ts';
export {
  EnrolmentRequest,
  EnrolmentResponse,
  HubKey,
  SignedEnrolmentRequest,
  SignedEnrolmentResponse,
} from './station-enrolment.ts';
export {
  AuthChallenge,
  AuthChallengeRequest,
  AuthResponse,
  SignedAuthChallenge,
  SignedStationSession,
  StationSession,
  stationAuthText,
} from './station-auth.ts';
export {
  canonicalDigest,
  DatasetDescriptionPublication,
  PublicationReceipt,
  SignedDatasetDescriptionPublication,
  SignedPublicationReceipt,
} from './dataset-publication.ts';
