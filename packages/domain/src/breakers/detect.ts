import type { RunState } from '../events/reducer';
import type { BreakerEvidence } from '../events/schema';
import type { BreakerBoard, BreakerState, CallObservation } from './board';
import {
  BREAKER_LABELS,
  type BreakerKind,
  RUN_BREAKER_KINDS,
  type RunBreakerKind,
} from './thresholds';

/**
 * Detection: pure functions of a run's breaker board. The worker asks after
 * every step it records; the browser asks the same questions to draw each
 * breaker's counter against its threshold. Counting starts again after a
 * breaker is closed (its `sinceSeq`), so a reset is not re-tripped by the
 * evidence it was reset over.
 */

/** A breaker's measure now. */
export interface BreakerMeasure {
  value: number;
  threshold: number;
  /** Whether the measure is at its threshold (the breaker trips if it is closed and enabled). */
  over: boolean;
  reason: string;
  evidence: BreakerEvidence[];
  /** The agents it would quarantine; empty: the whole run. */
  agents: string[];
}

export interface BreakerTrip extends BreakerMeasure {
  key: string;
  kind: RunBreakerKind;
}

const MAX_EVIDENCE = 12;

const since = <T extends { seq: number }>(items: readonly T[], seq: number): T[] =>
  seq > 0 ? items.filter((i) => i.seq > seq) : (items as T[]);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function evidenceOf(
  items: ReadonlyArray<{ seq: number; agentId: string; label: string }>,
  state: RunState,
  withAgent = true,
): BreakerEvidence[] {
  return items.slice(-MAX_EVIDENCE).map((i) => {
    const agent = state.agents[i.agentId];
    return {
      seq: i.seq,
      agentId: agent ? agent.id : null,
      text: clip(withAgent && agent ? `${agent.name}: ${i.label}` : i.label),
    };
  });
}

function clip(text: string, max = 480): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const names = (state: RunState, ids: readonly string[]) =>
  ids.map((id) => state.agents[id]?.name ?? 'an agent').join(' and ');

type Measurer = (state: RunState, board: BreakerBoard, sinceSeq: number) => BreakerMeasure;

