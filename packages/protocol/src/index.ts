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
  stationSessionHeader,
} from './station-auth.ts';
export {
  canonicalDigest,
  DatasetDescriptionPublication,
  PublicationReceipt,
  SignedDatasetDescriptionPublication,
  SignedPublicationReceipt,
} from './dataset-publication.ts';
export {
  accessRightsLevels,
  ageBands,
  CodingSystemUsageSchema,
  ConceptFrequencySchema,
  ContactSchema,
  ControlledCountSchema,
  DatasetDescription,
  DatasetStatisticsSchema,
  DomainStatisticsSchema,
  duoCodes,
  euDataThemes,
  healthCategories,
  healthThemes,
  omopDomainTables,
  omopVocabularies,
  OrganisationSchema,
  publisherTypes,
  sexCategories,
  StewardDescriptionSchema,
} from './dataset-description.ts';
export type {
  AccessRights,
  AgeBand,
  CodingSystemUsage,
  ConceptFrequency,
  Contact,
  DatasetStatistics,
  DomainStatistics,
  DuoCode,
  EuDataTheme,
  HealthCategory,
  HealthTheme,
  OmopDomainTable,
  Organisation,
  PublisherType,
  SexCategory,
  StewardDescription,
} from './dataset-description.ts';
export {
  art53Purposes,
  PermitDocument,
  PermitRefusedError,
  permitCovers,
  permitTokenType,
  signPermit,
  verifyPermit,
} from './permit.ts';
export type { Art53Purpose, PermitRefusal, VerifyPermitOptions } from './permit.ts';
export {
  AlgorithmRef,
  DisclosureAction,
  DisclosureReport,
  PermitRevocationList,
  SignedPermitRevocationList,
  SignedTaskOffer,
  SignedTaskResult,
  TaskOffer,
  TaskProblem,
  TaskResult,
} from './federation-task.ts';
