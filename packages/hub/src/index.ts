export { createHub } from './create-hub.ts';
export type { CreateHubOptions, Hub, HubApp, RegisteredRoute } from './create-hub.ts';
export { readHubConfig } from './hub-config.ts';
export type { HubConfig, HubEnvironment } from './hub-config.ts';
export type { HubContext, PasswordHashing } from './hub-context.ts';
export { HubError, hubErrorStatus, isHubError } from './hub-error.ts';
export type { HubErrorCode } from './hub-error.ts';
export { openDatabase } from './db/open-database.ts';
export type { DatabaseLocation } from './db/open-database.ts';
export { PGliteDialect } from './db/pglite-dialect.ts';
export type { PGliteDialectConfig } from './db/pglite-dialect.ts';
export { migrateToLatest } from './db/migrations.ts';
export type { Database } from './db/database.ts';
export {
  assertOwner,
  assertStewardOf,
  hasRole,
  isStewardOf,
  requireRole,
  requireSignedIn,
} from './accounts/principal.ts';
export type { Principal } from './accounts/principal.ts';
export { roles, rolesRequiringTotp, isRole } from './accounts/roles.ts';
export type { Role } from './accounts/roles.ts';
export { totpCode, verifyTotp } from './accounts/totp.ts';
export { recordAudit, verifyAuditLog } from './audit/audit-log.ts';
export type { AuditEntry, AuditVerification, VerifyAuditLogOptions } from './audit/audit-log.ts';
export { AuditAnchoring, readAuditAnchors } from './audit/audit-anchor.ts';
export type { AuditAnchor } from './audit/audit-anchor.ts';
export { seedDemoAccounts } from './accounts/seed-demo-accounts.ts';
export type { DemoAccount } from './accounts/seed-demo-accounts.ts';
export { auditRequest } from './audit/audit-request.ts';
export { verifyHubAuditLog } from './audit/verify-hub-audit-log.ts';
export {
  findDataset,
  listPublishedDatasets,
  setStewardDescription,
  upsertDatasetDescription,
} from './catalogue/catalogue-store.ts';
export type { CatalogueRecord, UpsertDescriptionOptions } from './catalogue/catalogue-store.ts';
export { catalogueFacets, catalogueSorts, searchCatalogue } from './catalogue/catalogue-search.ts';
export type { CatalogueQuery, CatalogueSearchResult, DatasetSummary } from './catalogue/catalogue-search.ts';
export { catalogueGraph, datasetGraph } from './catalogue/healthdcat-graph.ts';
export type { CatalogueDataset, CatalogueSettings } from './catalogue/healthdcat-graph.ts';
export { jsonLdContext, toJsonLd, toTurtle } from './catalogue/rdf-serialisation.ts';
export { runAccessClock } from './access/access-clock.ts';
export type { AccessClockReport } from './access/access-clock.ts';
export { webhookSignature } from './access/access-delivery.ts';
export { insertApplicationHistories, rebuildProjection } from './access/application-store.ts';
export type { ApplicationHistory } from './access/application-store.ts';
export { addCalendarMonths } from './access/deadlines.ts';
export { checkDataUse, duoRules } from './access/duo-checks.ts';
export type { DuoCheck, DuoOutcome } from './access/duo-checks.ts';
export { ApplicationForm, missingSections } from './access/application-form.ts';
export {
  allowedTransitions,
  applicationStates,
  clockActor,
  decide,
  evolve,
  replay,
} from './access/workflow.ts';
export type {
  Actor,
  Application,
  ApplicationState,
  Command,
  Refusal,
  WorkflowEvent,
} from './access/workflow.ts';
export type { StationLinkMessage } from './projects/station-link.ts';
export type { RunError } from './projects/run-coordinator.ts';
