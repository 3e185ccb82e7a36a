import type { AgentState, RunState, ToolCallState } from '../events/reducer';
import type { Actor, BreakerEvidence, EventOf, RunEvent } from '../events/schema';
import { callLabel, callSignature, digest } from './hash';
import {
  BREAKER_MEMORY,
  type BreakerKind,
  type BreakerThresholds,
  DEFAULT_BREAKER_THRESHOLDS,
} from './thresholds';

/**
 * What a run's breakers remember, kept by the one reducer from the log: the
 * run's recent calls and outcomes (every agent, every tool), its recent
 * spend, spawns and exchanges between agents, when it last made progress, and
 * each breaker's state. Bounded: a run of any length keeps at most
 * BREAKER_MEMORY of each. Detection (detect.ts) is a pure function of it.
 */

export type BreakerStatus = 'closed' | 'open' | 'half-open';

export interface BreakerState {
  key: string;
  kind: BreakerKind;
  status: BreakerStatus;
  /** How many times it has opened in this run. */
  trips: number;
  /** Observations up to this seq no longer count (it was closed there). */
  sinceSeq: number;
  opened: {
    seq: number;
    at: string;
    reason: string;
    evidence: BreakerEvidence[];
    /** Quarantined agents; empty: the whole run. */
    agents: string[];
    value: number;
    threshold: number;
    /** Provider breakers: when the next probe may go. */
    retryAt: string | null;
  } | null;
  halfOpened: { seq: number; at: string; reason: string } | null;
  closed: { seq: number; at: string; by: Actor; reason: string } | null;
}

export interface CallObservation {
  seq: number;
  at: string;
  agentId: string;
  tool: string;
  /** Tool and exact arguments (callSignature). */
  sig: string;
  label: string;
  ok: boolean;
  /** Digest of the result the agent got. */
  result: string;
}

export interface OutcomeObservation {
  seq: number;
  agentId: string;
  ok: boolean;
  label: string;
}

export interface CostObservation {
  seq: number;
  at: string;
  agentId: string;
  microUsd: number;
}

export interface SpawnObservation {
  seq: number;
  agentId: string;
  ok: boolean;
  label: string;
}

export interface ExchangeObservation {
  seq: number;
  key: string;
  /** The two agents (a parent and its subagent, or two writers of one file). */
  agents: [string, string];
  label: string;
}

interface FileWriter {
  path: string;
  agentId: string;
  content: string;
}

export interface BreakerBoard {
  thresholds: BreakerThresholds;
  /** The event that set them (null: the built-in defaults). */
  thresholdsSet: { seq: number; at: string; by: Actor; reason: string; source: string } | null;
  /** By key (a kind, or `provider:<id>`); a breaker that never opened is absent, and closed. */
  states: Record<string, BreakerState>;
  /** Tool calls as they ended (finished, or refused by the gate), oldest first. */
  calls: CallObservation[];
  /** Ends of tool calls (ok or failed) and failed model calls. */
  outcomes: OutcomeObservation[];
  costs: CostObservation[];
  spawns: SpawnObservation[];
  exchanges: ExchangeObservation[];
  /**
   * Seqs of recent turn starts, team-wide, but for each agent's first turn
   * (many agents starting at once is a fan-out, not a stall).
   */
  turns: number[];
  lastProgressSeq: number;
  /** Calls seen and their last result, most recent last: a call or result not here is new. */
  seen: Array<[string, string]>;
  writers: FileWriter[];
}

export const emptyBreakerBoard = (): BreakerBoard => ({
  thresholds: DEFAULT_BREAKER_THRESHOLDS,
  thresholdsSet: null,
  states: {},
  calls: [],
  outcomes: [],
  costs: [],
  spawns: [],
  exchanges: [],
  turns: [],
  lastProgressSeq: 0,
  seen: [],
  writers: [],
});

const NOVELTY_MEMORY = 2 * BREAKER_MEMORY;

function pushBounded<T>(items: readonly T[], item: T, max = BREAKER_MEMORY): T[] {
  const next = items.length >= max ? items.slice(items.length - max + 1) : items.slice();
  next.push(item);
  return next;
}

function findCall(agent: AgentState | undefined, callId: string): ToolCallState | undefined {
  return agent?.turn?.toolCalls.find((c) => c.callId === callId);
}

/**
 * The board after `event`, given the state before and after the rest of the
 * reducer applied it. Returns `before.breakers` itself when nothing changed.
 */
