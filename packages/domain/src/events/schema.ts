import { z } from 'zod';
import { CallId, SpanId, TraceId, Uuid } from '../ids';
import { ApprovalSettings, Effect } from '../policy/rules';
import { BreakerKind, BreakerThresholds } from '../breakers/thresholds';
import { budgetPayloads, GateReservation } from '../budget/events';
import { BudgetLimits } from '../budget/limits';

/**
 * The one event union. Every fact about a run is one of these, stored in
 * PostgreSQL with a gapless per-run `seq`. Types are dotted and past tense.
 * A change to a payload's shape bumps its `version`.
 */

export const ModelRef = z.object({
  provider: z.enum(['simulated', 'openai', 'anthropic']),
  name: z.string().min(1).max(200),
});
export type ModelRef = z.infer<typeof ModelRef>;

export const Usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

export const ToolCallRequest = z.object({
  callId: CallId,
  tool: z.string().min(1).max(200),
  args: z.record(z.string(), z.unknown()),
});
export type ToolCallRequest = z.infer<typeof ToolCallRequest>;

export const Actor = z.object({
  kind: z.enum(['user', 'system', 'token']),
  id: z.string().max(200),
});
export type Actor = z.infer<typeof Actor>;

const Reason = z.string().max(2000);

/** How a pause treats the turn in flight: let it finish, or abort it (it resumes from the log). */
export const PauseMode = z.enum(['finish-turn', 'abort-turn']);
export type PauseMode = z.infer<typeof PauseMode>;

/** A human's decision on a tool call whose outcome a crash left unknown. */
export const ToolCallResolution = z.enum(['retry', 'skip', 'mark-done']);
export type ToolCallResolution = z.infer<typeof ToolCallResolution>;

const Args = z.record(z.string(), z.unknown());
const Fingerprint = z.string().regex(/^[0-9a-f]{64}$/, 'a sha-256 fingerprint');

/** Where a gate decision came from: a rule of the manifest or of the team's defaults, a run-wide allowance, an approval, the scope, the default deny, the gate failing closed, or a fork's side-effect check. */
export const DecisionSource = z.enum([
  'manifest',
  'team',
  'run',
  'approval',
  'scope',
  'default',
  'gate',
  'fork',
]);

/** How an approval ended: expiry is its own outcome, whatever it then applies. */
export const ApprovalOutcome = z.enum(['approved', 'denied', 'expired']);
export type ApprovalOutcome = z.infer<typeof ApprovalOutcome>;

const BreakerKey = z.string().min(1).max(120);

/** One piece of what made a breaker trip: a call, an error, a sum, with the event it comes from. */
export const BreakerEvidence = z.object({
  seq: z.number().int().positive().nullable(),
  agentId: Uuid.nullable(),
  text: z.string().max(500),
});
export type BreakerEvidence = z.infer<typeof BreakerEvidence>;

/** git's id of the empty tree: a workspace before anything was written. */
export const EMPTY_WORKSPACE_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** A git object id (SHA-1, 40 hex digits): a workspace commit or tree. */
export const GitSha = z.string().regex(/^[0-9a-f]{40}$/, 'a git object id');

/** One file a workspace commit changed. */
export const WorkspaceFileChange = z.object({
  path: z.string().min(1).max(4096),
  change: z.enum(['added', 'modified', 'deleted']),
});
export type WorkspaceFileChange = z.infer<typeof WorkspaceFileChange>;

/** A snapshot of the whole workspace (a git commit of its history repository) and what it changed. */
const WorkspaceCommit = {
  commit: GitSha,
  /** The snapshot's content: equal trees are equal workspaces. */
  tree: GitSha,
  /** The workspace's previous recorded commit (null: the empty workspace). */
  parent: GitSha.nullable(),
  /** The files changed since `parent` (at most 500; `moreFiles` counts the rest). */
  files: z.array(WorkspaceFileChange).max(500),
  moreFiles: z.number().int().nonnegative().default(0),
};

/** Where a run came from when it did not start from a goal: a fork of another run at a step. */
export const ForkEdits = z.object({
  /** The agent the edits apply to (null: the lead). */
  agentId: Uuid.nullable().default(null),
  /** A message delivered to that agent at its next turn. */
  message: z.string().min(1).max(8000).nullable().default(null),
  /** Replaces that agent's system prompt from the fork on. */
  system: z.string().min(1).max(16_000).nullable().default(null),
  /** Replaces that agent's model from the fork on. */
  model: ModelRef.nullable().default(null),
});
export type ForkEdits = z.infer<typeof ForkEdits>;

