import { randomUUID } from 'node:crypto';
import { getRunRecord, insertRun, readAllEvents, setRerunReport } from '@flightdeck/db';
import {
  type Actor,
  applyEvent,
  EMPTY_WORKSPACE_TREE,
  DomainError,
  type EventDraft,
  type EventOf,
  initialRunState,
  isTerminalRunStatus,
  newSpanId,
  newTraceId,
  pendingTurnOf,
  type RunEvent,
  type RunState,
} from '@flightdeck/domain';
import {
  copyHistory,
  createQueues,
  type Engine,
  fingerprintCall,
  recordEvents,
  resetWorkspaceTo,
} from '@flightdeck/engine';
import type { Logger } from '@flightdeck/telemetry';
import type { AppendGate } from '../executor/run-context';
import { runTurn, type TurnDependencies } from '../executor/run-turn';
import { ModelCallError, type ModelProvider, type ProviderRegistry } from '../providers/types';
import type { Tool, ToolRegistry } from '../tools/types';
import { canonicalEvent, describeForReport } from './compare';

/**
 * A deterministic re-run: the recorded run is executed again by the current
 * executor, in a new run, with the recorded model responses and the recorded
 * tool results (and workspaces) served in place of models and tools, so it
 * makes no live model, tool or network call. The re-run's appends are admitted
 * in the recorded order and compared as they come; what people did (approval
 * decisions, pauses, steers, kills, rollbacks) is appended at its recorded
 * place. The first event that differs is reported, with what was expected.
 */

export interface RerunDifference {
  /** Position in the recorded log (1-based seq) where the re-run went another way. */
  seq: number;
  expected: ReturnType<typeof describeForReport>;
  actual: ReturnType<typeof describeForReport>;
  reason: string;
}

export interface RerunReport {
  identical: boolean;
  recordedEvents: number;
  rerunEvents: number;
  /** Events equal to the recording, from the start. */
  matched: number;
  firstDifference: RerunDifference | null;
  /** Model responses and tool results served from the recording. */
  replayedModelCalls: number;
  replayedToolCalls: number;
  durationMs: number;
}

export interface RerunDependencies {
  engine: Engine;
  log: Logger;
  /** The built-in tools: a re-run offers the same tools (schemas, flags), never runs them. */
  tools: ToolRegistry;
}

/** Events appended by people and timers, not by turns: a re-run appends them at their recorded place. */
const EXTERNAL = new Set<RunEvent['type']>([
  'run.started',
  'run.paused',
  'run.resumed',
  'run.killed',
  'agent.paused',
  'agent.resumed',
  'agent.killed',
  'agent.steered',
  'approval.voted',
  'approval.expiring',
  'approval.decided',
  'tool.call.resolved',
  'workspace.restored',
  'run.forked',
  'breaker.thresholds.changed',
  'budget.changed',
]);

/** Appended by the executor itself when the system acts (a breaker trip's or a budget stop's pause, a probe closing a breaker): re-executed, not copied. */
const BY_PEOPLE_ONLY = new Set<RunEvent['type']>(['run.paused', 'agent.paused', 'breaker.closed']);

