import {
  DomainError,
  RUN_STATUSES,
  RunOrigin,
  RunSummary,
  Uuid,
  type RunStatus,
} from '@flightdeck/domain';
import { z } from 'zod';
import type { Db } from '../client';
import { Prisma } from '../generated/prisma/client';

/** Runs: creation, lookups and the fleet list. Their events live in the event store. */

const RunStatusSchema = z.enum(RUN_STATUSES);

export interface NewRun {
  id: string;
  teamId: string;
  manifestVersion: number;
  goal: string;
  seed: number;
  /** Default "spawn". A fork or re-run names the run (and a fork the step) it came from. */
  origin?: RunOrigin;
  originRunId?: string | null;
  originSeq?: number | null;
}

const NewRunSchema = z.object({
  id: Uuid,
  teamId: Uuid,
  manifestVersion: z.number().int().positive(),
  goal: z.string(),
  seed: z.number().int().min(-2_147_483_648).max(2_147_483_647),
  origin: RunOrigin.optional(),
  originRunId: Uuid.nullable().optional(),
  originSeq: z.number().int().positive().nullable().optional(),
});

/** What the engine needs to drive a run. */
export interface RunRecord extends NewRun {
  status: RunStatus;
  lastSeq: number;
  origin: RunOrigin;
  originRunId: string | null;
  originSeq: number | null;
}

const runRecordSelect = {
  id: true,
  teamId: true,
  manifestVersion: true,
  goal: true,
  seed: true,
  status: true,
  lastSeq: true,
  origin: true,
  originRunId: true,
  originSeq: true,
} as const satisfies Prisma.RunSelect;

/**
 * Creates a pending run of a team's manifest version. NOT_FOUND if the team
 * has no such version, CONFLICT if the id is taken.
 */
export async function insertRun(db: Db, run: NewRun): Promise<RunRecord> {
  const input = NewRunSchema.safeParse(run);
  if (!input.success) {
    throw new DomainError(
      'INVALID_INPUT',
      `Invalid run: ${z.prettifyError(input.error)}`,
      input.error.issues,
    );
  }
  try {
    const created = await db.prisma.run.create({ data: input.data, select: runRecordSelect });
    return toRunRecord(created);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new DomainError('CONFLICT', `A run with id ${run.id} already exists`);
    }
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003') {
      throw new DomainError(
        'NOT_FOUND',
        `Team ${run.teamId} has no manifest version ${run.manifestVersion}`,
      );
    }
    throw error;
  }
}

export async function getRunRecord(db: Db, runId: string): Promise<RunRecord | null> {
  if (!Uuid.safeParse(runId).success) return null;
  const row = await db.prisma.run.findUnique({ where: { id: runId }, select: runRecordSelect });
  return row ? toRunRecord(row) : null;
}

function toRunRecord(row: Prisma.RunGetPayload<{ select: typeof runRecordSelect }>): RunRecord {
  return { ...row, status: RunStatusSchema.parse(row.status), origin: RunOrigin.parse(row.origin) };
}

const summarySelect = {
  id: true,
  teamId: true,
  goal: true,
  status: true,
  lastSeq: true,
  agentCount: true,
  turns: true,
  inputTokens: true,
  outputTokens: true,
  costMicroUsd: true,
  openBreakers: true,
  createdAt: true,
  endedAt: true,
  origin: true,
  originRunId: true,
  originSeq: true,
  team: { select: { name: true } },
} as const satisfies Prisma.RunSelect;

type SummaryRow = Prisma.RunGetPayload<{ select: typeof summarySelect }>;

function toRunSummary(row: SummaryRow): RunSummary {
  return RunSummary.parse({
    id: row.id,
    teamId: row.teamId,
    teamName: row.team.name,
    goal: row.goal,
    status: row.status,
    lastSeq: row.lastSeq,
    agentCount: row.agentCount,
    turns: row.turns,
    inputTokens: safeNumber(row.inputTokens, 'inputTokens', row.id),
    outputTokens: safeNumber(row.outputTokens, 'outputTokens', row.id),
    costMicroUsd: safeNumber(row.costMicroUsd, 'costMicroUsd', row.id),
    openBreakers: row.openBreakers,
    createdAt: row.createdAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    origin: row.origin,
    originRunId: row.originRunId,
    originSeq: row.originSeq,
  });
}

