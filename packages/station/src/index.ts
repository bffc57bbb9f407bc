export { openStationStore } from './station-store.ts';
export type { OpenStationOptions, StationInfo, StationStore } from './station-store.ts';
export { detectSource, ingestIntoStation } from './ingest-sources.ts';
export type { DetectedSource, IngestIntoStationOptions, SourceKind } from './ingest-sources.ts';
export { describeStation } from './station-overview.ts';
export type { StationOverview } from './station-overview.ts';
export {
  authenticateToHub,
  enrolStation,
  FederationError,
  publishDatasetDescription,
  readStationEnrolment,
  stationSoftwareVersion,
} from './enrolment.ts';
export type {
  EnrolStationOptions,
  FederatedStation,
  FederationErrorCode,
  HubCallOptions,
  HubSession,
  PublicationAcknowledgement,
  PublishOptions,
  StationEnrolment,
} from './enrolment.ts';
export { computeDatasetStatistics } from './dataset-statistics.ts';
export type { DatasetStatisticsOptions } from './dataset-statistics.ts';
export {
  describeStewardProblems,
  readStewardDescription,
  StewardDescriptionError,
} from './steward-description.ts';
export {
  hashStationAuditRow,
  listStationAudit,
  recordStationAudit,
  stationAuditGenesisHash,
  stationAuditHeadFile,
  verifyStationAuditLog,
} from './audit/station-audit-log.ts';
export type {
  ListStationAuditOptions,
  StationAuditAction,
  StationAuditEntry,
  StationAuditOutcome,
  StationAuditProblem,
  StationAuditRecord,
  StationAuditVerification,
} from './audit/station-audit-log.ts';
export {
  excludeOptedOut,
  listOptOuts,
  optedOutPersons,
  optOutPurposes,
  optOutStatus,
  recordOptOut,
  withdrawOptOut,
} from './opt-out/opt-out-register.ts';
export type {
  OptedOutPersonsOptions,
  OptOutActor,
  OptOutChange,
  OptOutChangeResult,
  OptOutEntry,
  OptOutPurpose,
} from './opt-out/opt-out-register.ts';
export { projectsUsingRecord, recordTaskUsage } from './opt-out/task-usage.ts';
export type { RecordUse, TaskUsage } from './opt-out/task-usage.ts';
export { startStationService } from './service/station-service.ts';
export type { StationService, StationServiceLog, StationServiceOptions } from './service/station-service.ts';
export {
  defaultStationPolicy,
  effectiveDisclosurePolicy,
  parseStationPolicy,
  readStationPolicy,
  StationPolicyError,
  StationPolicySchema,
  writeStationPolicy,
} from './service/station-policy.ts';
export type { StationPolicy } from './service/station-policy.ts';
export {
  ApprovalError,
  approveTask,
  declineTask,
  listPendingApprovals,
  readPendingApprovalsSnapshot,
  submitApprovalDecision,
} from './service/task-approvals.ts';
export type { ApprovalDecision, PendingApproval } from './service/task-approvals.ts';
export { createTaskLogTable, listTaskLog } from './service/task-log.ts';
export type { TaskLogEntry, TaskLogStatus } from './service/task-log.ts';
export { readPublishedDatasets, recordPublishedDataset } from './service/published-datasets.ts';
export {
  localApiTokenFile,
  readOrCreateLocalApiToken,
  startStationLocalApi,
} from './local-api/station-local-api.ts';
export type { StationLocalApi, StationLocalApiOptions } from './local-api/station-local-api.ts';
