import { getRunRecord, getTeamManifest, readEvents } from '@flightdeck/db';
import { applyEvent, DomainError, type Manifest, reduceEvents, type RunEvent, type RunState } from '@flightdeck/domain';
import { type Engine, recordEvents } from '@flightdeck/engine';
import type { EventDraft } from '@flightdeck/domain';

const manifestCache = new Map<string, Manifest>();

async function loadManifest(engine: Engine, teamId: string, version: number): Promise<Manifest> {
  const key = `${teamId}@${version}`;
  const cached = manifestCache.get(key);
  if (cached) return cached;
  const record = await getTeamManifest(engine.db, teamId, version);
  if (!record) throw new DomainError('NOT_FOUND', `manifest ${key} is missing`);
  manifestCache.set(key, record.manifest);
  return record.manifest;
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
  ) {}

  static async load(engine: Engine, runId: string): Promise<RunContext> {
    const record = await getRunRecord(engine.db, runId);
    if (!record) throw new DomainError('NOT_FOUND', `no run ${runId}`);
    const manifest = await loadManifest(engine, record.teamId, record.manifestVersion);
    const state = reduceEvents(await readAllAfter(engine, runId, 0));
    return new RunContext(engine, runId, manifest, state);
  }

  get state(): RunState {
    return this.current;
  }

  /** Persist then publish `drafts`, and fold them (and anything appended meanwhile) into the state. */
  async record(drafts: EventDraft[]): Promise<RunEvent[]> {
    const events = await recordEvents(this.engine, this.runId, drafts);
    const first = events[0];
    if (first && first.seq !== this.current.lastSeq + 1) {
      const missing = await readEvents(this.engine.db, this.runId, {
        afterSeq: this.current.lastSeq,
        limit: first.seq - this.current.lastSeq - 1,
      });
      this.current = reduceEvents(missing, this.current);
    }
    for (const event of events) this.current = applyEvent(this.current, event);
    return events;
  }
}

async function readAllAfter(engine: Engine, runId: string, afterSeq: number): Promise<RunEvent[]> {
  const all: RunEvent[] = [];
  let cursor = afterSeq;
  for (;;) {
    const page = await readEvents(engine.db, runId, { afterSeq: cursor, limit: 5000 });
    all.push(...page);
    if (page.length < 5000) return all;
    cursor = page[page.length - 1]!.seq;
  }
}