export function trackBreakers(before: RunState, after: RunState, event: RunEvent): BreakerBoard {
  const board = after.breakers;
  switch (event.type) {
    case 'agent.turn.started':
      return event.payload.turn === 1
        ? board
        : { ...board, turns: pushBounded(board.turns, event.seq) };
    case 'agent.spawned':
      return event.payload.parentAgentId ? { ...board, lastProgressSeq: event.seq } : board;
    case 'agent.finished':
      return { ...board, lastProgressSeq: event.seq };
    case 'llm.call.finished': {
      // A model that answers is not a success of the team's: a looping agent's model always answers.
      const cost = event.payload.costMicroUsd;
      if (cost <= 0) return board;
      return {
        ...board,
        costs: pushBounded(
          board.costs,
          { seq: event.seq, at: event.at, agentId: event.agentId ?? '', microUsd: cost },
          2 * BREAKER_MEMORY,
        ),
      };
    }
    case 'llm.call.failed': {
      const agent = event.agentId ? before.agents[event.agentId] : undefined;
      const model = agent ? `${agent.model.provider}/${agent.model.name}` : 'model';
      return {
        ...board,
        outcomes: pushBounded(board.outcomes, {
          seq: event.seq,
          agentId: event.agentId ?? '',
          ok: false,
          label: `${model} failed: ${clip(event.payload.error, 120)}`,
        }),
      };
    }
    case 'gate.decided': {
      if (event.payload.subject !== 'tool' || event.payload.effect !== 'deny') return board;
      const agentId = event.agentId ?? '';
      const call = findCall(before.agents[agentId], event.payload.callId);
      if (!call) return board;
      return observeCall(board, event, agentId, call, false, `refused: ${event.payload.reason}`);
    }
    case 'tool.call.finished':
      return trackToolResult(before, board, event);
    case 'breaker.opened':
    case 'breaker.half-opened':
    case 'breaker.closed':
    case 'breaker.thresholds.changed':
      return applyBreakerEvent(board, event);
    default:
      return board;
  }
}

function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function trackToolResult(
  before: RunState,
  board: BreakerBoard,
  event: EventOf<'tool.call.finished'>,
): BreakerBoard {
  const agentId = event.agentId ?? '';
  const agent = before.agents[agentId];
  // A result that arrived after its agent ended changes nothing.
  if (!agent || agent.status === 'done' || agent.status === 'failed' || agent.status === 'killed')
    return board;
  const call = findCall(agent, event.payload.callId);
  if (!call) return board;
  const p = event.payload;
  const child = call.childAgentId ? before.agents[call.childAgentId] : undefined;
  // A subagent a person killed is not a failure of the team's.
  if (p.tool === 'delegate' && child?.status === 'killed') return board;
  let next = observeCall(board, event, agentId, call, p.ok, p.output);
  if (p.tool === 'delegate') {
    const childName = typeof call.args.agent === 'string' ? call.args.agent : '?';
    const task = typeof call.args.task === 'string' ? call.args.task : '';
    next = {
      ...next,
      spawns: pushBounded(
        next.spawns,
        {
          seq: event.seq,
          agentId,
          ok: p.ok,
          label: `${agent.name} → ${childName}: ${clip(p.ok ? task : p.output, 140)}`,
        },
        64,
      ),
    };
    if (child) {
      next = {
        ...next,
        exchanges: pushBounded(next.exchanges, {
          seq: event.seq,
          key: digest(
            `delegate\u0000${agent.name}\u0000${childName}\u0000${task}\u0000${p.output}`,
          ),
          agents: [agentId, child.id],
          label: `${agent.name} delegated "${clip(task, 80)}" to ${childName}, who reported "${clip(p.output, 80)}"`,
        }),
      };
    }
  }
  if (p.tool === 'fs.write' && p.ok && typeof call.args.path === 'string') {
    const path = call.args.path;
    const content = digest(typeof call.args.content === 'string' ? call.args.content : '');
    const previous = next.writers.find((w) => w.path === path);
    if (previous && previous.agentId !== agentId) {
      const other = before.agents[previous.agentId];
      next = {
        ...next,
        exchanges: pushBounded(next.exchanges, {
          seq: event.seq,
          key: digest(
            `file\u0000${path}\u0000${other?.name ?? previous.agentId}\u0000${previous.content}\u0000${agent.name}\u0000${content}`,
          ),
          agents: [previous.agentId, agentId],
          label: `${agent.name} rewrote ${path} after ${other?.name ?? 'another agent'} (the same two versions again)`,
        }),
      };
    }
    next = {
      ...next,
      writers: pushBounded(
        next.writers.filter((w) => w.path !== path),
        { path, agentId, content },
        128,
      ),
    };
  }
  return next;
}