const MEASURES: Record<RunBreakerKind, Measurer> = {
  consecutiveErrors(state, board, sinceSeq) {
    const { max } = board.thresholds.consecutiveErrors;
    const outcomes = since(board.outcomes, sinceSeq);
    let streak = 0;
    while (streak < outcomes.length && !outcomes[outcomes.length - 1 - streak]!.ok) streak++;
    const errors = outcomes.slice(outcomes.length - streak);
    return {
      value: streak,
      threshold: max,
      over: streak >= max,
      reason: `${plural(streak, 'call')} failed in a row across the team (threshold ${max})`,
      evidence: evidenceOf(errors, state),
      agents: [],
    };
  },

  windowedErrors(state, board, sinceSeq) {
    const { max, window } = board.thresholds.windowedErrors;
    const recent = since(board.outcomes, sinceSeq).slice(-window);
    const errors = recent.filter((o) => !o.ok);
    return {
      value: errors.length,
      threshold: max,
      over: errors.length >= max,
      reason: `${errors.length} of the last ${plural(recent.length, 'call')} failed (threshold ${max} in ${window})`,
      evidence: evidenceOf(errors, state),
      agents: [],
    };
  },

  repeatedCall(state, board, sinceSeq) {
    const { max, window } = board.thresholds.repeatedCall;
    const recent = since(board.calls, sinceSeq).slice(-window);
    const bySig = new Map<string, CallObservation[]>();
    for (const call of recent) {
      const list = bySig.get(call.sig) ?? [];
      list.push(call);
      bySig.set(call.sig, list);
    }
    let worst: CallObservation[] = [];
    let worstRepeats = 0;
    for (const calls of bySig.values()) {
      // An agent's first time is never a repeat: ten agents each listing a folder once is not a loop.
      const agents = new Set(calls.map((c) => c.agentId));
      const repeats = calls.length - agents.size + 1;
      if (repeats > worstRepeats) {
        worstRepeats = repeats;
        worst = calls;
      }
    }
    const agents = [...new Set(worst.map((c) => c.agentId))];
    const label = worst[0]?.label ?? 'no call';
    return {
      value: worstRepeats,
      threshold: max,
      over: worstRepeats >= max && worst.length > 0,
      reason: worst.length
        ? `${label} made ${plural(worst.length, 'time')} by ${names(state, agents)} in the last ${plural(recent.length, 'tool call')} (threshold ${max})`
        : 'no repeated call',
      evidence: evidenceOf(worst, state),
      agents,
    };
  },

  cycle(state, board, sinceSeq) {
    const { repeats: needed, maxPeriod } = board.thresholds.cycle;
    const calls = since(board.calls, sinceSeq);
    const sequences: CallObservation[][] = [calls];
    for (const agentId of new Set(calls.map((c) => c.agentId)))
      sequences.push(calls.filter((c) => c.agentId === agentId));
    let best = { repeats: 0, period: 0, segment: [] as CallObservation[] };
    for (const sequence of sequences) {
      for (let period = 2; period <= maxPeriod; period++) {
        const repeats = trailingRepeats(sequence, period);
        if (repeats > best.repeats) {
          best = { repeats, period, segment: sequence.slice(-period * repeats) };
        }
      }
    }
    const agents = [...new Set(best.segment.map((c) => c.agentId))];
    const cycle = best.segment.slice(0, best.period).map((c) => c.tool);
    return {
      value: best.repeats,
      threshold: needed,
      over: best.repeats >= needed,
      reason: best.period
        ? `a cycle of ${best.period} calls (${cycle.join(' → ')}) repeated ${plural(best.repeats, 'time')} in a row by ${names(state, agents)} (threshold ${needed})`
        : 'no cycle',
      evidence: evidenceOf(best.segment, state),
      agents,
    };
  },

  noProgress(state, board, sinceSeq) {
    const { turns } = board.thresholds.noProgress;
    const from = Math.max(board.lastProgressSeq, sinceSeq);
    const count = board.turns.filter((seq) => seq > from).length;
    const recent = since(board.calls, from);
    return {
      value: count,
      threshold: turns,
      over: count >= turns,
      reason: `${plural(count, 'team turn')} without progress: no new call, result, file content, agent or report${board.lastProgressSeq ? ` since event ${board.lastProgressSeq}` : ''} (threshold ${turns})`,
      evidence: evidenceOf(recent, state),
      agents: [],
    };
  },

  bounce(state, board, sinceSeq) {
    const { max } = board.thresholds.bounce;
    const byKey = new Map<string, BreakerBoard['exchanges']>();
    for (const exchange of since(board.exchanges, sinceSeq)) {
      const list = byKey.get(exchange.key) ?? [];
      list.push(exchange);
      byKey.set(exchange.key, list);
    }
    let worst: BreakerBoard['exchanges'] = [];
    for (const list of byKey.values()) if (list.length > worst.length) worst = list;
    const agents = [...new Set(worst.flatMap((e) => e.agents))];
    const pairNames = [
      ...new Set(worst.flatMap((e) => e.agents.map((id) => state.agents[id]?.name ?? '?'))),
    ];
    return {
      value: worst.length,
      threshold: max,
      over: worst.length >= max,
      reason: worst.length
        ? `${pairNames.join(' and ')} bounced the same exchange ${plural(worst.length, 'time')} (threshold ${max})`
        : 'no exchange repeated',
      evidence: worst
        .slice(-MAX_EVIDENCE)
        .map((e) => ({ seq: e.seq, agentId: e.agents[0] ?? null, text: clip(e.label) })),
      agents,
    };
  },

  costVelocity(state, board, sinceSeq) {
    const { maxUsdPerMinute, windowSeconds } = board.thresholds.costVelocity;
    const costs = since(board.costs, sinceSeq);
    const last = costs.at(-1);
    const until = last ? Date.parse(last.at) : 0;
    const inWindow = costs.filter((c) => Date.parse(c.at) > until - windowSeconds * 1000);
    const micro = inWindow.reduce((sum, c) => sum + c.microUsd, 0);
    const perMinute = micro / 1e6 / (windowSeconds / 60);
    const top = [...inWindow].sort((a, b) => b.microUsd - a.microUsd).slice(0, 5);
    return {
      value: round(perMinute),
      threshold: maxUsdPerMinute,
      over: perMinute >= maxUsdPerMinute,
      reason: `$${perMinute.toFixed(2)} per minute over the last ${windowSeconds} s ($${(micro / 1e6).toFixed(4)} in ${plural(inWindow.length, 'model call')}; threshold $${maxUsdPerMinute.toFixed(2)} per minute)`,
      evidence: top.map((c) => ({
        seq: c.seq,
        agentId: state.agents[c.agentId] ? c.agentId : null,
        text: `${state.agents[c.agentId]?.name ?? 'an agent'}: model call $${(c.microUsd / 1e6).toFixed(4)}`,
      })),
      agents: [],
    };
  },

  spawnFailures(state, board, sinceSeq) {
    const { max, window } = board.thresholds.spawnFailures;
    const recent = since(board.spawns, sinceSeq).slice(-window);
    const failed = recent.filter((s) => !s.ok);
    return {
      value: failed.length,
      threshold: max,
      over: failed.length >= max,
      reason: `${failed.length} of the last ${plural(recent.length, 'spawn')} failed (threshold ${max} in ${window})`,
      evidence: evidenceOf(failed, state, false),
      agents: [],
    };
  },
};

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