/** Payload schemas, one per event type. */
export const payloads = {
  'run.started': z.object({
    teamId: z.string(),
    teamName: z.string(),
    manifestVersion: z.number().int().positive(),
    goal: z.string(),
    seed: z.number().int(),
    by: Actor,
    /** The run's budget from the manifest (changes follow as `budget.changed`). */
    budget: BudgetLimits.optional(),
  }),
  'run.completed': z.object({ result: z.string() }),
  'run.failed': z.object({ error: z.string() }),
  'run.killed': z.object({ by: Actor, reason: Reason }),
  'run.paused': z.object({ by: Actor, reason: Reason, mode: PauseMode }),
  'run.resumed': z.object({ by: Actor }),

  'agent.spawned': z.object({
    parentAgentId: Uuid.nullable(),
    /** The delegate call of the parent that created this agent. */
    parentCallId: CallId.nullable(),
    name: z.string(),
    role: z.string(),
    model: ModelRef,
    task: z.string(),
    depth: z.number().int().nonnegative(),
    /** Tools the delegate call narrowed this agent to (a subset of its manifest grants); null: all of them. */
    toolScope: z.array(z.string()).nullable().default(null),
    /** The slice of its parent's budget the delegate call handed this agent (hard caps); absent: none. */
    budget: BudgetLimits.optional(),
  }),
  'agent.turn.started': z.object({ turn: z.number().int().positive() }),
  'agent.turn.finished': z.object({ turn: z.number().int().positive() }),
  'agent.finished': z.object({ result: z.string() }),
  'agent.failed': z.object({ error: z.string() }),
  'agent.killed': z.object({ by: Actor, reason: Reason }),
  'agent.paused': z.object({ by: Actor, reason: Reason, mode: PauseMode }),
  'agent.resumed': z.object({ by: Actor }),
  /** An operator's message, delivered to the agent at the start of its next turn. */
  'agent.steered': z.object({ by: Actor, message: z.string().min(1).max(8000) }),

  'llm.call.started': z.object({
    callId: CallId,
    turn: z.number().int().positive(),
    model: ModelRef,
  }),
  'llm.call.finished': z.object({
    callId: CallId,
    text: z.string(),
    toolCalls: z.array(ToolCallRequest),
    usage: Usage,
    costMicroUsd: z.number().int().nonnegative(),
    priceVersion: z.string(),
    latencyMs: z.number().nonnegative(),
    finishReason: z.enum(['stop', 'tool_calls', 'length', 'error']),
  }),
  'llm.call.failed': z.object({ callId: CallId, error: z.string(), retryable: z.boolean() }),

  /** The gate's decision on a model or tool call, with the rule and policy version that made it. */
  'gate.decided': z.object({
    subject: z.enum(['tool', 'model']),
    callId: CallId,
    tool: z.string(),
    effect: Effect,
    ruleId: z.string().nullable(),
    source: DecisionSource,
    policyVersion: z.string(),
    reason: z.string().max(2000),
    /** The worst case reserved against the budgets for this call (model calls), if any. */
    reserved: GateReservation.optional(),
  }),
  /** An `ask` parked the agent: a human must decide this exact call. */
  'approval.requested': z.object({
    approvalId: Uuid,
    callId: CallId,
    tool: z.string(),
    args: Args,
    /** Binds any decision to this exact call (run, agent, call id, tool, arguments). */
    fingerprint: Fingerprint,
    ruleId: z.string().nullable(),
    reason: z.string().max(2000),
    risk: z.string().max(2000).nullable(),
    /** For file writes: the file as it is now (null: it does not exist yet). */
    diff: z
      .object({ path: z.string(), before: z.string().nullable(), truncated: z.boolean() })
      .nullable(),
    /** Who the run acts for: never allowed to decide its own agents' approvals. */
    requestedBy: Actor,
    settings: ApprovalSettings,
    warnAt: z.iso.datetime({ offset: true }),
    expiresAt: z.iso.datetime({ offset: true }),
  }),
  /** One approver's approval, short of the quorum. */
  'approval.voted': z.object({
    approvalId: Uuid,
    by: Actor,
    /** The call as this approver approved it (edited arguments change it). */
    args: Args,
    fingerprint: Fingerprint,
    reason: Reason,
  }),
  /** The approval will expire soon. */
  'approval.expiring': z.object({ approvalId: Uuid, expiresAt: z.iso.datetime({ offset: true }) }),
  'approval.decided': z.object({
    approvalId: Uuid,
    callId: CallId,
    outcome: ApprovalOutcome,
    /** null when it expired. */
    by: Actor.nullable(),
    reason: Reason,
    /** What happens to the call: run it (with `args`) or not. */
    applied: z.enum(['allow', 'deny']),
    args: Args,
    fingerprint: Fingerprint,
    edited: z.boolean(),
    /** The asking rule is allowed for the rest of the run. */
    allowRuleForRun: z.boolean(),
  }),
  'tool.call.dispatched': ToolCallRequest,
  'tool.call.finished': z.object({
    callId: CallId,
    tool: z.string(),
    ok: z.boolean(),
    output: z.string(),
    durationMs: z.number().nonnegative(),
  }),
  /** A call that may have had effects was interrupted (worker crash): a human decides what happened. */
  'tool.call.interrupted': z.object({ callId: CallId, tool: z.string(), reason: z.string() }),
  'tool.call.resolved': z.object({
    callId: CallId,
    by: Actor,
    resolution: ToolCallResolution,
    /** For `mark-done`: the result to give the agent. */
    output: z.string().max(64_000).default(''),
  }),

  /** A circuit breaker tripped: what, why, the evidence, and who it quarantines (no agents: the whole run). */
  'breaker.opened': z.object({
    /** The breaker's key: its kind, or `provider:<id>`. */
    breaker: BreakerKey,
    kind: BreakerKind,
    reason: z.string().max(2000),
    evidence: z.array(BreakerEvidence).max(20),
    agents: z.array(Uuid).max(1000),
    /** The measure that tripped it, against its threshold (same unit). */
    value: z.number().nonnegative(),
    threshold: z.number().nonnegative(),
    /** Provider breakers: when one probe call may try the provider again. */
    retryAt: z.iso.datetime({ offset: true }).nullable().default(null),
  }),
  /** A provider breaker lets one probe call through after its cool-down. */
  'breaker.half-opened': z.object({ breaker: BreakerKey, kind: BreakerKind, reason: Reason }),
  /** Closed again: reset by a person (who and why), or by a successful probe. */
  'breaker.closed': z.object({ breaker: BreakerKey, kind: BreakerKind, by: Actor, reason: Reason }),
  /** The thresholds the run's breakers hold it to from here on (at spawn, or changed by a person). */
  'breaker.thresholds.changed': z.object({
    thresholds: BreakerThresholds,
    by: Actor,
    reason: Reason,
    source: z.enum(['spawn', 'run']),
  }),
  ...budgetPayloads,
  /** A tool call changed the workspace: its snapshot after the call (one commit per tool call that changed files). */
  'workspace.committed': z.object({
    /** The tool call that made the changes. */
    callId: CallId.nullable(),
    ...WorkspaceCommit,
  }),
  /** An operator rolled the workspace back to how it was after step `toSeq` (a new commit with that step's tree). */
  'workspace.restored': z.object({
    by: Actor,
    toSeq: z.number().int().nonnegative(),
    reason: Reason,
    ...WorkspaceCommit,
  }),
  /**
   * This run is a fork: the events before this one are the origin's history up
   * to `fromSeq` (ids renamed), and nothing of it ran again. The run continues
   * from that state, under `manifestVersion`, with the edits applied.
   */
  'run.forked': z.object({
    fromRunId: Uuid,
    fromSeq: z.number().int().positive(),
    by: Actor,
    manifestVersion: z.number().int().positive(),
    edits: ForkEdits,
    /** Agent ids of the origin → ids in this run (ids are unique across runs). */
    agentIds: z.record(z.string(), Uuid),
  }),
} as const;