/** One tool call's end: its outcome, whether it was new (progress), and its place in the call history. */
function observeCall(
  board: BreakerBoard,
  event: RunEvent,
  agentId: string,
  call: ToolCallState,
  ok: boolean,
  output: string,
): BreakerBoard {
  const sig = callSignature(call.tool, call.args);
  const result = digest(`${ok ? 'ok' : 'err'}\u0000${output}`);
  const label = callLabel(call.tool, call.args);
  const index = board.seen.findIndex(([s]) => s === sig);
  const progress = ok && (index < 0 || board.seen[index]![1] !== result);
  const seen = index < 0 ? board.seen.slice() : board.seen.filter((_, i) => i !== index);
  seen.push([sig, result]);
  if (seen.length > NOVELTY_MEMORY) seen.splice(0, seen.length - NOVELTY_MEMORY);
  return {
    ...board,
    calls: pushBounded(board.calls, {
      seq: event.seq,
      at: event.at,
      agentId,
      tool: call.tool,
      sig,
      label,
      ok,
      result,
    }),
    outcomes: pushBounded(board.outcomes, {
      seq: event.seq,
      agentId,
      ok,
      label: ok ? label : `${label} failed: ${clip(output, 100)}`,
    }),
    seen,
    lastProgressSeq: progress ? event.seq : board.lastProgressSeq,
  };
}

function blankState(key: string, kind: BreakerKind): BreakerState {
  return {
    key,
    kind,
    status: 'closed',
    trips: 0,
    sinceSeq: 0,
    opened: null,
    halfOpened: null,
    closed: null,
  };
}

type BreakerEvent = EventOf<
  'breaker.opened' | 'breaker.half-opened' | 'breaker.closed' | 'breaker.thresholds.changed'
>;

/**
 * Breaker events are facts about a shared world (two workers may both see a
 * provider open): opening an open breaker or closing a closed one changes nothing.
 */
function applyBreakerEvent(board: BreakerBoard, event: BreakerEvent): BreakerBoard {
  if (event.type === 'breaker.thresholds.changed') {
    const { thresholds, by, reason, source } = event.payload;
    return {
      ...board,
      thresholds,
      thresholdsSet: { seq: event.seq, at: event.at, by, reason, source },
    };
  }
  const key = event.payload.breaker;
  const current = board.states[key] ?? blankState(key, event.payload.kind);
  let next: BreakerState;
  if (event.type === 'breaker.opened') {
    if (current.status === 'open') return board;
    const p = event.payload;
    next = {
      ...current,
      status: 'open',
      trips: current.trips + 1,
      opened: {
        seq: event.seq,
        at: event.at,
        reason: p.reason,
        evidence: p.evidence,
        agents: p.agents,
        value: p.value,
        threshold: p.threshold,
        retryAt: p.retryAt,
      },
      halfOpened: null,
    };
  } else if (event.type === 'breaker.half-opened') {
    if (current.status !== 'open') return board;
    next = {
      ...current,
      status: 'half-open',
      halfOpened: { seq: event.seq, at: event.at, reason: event.payload.reason },
    };
  } else {
    if (current.status === 'closed') return board;
    next = {
      ...current,
      status: 'closed',
      sinceSeq: event.seq,
      closed: { seq: event.seq, at: event.at, by: event.payload.by, reason: event.payload.reason },
    };
  }
  return { ...board, states: { ...board.states, [key]: next } };
}

/** The open (or half-open) breakers that hold this agent: those of the whole run, and those naming it. */
export function coveringBreakers(state: RunState, agentId: string): BreakerState[] {
  return Object.values(state.breakers.states).filter(
    (b) =>
      b.status !== 'closed' &&
      b.kind !== 'provider' &&
      (b.opened?.agents.length === 0 || (b.opened?.agents.includes(agentId) ?? false)),
  );
}

/** Every breaker that is not closed now. */
export function openBreakers(state: RunState): BreakerState[] {
  return Object.values(state.breakers.states).filter((b) => b.status !== 'closed');
}
