import { getRunRecord, getTeamManifest, readEvents, type RunRecord } from '@flightdeck/db';
import {
  applyEvent,
  type AuditEntryInput,
  DomainError,
  type PauseMode,
  type Manifest,
  reduceEvents,
  type RunEvent,
  type RunState,
} from '@flightdeck/domain';
import {
  type Engine,
  keepSnapshotIfDue,
  loadRunState,
  recordEventsWithMissed,
} from '@flightdeck/engine';
import type { EventDraft } from '@flightdeck/domain';
import { runStates } from './run-state-cache';

const manifestCache = new Map<string, Manifest>();

/** Events read per query while catching up. */
const PAGE = 5_000;

/**
 * Orders appends (a deterministic re-run follows its recording): `admit` is
 * awaited before each append and returns a callback told what was appended
 * (null: nothing, the append failed). It may throw STALE_STATE for a fenced
 * append, which makes the turn catch up and decide again.
 */
export interface AppendGate {
  admit(
    drafts: readonly EventDraft[],
    context: { fenced: boolean; seenSeq: number; agentId: string | null },
  ): Promise<(events: readonly RunEvent[] | null) => void>;
}

async function loadManifest(engine: Engine, teamId: string, version: number): Promise<Manifest> {
  const key = `${teamId}@${version}`;
  const cached = manifestCache.get(key);
  if (cached) return cached;
  const record = await getTeamManifest(engine.db, teamId, version);
  if (!record) throw new DomainError('NOT_FOUND', `manifest ${key} is missing`);
  manifestCache.set(key, record.manifest);
  return record.manifest;
}

/** What never changes about a run: the team and manifest it runs under, where it came from. */
type RunIdentity = Pick<RunRecord, 'teamId' | 'manifestVersion' | 'origin'>;

const runIdentities = new Map<string, RunIdentity>();
const RUN_IDENTITIES = 5_000;

/** A run's identity, read once per process (a turn of a known run reads no run row). */
async function loadRunIdentity(engine: Engine, runId: string): Promise<RunIdentity> {
  const cached = runIdentities.get(runId);
  if (cached) return cached;
  const record = await getRunRecord(engine.db, runId);
  if (!record) throw new DomainError('NOT_FOUND', `no run ${runId}`);
  const identity = {
    teamId: record.teamId,
    manifestVersion: record.manifestVersion,
    origin: record.origin,
  };
  if (runIdentities.size >= RUN_IDENTITIES) runIdentities.clear();
  runIdentities.set(runId, identity);
  return identity;
}

/**
 * A run as one turn sees it: the manifest it runs under and its state, kept
 * current as the turn appends (other agents of the run append concurrently, so
 * any events in between are read back to keep the reducer's seq gapless).
 */
export class RunContext {
  private constructor(
    private readonly engine: Engine,
    readonly runId: string,
    readonly manifest: Manifest,
    private current: RunState,
    private readonly gate?: AppendGate,
  ) {}

  static async load(engine: Engine, runId: string, gate?: AppendGate): Promise<RunContext> {
    const record = await loadRunIdentity(engine, runId);
    // A deterministic re-run is executed by its driver only (through its append gate), never by a
    // turn job: a stray job (a decision, a resume, a reconciler) would make live calls in it.
    if (record.origin === 'rerun' && !gate)
      throw new DomainError('NOT_FOUND', `run ${runId} is a re-run: only its re-run executes it`);
    const manifest = await loadManifest(engine, record.teamId, record.manifestVersion);
    // From the state this process last saw of the run (and what was appended since), else the
    // run's state now (its snapshot and the events after it).
    const cached = runStates.get(runId);
    const context = new RunContext(
      engine,
      runId,
      manifest,
      cached ?? (await loadRunState(engine, runId)),
      gate,
    );
    if (cached) await context.refresh();
    else runStates.remember(runId, context.state);
    return context;
  }

  get state(): RunState {
    return this.current;
  }

  /**
   * Persist then publish `drafts`, and fold them (and anything appended
   * meanwhile) into the state. With a fence, the append happens only if the
   * agent has seen every event about it (and the run is in one of
   * `runStatuses`); otherwise it throws STALE_STATE and nothing is written.
   */
  async record(
    drafts: EventDraft[],
    fence?: {
      agentId: string;
      runStatuses: readonly RunState['status'][];
      pausedModes?: readonly PauseMode[];
    },
    audit?: AuditEntryInput,
  ): Promise<RunEvent[]> {
    const lastSeq = fence ? (this.current.agents[fence.agentId]?.lastSeq ?? 0) : 0;
    return this.append(drafts, {
      ...(fence ? { fence: { ...fence, lastSeq } } : {}),
      ...(audit ? { audit } : {}),
    });
  }

  /**
   * Persist `drafts` only if nothing at all was appended to the run since
   * this state (a decision about the whole run, such as a breaker tripping);
   * otherwise STALE_STATE and nothing is written.
   */
  recordIfUnmoved(drafts: EventDraft[], audit?: AuditEntryInput): Promise<RunEvent[]> {
    return this.append(drafts, { expectRunSeq: this.current.lastSeq, ...(audit ? { audit } : {}) });
  }

  private async append(
    drafts: EventDraft[],
    options: Parameters<typeof recordEventsWithMissed>[3],
  ): Promise<RunEvent[]> {
    const seenSeq = this.current.lastSeq;
    const admitted = await this.gate?.admit(drafts, {
      fenced: options?.fence !== undefined || options?.expectRunSeq !== undefined,
      seenSeq,
      agentId: options?.fence?.agentId ?? null,
    });
    let appended: Awaited<ReturnType<typeof recordEventsWithMissed>>;
    try {
      appended = await recordEventsWithMissed(this.engine, this.runId, drafts, {
        ...options,
        seenSeq,
      });
    } catch (error) {
      admitted?.(null);
      throw error;
    }
    const { events, missed } = appended;
    admitted?.(events);
    const first = events[0];
    // What others appended meanwhile came back with the append (unless there was much of it, or
    // this state moved while the append was in flight).
    if (missed && this.current.lastSeq === seenSeq)
      this.current = reduceEvents(missed, this.current);
    if (first && first.seq !== this.current.lastSeq + 1) await this.refresh(first.seq - 1);
    for (const event of events) this.current = applyEvent(this.current, event);
    runStates.remember(this.runId, this.current);
    if (first) keepSnapshotIfDue(this.engine, this.current, first.seq - 1);
    return events;
  }

  /** Fold in events others appended since this state was read (up to `untilSeq`, or all). */
  async refresh(untilSeq?: number): Promise<void> {
    for (;;) {
      const limit = Math.min(PAGE, (untilSeq ?? Infinity) - this.current.lastSeq);
      if (limit <= 0) return;
      const page = await readEvents(this.engine.db, this.runId, {
        afterSeq: this.current.lastSeq,
        limit,
      });
      this.current = reduceEvents(page, this.current);
      runStates.remember(this.runId, this.current);
      if (page.length < limit) return;
    }
  }
}