/** Runs that came from `runId` (its forks and re-runs), oldest first. */
export async function listRunsFrom(db: Db, runId: string, limit = 200): Promise<RunSummary[]> {
  if (!Uuid.safeParse(runId).success) return [];
  const rows = await db.prisma.run.findMany({
    where: { originRunId: runId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: limit,
    select: summarySelect,
  });
  return rows.map(toRunSummary);
}

/** A re-run's verdict against its recorded run. */
export async function setRerunReport(db: Db, runId: string, report: unknown): Promise<void> {
  await db.prisma.run.update({
    where: { id: runId },
    data: { rerunReport: report as Prisma.InputJsonValue },
  });
}

export async function getRerunReport(db: Db, runId: string): Promise<unknown> {
  if (!Uuid.safeParse(runId).success) return null;
  const row = await db.prisma.run.findUnique({
    where: { id: runId },
    select: { rerunReport: true },
  });
  return row?.rerunReport ?? null;
}

function safeNumber(value: bigint, field: string, runId: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number))
    throw new Error(`Run ${runId}: ${field} ${value} exceeds JavaScript's safe integers`);
  return number;
}

export async function getRunSummary(db: Db, runId: string): Promise<RunSummary | null> {
  if (!Uuid.safeParse(runId).success) return null;
  const row = await db.prisma.run.findUnique({ where: { id: runId }, select: summarySelect });
  return row ? toRunSummary(row) : null;
}

/** Position in the fleet list: the last run of the previous page. */
export interface RunListCursor {
  createdAt: string;
  id: string;
}

export interface ListRunsQuery {
  status?: RunStatus;
  teamId?: string;
  /** Only runs of these teams (a principal's teams); undefined for every team. */
  teamIds?: readonly string[];
  /** 1…500. */
  limit: number;
  /** Only runs created at or after this ISO instant. */
  since?: string;
  /**
   * Where the page starts. An ISO instant: runs created strictly before it
   * (runs created in the same millisecond as the previous page's last one can
   * be skipped). A cursor (the previous page's last run): exact keyset paging.
   */
  before?: string | RunListCursor;
}

const ListRunsQuerySchema = z.object({
  status: RunStatusSchema.optional(),
  teamId: Uuid.optional(),
  teamIds: z.array(Uuid).readonly().optional(),
  limit: z.number().int().min(1).max(500),
  /** Only runs created at or after this instant. */
  since: z.iso.datetime({ offset: true }).optional(),
  before: z
    .union([
      z.iso.datetime({ offset: true }),
      z.object({ createdAt: z.iso.datetime({ offset: true }), id: Uuid }),
    ])
    .optional(),
});

/** Runs newest first (ties broken by id), optionally of one status or team. */
export async function listRunSummaries(db: Db, query: ListRunsQuery): Promise<RunSummary[]> {
  const parsed = ListRunsQuerySchema.safeParse(query);
  if (!parsed.success) {
    throw new DomainError(
      'INVALID_INPUT',
      `Invalid run list query: ${z.prettifyError(parsed.error)}`,
      parsed.error.issues,
    );
  }
  const { status, teamId, teamIds, limit, since, before } = parsed.data;
  const where: Prisma.RunWhereInput = { status, teamId };
  where.AND = [
    ...(teamIds ? [{ teamId: { in: [...teamIds] } }] : []),
    ...(since ? [{ createdAt: { gte: new Date(since) } }] : []),
  ];
  if (typeof before === 'string') {
    where.createdAt = { lt: new Date(before) };
  } else if (before) {
    const createdAt = new Date(before.createdAt);
    where.OR = [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: before.id } }];
  }
  const rows = await db.prisma.run.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit,
    select: summarySelect,
  });
  return rows.map(toRunSummary);
}

/**
 * Runs not yet ended (pending, running or paused), oldest first: what a reconciler must resume.
 * Re-runs are not among them: only their re-run driver executes them.
 */
export async function listActiveRunIds(db: Db): Promise<string[]> {
  const rows = await db.prisma.run.findMany({
    where: { status: { in: ['pending', 'running', 'paused'] }, origin: { not: 'rerun' } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true },
  });
  return rows.map((row) => row.id);
}