export type EventType = keyof typeof payloads;
export const EVENT_TYPES = Object.keys(payloads) as EventType[];

const envelope = {
  runId: Uuid,
  seq: z.number().int().positive(),
  at: z.iso.datetime({ offset: true }),
  version: z.literal(1),
  agentId: Uuid.nullable(),
  traceId: TraceId,
  spanId: SpanId,
  parentSpanId: SpanId.nullable(),
};

function variant<T extends EventType>(type: T) {
  return z.object({ ...envelope, type: z.literal(type), payload: payloads[type] });
}

export const RunEvent = z.discriminatedUnion('type', [
  variant('run.started'),
  variant('run.completed'),
  variant('run.failed'),
  variant('run.killed'),
  variant('run.paused'),
  variant('run.resumed'),
  variant('agent.spawned'),
  variant('agent.turn.started'),
  variant('agent.turn.finished'),
  variant('agent.finished'),
  variant('agent.failed'),
  variant('agent.killed'),
  variant('agent.paused'),
  variant('agent.resumed'),
  variant('agent.steered'),
  variant('llm.call.started'),
  variant('llm.call.finished'),
  variant('llm.call.failed'),
  variant('gate.decided'),
  variant('approval.requested'),
  variant('approval.voted'),
  variant('approval.expiring'),
  variant('approval.decided'),
  variant('tool.call.dispatched'),
  variant('tool.call.finished'),
  variant('tool.call.interrupted'),
  variant('tool.call.resolved'),
  variant('breaker.opened'),
  variant('breaker.half-opened'),
  variant('breaker.closed'),
  variant('breaker.thresholds.changed'),
  variant('budget.changed'),
  variant('budget.warned'),
  variant('budget.exceeded'),
  variant('workspace.committed'),
  variant('workspace.restored'),
  variant('run.forked'),
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type EventOf<T extends EventType> = Extract<RunEvent, { type: T }>;
export type PayloadOf<T extends EventType> = z.infer<(typeof payloads)[T]>;

/** An event before the store has numbered it: `seq` is assigned on commit. */
export type EventDraft = {
  [T in EventType]: Omit<EventOf<T>, 'seq' | 'runId' | 'version'>;
}[EventType];

/** Statuses a run can end in: nothing may be appended after them but audit facts. */
export const TERMINAL_RUN_STATUSES = ['completed', 'failed', 'killed'] as const;
