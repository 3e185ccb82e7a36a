export { createDb, type CreateDbOptions, type Db } from './client';
export { checkDatabase, type CheckDatabaseOptions, type DatabaseCheck } from './health';
export { DatabaseUnreachableError, redactUrl } from './connection';
export { ensureDatabase } from './ensure-database';
export {
  migrate,
  MigrationError,
  type MigrateOptions,
  type MigrateResult,
} from './migrations/migrator';
export {
  appendEvents,
  readAllEvents,
  readEvents,
  MAX_EVENTS_PER_READ,
  type AppendOptions,
  type ReadEventsOptions,
} from './events/event-store';
export { StoredEventInvalidError } from './events/event-rows';
export {
  getRunRecord,
  getRunSummary,
  insertRun,
  listActiveRunIds,
  listRunSummaries,
  type ListRunsQuery,
  type NewRun,
  type RunListCursor,
  type RunRecord,
} from './runs/run-repository';
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