/**
 * How many times in a row the last `period` calls repeat at the end of
 * `sequence` (1 when they do not), counted only for a cycle of at least two
 * different calls (one call again and again is the repeated-call breaker's).
 */
export function trailingRepeats(sequence: readonly CallObservation[], period: number): number {
  const n = sequence.length;
  if (n < 2 * period) return n >= period ? 1 : 0;
  const block = new Set(sequence.slice(n - period).map((c) => c.sig));
  if (block.size < 2) return 0;
  let matching = 0;
  for (let i = n - 1; i - period >= 0; i--) {
    if (sequence[i]!.sig !== sequence[i - period]!.sig) break;
    matching++;
  }
  return Math.floor((matching + period) / period);
}

function stateOf(board: BreakerBoard, key: string): BreakerState | undefined {
  return board.states[key];
}

/** One breaker's measure now, counting from its last reset. */
export function measureBreaker(state: RunState, kind: RunBreakerKind): BreakerMeasure {
  const board = state.breakers;
  return MEASURES[kind](state, board, stateOf(board, kind)?.sinceSeq ?? 0);
}

/** The breakers that trip now: enabled, closed, and at their threshold. */
export function detectBreakerTrips(state: RunState): BreakerTrip[] {
  const board = state.breakers;
  const trips: BreakerTrip[] = [];
  for (const kind of RUN_BREAKER_KINDS) {
    if (!board.thresholds[kind].enabled) continue;
    if ((stateOf(board, kind)?.status ?? 'closed') !== 'closed') continue;
    const measure = measureBreaker(state, kind);
    if (measure.over) trips.push({ ...measure, key: kind, kind });
  }
  return trips;
}

export interface BreakerGauge {
  key: string;
  kind: BreakerKind;
  title: string;
  description: string;
  enabled: boolean;
  status: BreakerState['status'];
  /** The current measure (null for provider breakers: their counts live outside the run). */
  measure: BreakerMeasure | null;
  state: BreakerState | null;
}

/** Every breaker of the run, for people: its state and its counter against its threshold. */
export function breakerGauges(state: RunState): BreakerGauge[] {
  const board = state.breakers;
  const gauges: BreakerGauge[] = RUN_BREAKER_KINDS.map((kind) => {
    const current = stateOf(board, kind) ?? null;
    return {
      key: kind,
      kind,
      ...BREAKER_LABELS[kind],
      enabled: board.thresholds[kind].enabled,
      status: current?.status ?? 'closed',
      measure: measureBreaker(state, kind),
      state: current,
    };
  });
  for (const current of Object.values(board.states)) {
    if (current.kind !== 'provider') continue;
    gauges.push({
      key: current.key,
      kind: 'provider',
      title: `${BREAKER_LABELS.provider.title}: ${current.key.slice('provider:'.length)}`,
      description: BREAKER_LABELS.provider.description,
      enabled: board.thresholds.provider.enabled,
      status: current.status,
      measure: null,
      state: current,
    });
  }
  return gauges;
}
