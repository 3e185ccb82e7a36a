export { createDb, type CreateDbOptions, type Db } from './client';
export { checkDatabase, type CheckDatabaseOptions, type DatabaseCheck } from './health';
export { DatabaseUnreachableError, isDatabaseUnavailableError, redactUrl } from './connection';
export { ensureDatabase } from './ensure-database';
export {
  migrate,
  MigrationError,
  type MigrateOptions,
  type MigrateResult,
} from './migrations/migrator';
export {
  appendEvents,
  appendEventsWithMissed,
  readAllEvents,
  readEvents,
  MAX_EVENTS_PER_READ,
  type AppendOptions,
  type AppendResult,
  type ReadEventsOptions,
} from './events/event-store';
export { StoredEventInvalidError } from './events/event-rows';
export {
  getRerunReport,
  getRunRecord,
  getRunSummary,
  insertRun,
  listRunsFrom,
  setRerunReport,
  listActiveRunIds,
  listRunSummaries,
  type ListRunsQuery,
  type NewRun,
  type RunListCursor,
  type RunRecord,
} from './runs/run-repository';
export { readRunSnapshot, saveRunSnapshot, type StoredRunSnapshot } from './runs/run-snapshots';
export {
  getTeam,
  getTeamManifest,
  listTeams,
  saveTeamManifest,
  type SavedTeamManifest,
  type TeamDetail,
  type TeamListItem,
} from './teams/team-repository';
export { StoredManifestInvalidError } from './teams/stored-manifest';
export type { PrismaClient } from './generated/prisma/client';
export {
  costByAgent,
  costByModel,
  costByTeam,
  costTimeseries,
  sumCosts,
  topCostRuns,
  type AgentCost,
  type CostBucket,
  type CostlyRun,
  type CostSums,
  type CostWindow,
  type ModelCost,
  type TeamCost,
} from './costs/cost-queries';
export {
  countPendingApprovals,
  getApproval,
  listApprovals,
  listDueApprovals,
  type ApprovalRecord,
  type ListApprovalsQuery,
} from './approvals/approval-repository';
export {
  getTeamPolicy,
  saveTeamPolicy,
  type TeamPolicyRecord,
} from './teams/team-policy-repository';
export {
  deleteWebhook,
  findWebhooksFor,
  getDeliveryTask,
  getWebhook,
  insertDeliveries,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  recordDeliveryAttempt,
  updateWebhook,
  type DeliveryRecord,
  type DeliveryTask,
  type NewWebhook,
  type WebhookPatch,
  type WebhookRecord,
} from './webhooks/webhook-repository';
export { inTransaction } from './transaction';
export {
  appendAuditEntry,
  getAuditHead,
  listAuditEntries,
  parseAuditEntryInput,
  recordAuditEntry,
  type AuditPage,
  type ListAuditQuery,
} from './audit/audit-store';
export { auditHash } from './audit/audit-hash';
export {
  verifyAuditChain,
  type AuditBreak,
  type AuditBreakReason,
  type AuditVerification,
  type VerifyAuditOptions,
} from './audit/verify';
export {
  AuditCheckpoint,
  appendAuditCheckpoint,
  createAuditCheckpointer,
  readAuditCheckpoints,
  type AuditCheckpointer,
} from './audit/checkpoint';
export * from './accounts/access-repository';
export {
  getCurrentPriceTable,
  listPriceTables,
  savePriceTableVersion,
  type StoredPriceTable,
} from './prices/price-table-repository';
export {
  getTeamBreakerDefaults,
  saveTeamBreakerDefaults,
  type TeamBreakerDefaultsRecord,
} from './teams/team-breaker-repository';
export {
  getGlobalBudget,
  getTeamBudget,
  periodUsage,
  saveGlobalBudget,
  saveTeamBudget,
  type PeriodBudgetRecord,
  type PeriodUsage,
} from './budgets/budget-repository';