function isExternal(event: RunEvent, forkSeq: number): boolean {
  if (event.seq <= forkSeq) return true;
  if (BY_PEOPLE_ONLY.has(event.type))
    return (event.payload as { by: { kind: string } }).by.kind !== 'system';
  if (EXTERNAL.has(event.type)) return true;
  if (event.type === 'agent.spawned') return event.payload.parentAgentId === null;
  if (event.type === 'workspace.committed') return event.payload.callId === null;
  return false;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

interface Waiter {
  drafts: readonly EventDraft[];
  fenced: boolean;
  seenSeq: number;
  agentId: string | null;
  admit: (done: (events: readonly RunEvent[] | null) => void) => void;
  refuse: (error: Error) => void;
}

/** Start a deterministic re-run of a recorded run and wait for its verdict (also stored on the new run). */
export async function rerunRecorded(
  deps: RerunDependencies,
  input: { runId: string; by: Actor; rerunId?: string; timeoutMs?: number },
): Promise<{ runId: string; report: RerunReport }> {
  const recordedRun = await getRunRecord(deps.engine.db, input.runId);
  if (!recordedRun) throw new DomainError('NOT_FOUND', `No run ${input.runId}.`);
  const recorded = await readAllEvents(deps.engine.db, input.runId);
  const rerunId = input.rerunId ?? randomUUID();
  if (!input.rerunId)
    await insertRun(deps.engine.db, {
      id: rerunId,
      teamId: recordedRun.teamId,
      manifestVersion: recordedRun.manifestVersion,
      goal: recordedRun.goal,
      seed: recordedRun.seed,
      origin: 'rerun',
      originRunId: input.runId,
    });
  const rerun = new Rerun(deps, input.runId, rerunId, recorded, input.timeoutMs ?? 120_000);
  const report = await rerun.run();
  await setRerunReport(deps.engine.db, rerunId, report);
  return { runId: rerunId, report };
}

class Rerun {
  /** Index in `recorded` of the next event expected. */
  private position = 0;
  private state: RunState = initialRunState();
  /** Re-run id → recorded id, and back. */
  private readonly toRecorded = new Map<string, string>();
  private readonly toRerun = new Map<string, string>();
  private readonly waiters: Waiter[] = [];
  /** Turns running, by agent, with the last seq each has seen for sure (its start, its own appends). */
  private readonly jobs = new Map<string, { turn: number; seenSeq: number }>();
  private readonly finishedJobs = new Map<string, { turn: number; seq: number }>();
  private appending = false;
  private wake: (() => void) | null = null;
  private difference: RerunDifference | null = null;
  private readonly abort = new AbortController();
  private readonly forkSeq: number;
  private readonly traceId = newTraceId();
  private readonly engine: Engine;
  private readonly recordedCalls = new Map<
    string,
    EventOf<'llm.call.finished' | 'llm.call.failed'>
  >();
  private readonly recordedResults = new Map<string, EventOf<'tool.call.finished'>>();
  /** For each recorded tool result: its index in the log, and the workspace's tree right after it. */
  private readonly recordedFinish = new Map<string, { index: number; tree: string }>();
  private positionWaiters: Array<() => void> = [];
  private replayedModelCalls = 0;
  private replayedToolCalls = 0;
  private workspaceQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: RerunDependencies,
    private readonly recordedRunId: string,
    private readonly rerunId: string,
    private readonly recorded: readonly RunEvent[],
    private readonly timeoutMs: number,
  ) {
    this.forkSeq = recorded.find((e) => e.type === 'run.forked')?.seq ?? 0;
    let tree = EMPTY_WORKSPACE_TREE;
    for (const [index, event] of recorded.entries()) {
      if (event.type === 'llm.call.finished' || event.type === 'llm.call.failed')
        this.recordedCalls.set(event.payload.callId, event);
      if (event.type === 'workspace.committed' || event.type === 'workspace.restored') {
        tree = event.payload.tree;
        // A call's own commit follows its result: the workspace after the call is that commit's.
        const callId = event.type === 'workspace.committed' ? event.payload.callId : null;
        const finish = callId ? this.recordedFinish.get(callId) : undefined;
        if (finish && finish.index === index - 1) finish.tree = tree;
      }
      if (event.type === 'tool.call.finished') {
        this.recordedResults.set(event.payload.callId, event);
        this.recordedFinish.set(event.payload.callId, { index, tree });
      }
    }
    // Its own queues: continuations and approval timers of a re-run are never consumed.
    const prefix = `${deps.engine.config.queuePrefix}:rerun:${rerunId}`;
    this.engine = { ...deps.engine, queues: createQueues(deps.engine.redis, prefix), silent: true };
    this.bind(recordedRunId, rerunId);
  }

  private bind(recordedId: string, rerunId: string): void {
    this.toRecorded.set(rerunId.toLowerCase(), recordedId.toLowerCase());
    this.toRerun.set(recordedId.toLowerCase(), rerunId.toLowerCase());
  }

  /** A re-run id (or text with ids) as the recording names it. */
  private asRecorded(text: string): string {
    return text.replace(UUID, (id) => this.toRecorded.get(id.toLowerCase()) ?? id);
  }

  private asRerun(text: string): string {
    return text.replace(UUID, (id) => this.toRerun.get(id.toLowerCase()) ?? id);
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async run(): Promise<RerunReport> {
    const started = performance.now();
    const root = this.engine.config.workspaceRoot;
    await copyHistory(root, this.recordedRunId, this.rerunId, []);
    const deadline = Date.now() + this.timeoutMs;
    try {
      while (this.position < this.recorded.length && !this.difference) {
        if (Date.now() > deadline) {
          this.diverge('the re-run did not finish in time', null);
          break;
        }
        await this.step();
      }
    } finally {
      this.abort.abort(new Error('re-run finished'));
      for (const waiter of this.waiters.splice(0))
        waiter.refuse(new DomainError('RUN_NOT_ACTIVE', 're-run finished'));
      // Let the turns wind down before their queues go.
      const until = Date.now() + 10_000;
      while (this.jobs.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await Promise.all(
        Object.values(this.engine.queues).map(async (q) => {
          await q.obliterate({ force: true }).catch(() => undefined);
          await q.close();
        }),
      );
    }
    // A re-run that went another way stops there, and says so in its own log.
    if (this.difference && this.state.runId && !isTerminalRunStatus(this.state.status)) {
      const d = this.difference;
      await recordEvents(this.engine, this.rerunId, [
        {
          type: 'run.failed',
          at: new Date().toISOString(),
          agentId: null,
          traceId: this.traceId,
          spanId: newSpanId(),
          parentSpanId: this.state.rootSpanId,
          payload: {
            error: `re-run diverged from run ${this.recordedRunId} at step ${d.seq}: ${d.reason}`,
          },
        },
      ]).catch((error: unknown) =>
        this.deps.log.warn('could not end a diverged re-run', { runId: this.rerunId, error }),
      );
    }
    return {
      identical: this.difference === null,
      recordedEvents: this.recorded.length,
      rerunEvents: this.state.lastSeq,
      matched: this.difference ? this.difference.seq - 1 : this.position,
      firstDifference: this.difference,
      replayedModelCalls: this.replayedModelCalls,
      replayedToolCalls: this.replayedToolCalls,
      durationMs: Math.round(performance.now() - started),
    };
  }

  private diverge(reason: string, actual: EventDraft | null): void {
    if (this.difference) return;
    const expected = this.recorded[this.position];
    this.difference = {
      seq: this.position + 1,
      expected: describeForReport(expected),
      actual: describeForReport(
        actual ? (JSON.parse(this.asRecorded(JSON.stringify(actual))) as EventDraft) : null,
      ),
      reason,
    };
  }

  /** One move: append an external event, admit a matching append, or find out why nothing matches. */
  private async step(): Promise<void> {
    if (this.appending) return this.waitForChange(50);
    const next = this.recorded[this.position]!;
    if (isExternal(next, this.forkSeq)) {
      await this.appendExternal(next);
      this.startTurns();
      return;
    }
    // An append that is the next recorded event (or batch) goes in.
    for (const [i, waiter] of this.waiters.entries()) {
      if (this.matches(waiter.drafts)) {
        this.waiters.splice(i, 1);
        this.admit(waiter);
        return;
      }
    }
    // A fenced decision made before events it did not see: it must catch up and decide again.
    let refused = false;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (waiter.fenced && waiter.seenSeq < this.state.lastSeq) {
        this.waiters.splice(i, 1);
        waiter.refuse(new DomainError('STALE_STATE', 'the re-run moved on: decide again'));
        refused = true;
      }
    }
    const startedTurns = this.startTurns();
    if (refused || startedTurns > 0) return this.waitForChange(50);
    const busy = this.jobs.size - this.waiters.length;
    if (busy > 0) return this.waitForChange(250);
    // Nothing runs and nothing waiting is the recorded event: the re-run went another way.
    const expectedAgent = next.agentId ? this.toRerun.get(next.agentId) : undefined;
    const candidate =
      this.waiters.find((w) => w.drafts[0]?.agentId === expectedAgent) ?? this.waiters[0];
    this.diverge(
      candidate
        ? 'the re-run appended a different event here'
        : 'the re-run stopped before this event',
      candidate ? this.firstMismatch(candidate.drafts) : null,
    );
  }

  private firstMismatch(drafts: readonly EventDraft[]): EventDraft | null {
    for (const [i, draft] of drafts.entries()) {
      const expected = this.recorded[this.position + i];
      if (!expected || !this.same(draft, expected)) {
        this.position += i;
        return draft;
      }
    }
    return drafts[0] ?? null;
  }

  private waitForChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private same(draft: EventDraft, expected: RunEvent): boolean {
    return (
      canonicalEvent(draft, (id) => this.toRecorded.get(id)).text ===
      canonicalEvent(expected, (id) => (this.toRerun.has(id) ? id : undefined)).text
    );
  }

  private matches(drafts: readonly EventDraft[]): boolean {
    if (this.position + drafts.length > this.recorded.length) return false;
    return drafts.every((draft, i) => this.same(draft, this.recorded[this.position + i]!));
  }

  private admit(waiter: Waiter): void {
    const expected = this.recorded.slice(this.position, this.position + waiter.drafts.length);
    // Ids new in these events are the recorded ones' counterparts, in order of appearance.
    waiter.drafts.forEach((draft, i) => {
      const ours = canonicalEvent(draft, (id) => this.toRecorded.get(id)).unknown;
      const theirs = canonicalEvent(expected[i]!, (id) =>
        this.toRerun.has(id) ? id : undefined,
      ).unknown;
      ours.forEach((id, k) => {
        const recordedId = theirs[k];
        if (recordedId && id !== recordedId) this.bind(recordedId, id);
      });
    });
    this.appending = true;
    waiter.admit((events) => {
      this.appending = false;
      if (events) this.applyAppended(events);
      const job = waiter.agentId ? this.jobs.get(waiter.agentId) : undefined;
      const last = events?.at(-1);
      if (job && last) job.seenSeq = last.seq;
      this.signal();
    });
  }

  private applyAppended(events: readonly RunEvent[]): void {
    for (const event of events) this.state = applyEvent(this.state, event);
    this.position += events.length;
    for (const wake of this.positionWaiters.splice(0)) wake();
  }

  /** Until every recorded event before `index` is in (or the re-run stopped). */
  private async reach(index: number): Promise<void> {
    while (this.position < index && !this.difference && !this.abort.signal.aborted)
      await new Promise<void>((resolve) => {
        this.positionWaiters.push(resolve);
        setTimeout(resolve, 250);
      });
  }

  /** A person's or a timer's event, at its recorded place, with this run's ids. */
  private async appendExternal(event: RunEvent): Promise<void> {
    if (event.type === 'agent.spawned' && event.agentId && !this.toRerun.has(event.agentId))
      this.bind(event.agentId, randomUUID());
    if (event.type === 'approval.requested' && !this.toRerun.has(event.payload.approvalId))
      this.bind(event.payload.approvalId, randomUUID());
    const { runId: _runId, seq: _seq, version: _version, ...rest } = event;
    const draft = JSON.parse(this.asRerun(JSON.stringify(rest))) as EventDraft;
    draft.traceId = this.traceId;
    if (draft.type === 'approval.decided' || draft.type === 'approval.voted') {
      // The decision is bound to this run's call: its fingerprint covers this run's ids.
      const approval = this.state.approvals[draft.payload.approvalId];
      if (approval)
        draft.payload.fingerprint = fingerprintCall({
          runId: this.rerunId,
          agentId: approval.agentId,
          callId: approval.callId,
          tool: approval.tool,
          args: draft.payload.args,
        });
    }
    if (draft.type === 'workspace.committed' || draft.type === 'workspace.restored')
      await this.underWorkspaceLock(() =>
        resetWorkspaceTo(this.engine.config.workspaceRoot, this.rerunId, draft.payload.tree),
      );
    this.appending = true;
    try {
      const events = await recordEvents(this.engine, this.rerunId, [draft], {
        allowAfterEnd: event.type.startsWith('workspace.'),
      });
      this.applyAppended(events);
    } finally {
      this.appending = false;
    }
  }

  /** Start a turn for every agent the run now needs one for (what the queue does in a live run). */
  private startTurns(): number {
    let started = 0;
    if (this.state.status !== 'running') return 0;
    for (const agentId of this.state.agentOrder) {
      if (this.jobs.has(agentId)) continue;
      const turn = pendingTurnOf(this.state, agentId);
      if (turn === null) continue;
      const previous = this.finishedJobs.get(agentId);
      // The same turn again only once the run moved on: a turn that did nothing would do nothing again.
      if (previous && previous.turn === turn && previous.seq === this.state.lastSeq) continue;
      this.jobs.set(agentId, { turn, seenSeq: this.state.lastSeq });
      started += 1;
      void this.runJob(agentId, turn);
    }
    return started;
  }

  private async runJob(agentId: string, turn: number): Promise<void> {
    try {
      await runTurn(this.turnDeps(), { runId: this.rerunId, agentId, turn }, this.abort.signal);
    } catch (error) {
      if (!this.abort.signal.aborted)
        this.deps.log.warn('re-run turn failed', { runId: this.rerunId, agentId, turn, error });
    } finally {
      // What the turn saw, not where the log is now: an event appended while it wound down (an
      // approval decided) is one it never saw, and the same turn must run again for it.
      const seen = this.jobs.get(agentId)?.seenSeq ?? this.state.lastSeq;
      this.jobs.delete(agentId);
      this.finishedJobs.set(agentId, { turn, seq: seen });
      this.signal();
    }
  }

  private underWorkspaceLock<T>(work: () => Promise<T>): Promise<T> {
    const next = this.workspaceQueue.then(work, work);
    this.workspaceQueue = next.catch(() => undefined);
    return next;
  }

  private depsCache: TurnDependencies | null = null;

  private turnDeps(): TurnDependencies {
    this.depsCache ??= {
      engine: this.engine,
      providers: this.providers(),
      tools: this.replayTools(),
      log: this.deps.log,
      appendGate: this.gate(),
      // A call's workspace snapshot is taken when the log is where the recording took it,
      // so it diffs against the same recorded state.
      workspaceLock: async (work, call) => {
        const finish = this.recordedFinish.get(this.asRecorded(call.callId));
        if (finish) await this.reach(finish.index);
        return this.underWorkspaceLock(work);
      },
    };
    return this.depsCache;
  }

  private gate(): AppendGate {
    return {
      admit: (drafts, context) =>
        new Promise((resolve, reject) => {
          if (this.difference || this.abort.signal.aborted) {
            reject(new DomainError('RUN_NOT_ACTIVE', 'the re-run has stopped'));
            return;
          }
          this.waiters.push({
            drafts,
            fenced: context.fenced,
            seenSeq: context.seenSeq,
            agentId: context.agentId,
            admit: resolve,
            refuse: reject,
          });
          this.signal();
        }),
    };
  }

  /** Every provider answers from the recording: the model's recorded response to this call. */
  private providers(): ProviderRegistry {
    const generate: ModelProvider['generate'] = (request) => {
      const callId = request.callId ? this.asRecorded(request.callId) : '';
      const recorded = this.recordedCalls.get(callId);
      if (!recorded)
        return Promise.reject(
          new ModelCallError(`no recorded model response for ${callId || 'this call'}`, false),
        );
      this.replayedModelCalls += 1;
      if (recorded.type === 'llm.call.failed')
        return Promise.reject(
          new ModelCallError(recorded.payload.error, recorded.payload.retryable),
        );
      const p = recorded.payload;
      const response = {
        text: p.text,
        toolCalls: p.toolCalls.map((c) => ({
          tool: c.tool,
          args: JSON.parse(this.asRerun(JSON.stringify(c.args))) as Record<string, unknown>,
        })),
        usage: p.usage,
        finishReason: p.finishReason === 'error' ? 'stop' : p.finishReason,
      } as const;
      return Promise.resolve(response);
    };
    const replay = (id: ModelProvider['id']): ModelProvider => ({ id, generate });
    return {
      simulated: replay('simulated'),
      openai: replay('openai'),
      anthropic: replay('anthropic'),
    };
  }

  /** The same tools (names, arguments, flags), whose results are the recorded ones. */
  private replayTools(): ToolRegistry {
    const tools = new Map<string, Tool>();
    for (const [name, tool] of this.deps.tools) {
      tools.set(name, {
        ...tool,
        run: async (_args, context) => {
          const callId = context.callId ? this.asRecorded(context.callId) : '';
          const result = this.recordedResults.get(callId);
          if (!result)
            return { ok: false, output: `no recorded result for ${callId || 'this call'}` };
          this.replayedToolCalls += 1;
          // The workspace as the recording has it right after the call: the snapshot then finds
          // the recorded tree (or no change, where the recording committed none).
          const finish = this.recordedFinish.get(callId);
          if (finish && !tool.readOnly)
            await resetWorkspaceTo(this.engine.config.workspaceRoot, this.rerunId, finish.tree);
          return { ok: result.payload.ok, output: result.payload.output };
        },
      });
    }
    return tools;
  }
}
