import { z } from 'zod';
import { CallId, SpanId, TraceId, Uuid } from '../ids';

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

export const Actor = z.object({ kind: z.enum(['user', 'system', 'token']), id: z.string().max(200) });
export type Actor = z.infer<typeof Actor>;

const Reason = z.string().max(2000);

/** Payload schemas, one per event type. */
export const payloads = {
  'run.started': z.object({
    teamId: z.string(),
    teamName: z.string(),
    manifestVersion: z.number().int().positive(),
    goal: z.string(),
    seed: z.number().int(),
    by: Actor,
  }),
  'run.completed': z.object({ result: z.string() }),
  'run.failed': z.object({ error: z.string() }),
  'run.killed': z.object({ by: Actor, reason: Reason }),

  'agent.spawned': z.object({
    parentAgentId: Uuid.nullable(),
    /** The delegate call of the parent that created this agent. */
    parentCallId: CallId.nullable(),
    name: z.string(),
    role: z.string(),
    model: ModelRef,
    task: z.string(),
    depth: z.number().int().nonnegative(),
  }),
  'agent.turn.started': z.object({ turn: z.number().int().positive() }),
  'agent.turn.finished': z.object({ turn: z.number().int().positive() }),
  'agent.finished': z.object({ result: z.string() }),
  'agent.failed': z.object({ error: z.string() }),

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

  'tool.call.dispatched': ToolCallRequest,
  'tool.call.finished': z.object({
    callId: CallId,
    tool: z.string(),
    ok: z.boolean(),
    output: z.string(),
    durationMs: z.number().nonnegative(),
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
  variant('agent.spawned'),
  variant('agent.turn.started'),
  variant('agent.turn.finished'),
  variant('agent.finished'),
  variant('agent.failed'),
  variant('llm.call.started'),
  variant('llm.call.finished'),
  variant('llm.call.failed'),
  variant('tool.call.dispatched'),
  variant('tool.call.finished'),
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
