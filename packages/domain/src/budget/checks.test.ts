import { describe, expect, it } from 'vitest';
import { PRICES } from '../pricing';
import {
  burnRate,
  decideReservation,
  describeBreach,
  heldByReservations,
  limitedMetrics,
  projectExhaustion,
  remainingOf,
  type ScopeCounters,
  sliceRefusal,
  softCrossings,
  wallTimeCheck,
} from './checks';
import {
  CHARS_PER_TOKEN_ESTIMATE,
  estimateInputTokens,
  TOOL_CALL_AMOUNTS,
  TURN_AMOUNTS,
  usageOfEvent,
  worstCaseModelCall,
} from './amounts';
import type { BudgetScope } from './scopes';

const run: BudgetScope = { kind: 'run' };
const agent: BudgetScope = { kind: 'agent', agentId: 'a1' };
const teamDay: BudgetScope = { kind: 'team', teamId: 't', period: 'day', window: '2026-11-23' };

const counters = (
  scope: BudgetScope,
  limits: ScopeCounters['limits'],
  used: ScopeCounters['used'] = {},
  reserved: ScopeCounters['reserved'] = {},
): ScopeCounters => ({ scope, limits, used, reserved });

describe('decideReservation: the reservation rule (the Redis script applies exactly this)', () => {
  it('admits a request that lands exactly on the hard limit, refuses one unit more', () => {
    const scopes = [counters(run, { llmCalls: { hard: 10 } }, { llmCalls: 7 }, { llmCalls: 2 })];
    expect(decideReservation(scopes, { llmCalls: 1 })).toEqual({ ok: true });
    expect(decideReservation(scopes, { llmCalls: 2 })).toEqual({
      ok: false,
      breach: { scope: run, metric: 'llmCalls', limit: 10, used: 7, reserved: 2, requested: 2 },
    });
  });

  it('tells a limit reached from one only held by reservations in flight', () => {
    const breach = (used: number, reserved: number, requested: number) => ({
      scope: run,
      metric: 'usd' as const,
      limit: 100,
      used,
      reserved,
      requested,
    });
    expect(heldByReservations(breach(60, 30, 20))).toBe(true);
    expect(heldByReservations(breach(80, 30, 20))).toBe(true);
    expect(heldByReservations(breach(81, 30, 20))).toBe(false);
    expect(heldByReservations(breach(100, 0, 1))).toBe(false);
  });

  it('counts what is reserved in flight, not only what is used', () => {
    const scopes = [counters(run, { usd: { hard: 100 } }, { usd: 0 }, { usd: 95 })];
    expect(decideReservation(scopes, { usd: 6 }).ok).toBe(false);
    expect(decideReservation(scopes, { usd: 5 }).ok).toBe(true);
  });

  it('names the narrowest scope that refuses first', () => {
    const scopes = [
      counters(agent, { usd: { hard: 10 } }, { usd: 9 }),
      counters(run, { usd: { hard: 5 } }, { usd: 5 }),
    ];
    const decision = decideReservation(scopes, { usd: 2 });
    expect(decision.ok).toBe(false);
    if (!decision.ok) expect(decision.breach.scope).toEqual(agent);
  });

  it('ignores soft limits, metrics without a hard limit, and metrics not requested', () => {
    const scopes = [
      counters(run, { usd: { soft: 1 }, turns: { hard: 1 } }, { usd: 1_000, turns: 1 }),
    ];
    expect(decideReservation(scopes, { usd: 500, toolCalls: 3 }).ok).toBe(true);
    // A scope over one limit still admits what does not consume that metric.
    expect(decideReservation(scopes, TOOL_CALL_AMOUNTS).ok).toBe(true);
    expect(decideReservation(scopes, TURN_AMOUNTS).ok).toBe(false);
  });

  it('checks every metric of the request against every scope', () => {
    const scopes = [
      counters(run, { tokens: { hard: 1000 } }),
      counters(teamDay, { usd: { hard: 10 } }, { usd: 8 }),
    ];
    const decision = decideReservation(scopes, { tokens: 900, usd: 3, llmCalls: 1 });
    expect(decision).toMatchObject({ ok: false, breach: { scope: teamDay, metric: 'usd' } });
  });

  it('never lets a sequence of reservations pass the hard limit, whatever their sizes', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 200; trial++) {
      const hard = 1 + Math.floor(rand() * 1000);
      let reserved = 0;
      let used = 0;
      const open: number[] = [];
      for (let i = 0; i < 100; i++) {
        if (open.length && rand() < 0.4) {
          // Settle one: release it, use at most what was reserved.
          const held = open.splice(Math.floor(rand() * open.length), 1)[0]!;
          reserved -= held;
          used += Math.floor(rand() * (held + 1));
          continue;
        }
        const want = 1 + Math.floor(rand() * 100);
        const scopes = [counters(run, { usd: { hard } }, { usd: used }, { usd: reserved })];
        if (decideReservation(scopes, { usd: want }).ok) {
          reserved += want;
          open.push(want);
        }
        expect(used + reserved).toBeLessThanOrEqual(hard);
      }
    }
  });
});

describe('remaining and slices', () => {
  it('is the least left over all scopes, per metric, never negative', () => {
    const scopes = [
      counters(agent, { usd: { hard: 100 } }, { usd: 30 }, { usd: 10 }),
      counters(run, { usd: { hard: 1000 }, turns: { hard: 5 } }, { usd: 990, turns: 7 }),
    ];
    expect(remainingOf(scopes)).toEqual({ usd: 10, turns: 0 });
    expect(remainingOf([counters(run, {})])).toEqual({});
  });

  it('refuses a slice asking for more than the parent has left, and says how much is left', () => {
    const remaining = { usd: 50_000, llmCalls: 4 };
    expect(sliceRefusal({ usd: { hard: 50_000 }, llmCalls: { hard: 4 } }, remaining)).toBeNull();
    expect(sliceRefusal({ tokens: { hard: 10 ** 9 } }, remaining)).toBeNull();
    const refusal = sliceRefusal({ usd: { hard: 60_000 }, llmCalls: { hard: 5 } }, remaining);
    expect(refusal).toBe(
      "refused: the budget slice would widen the parent's budget: it asks for $0.06 but the parent has $0.05 left; it asks for 5 model calls but the parent has 4 model calls left",
    );
  });
});

describe('soft limits and wall time', () => {
  it('reports a soft limit crossed only by the step that crosses it', () => {
    const limits = { usd: { soft: 100, hard: 200 }, turns: { soft: 2 } };
    expect(softCrossings(limits, { usd: 90 }, { usd: 100 })).toEqual([
      { metric: 'usd', soft: 100, used: 100 },
    ]);
    expect(softCrossings(limits, { usd: 100 }, { usd: 150 })).toEqual([]);
    expect(softCrossings(limits, { usd: 10, turns: 1 }, { usd: 20, turns: 3 })).toEqual([
      { metric: 'turns', soft: 2, used: 3 },
    ]);
  });

  it('stops at the wall time hard limit and warns at the soft one', () => {
    const limits = { wallMs: { soft: 1000, hard: 2000 } };
    expect(wallTimeCheck(limits, 999)).toEqual({ hard: false, soft: false });
    expect(wallTimeCheck(limits, 1000)).toEqual({ hard: false, soft: true });
    expect(wallTimeCheck(limits, 2000)).toEqual({ hard: true, soft: true });
    expect(wallTimeCheck({}, 10 ** 9)).toEqual({ hard: false, soft: false });
  });

  it('describes a refusal with its figures', () => {
    expect(
      describeBreach(
        {
          scope: run,
          metric: 'usd',
          limit: 50_000,
          used: 48_000,
          reserved: 1_000,
          requested: 3_000,
        },
        'the run',
      ),
    ).toBe(
      'the run: spend hard limit $0.05 reached (used $0.05, reserved $0.0010, this call needs up to $0.0030)',
    );
    expect(
      describeBreach(
        { scope: run, metric: 'wallMs', limit: 60_000, used: 61_000, reserved: 0, requested: 0 },
        'the run',
      ),
    ).toBe('the run: wall time hard limit 1m 0s reached (running for 1m 1s)');
    expect(limitedMetrics({ wallMs: { hard: 1 }, usd: { hard: 1 } })).toEqual(['usd', 'wallMs']);
  });
});

describe('worst cases and usage', () => {
  it('estimates input on the high side of what a ~4 characters/token tokenizer counts', () => {
    const text = 'word '.repeat(400);
    const estimate = estimateInputTokens({
      system: 'be brief',
      messages: [{ role: 'user', content: text, seq: 1 }],
      tools: [{ name: 'fs.read', description: 'read', parameters: {} }],
    });
    const fourPerToken = Math.ceil((text.length + 'be brief'.length) / 4);
    expect(estimate).toBeGreaterThan(fourPerToken);
    expect(estimate).toBeGreaterThanOrEqual(Math.ceil(text.length / CHARS_PER_TOKEN_ESTIMATE));
  });

  it('counts assistant tool calls and tool results in the estimate', () => {
    const base = estimateInputTokens({ system: '', messages: [], tools: [] });
    const withCalls = estimateInputTokens({
      system: '',
      messages: [
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ callId: 'c1', tool: 'fs.read', args: { path: 'x'.repeat(300) } }],
          seq: 1,
        },
        { role: 'tool', callId: 'c1', tool: 'fs.read', ok: true, content: 'y'.repeat(300), seq: 2 },
      ],
      tools: [],
    });
    expect(withCalls - base).toBeGreaterThan(200);
  });

  it('prices the worst case of a model call at input estimate plus max output, rounded up', () => {
    // gpt-4o-mini: $0.15 in / $0.60 out per million tokens
    expect(worstCaseModelCall(PRICES['gpt-4o-mini'], 1000, 1024)).toEqual({
      usd: Math.ceil(1000 * 0.15 + 1024 * 0.6),
      tokens: 2024,
      llmCalls: 1,
    });
    expect(worstCaseModelCall(undefined, 1000, 1024)).toEqual({
      usd: 0,
      tokens: 2024,
      llmCalls: 1,
    });
  });

  it('reads the usage of an event as the reducer counts it', () => {
    expect(
      usageOfEvent({
        type: 'llm.call.finished',
        payload: {
          callId: 'm',
          text: '',
          toolCalls: [],
          usage: { inputTokens: 100, outputTokens: 20 },
          costMicroUsd: 27,
          priceVersion: 'v',
          latencyMs: 1,
          finishReason: 'stop',
        },
      }),
    ).toEqual({ usd: 27, tokens: 120, llmCalls: 1 });
    expect(
      usageOfEvent({
        type: 'tool.call.dispatched',
        payload: { callId: 'c', tool: 'fs.read', args: {} },
      }),
    ).toEqual({ toolCalls: 1 });
    expect(usageOfEvent({ type: 'agent.turn.started', payload: { turn: 1 } })).toEqual({
      turns: 1,
    });
    expect(
      usageOfEvent({
        type: 'llm.call.failed',
        payload: { callId: 'm', error: 'x', retryable: false },
      }),
    ).toBeNull();
  });
});

describe('burn rate and projected exhaustion', () => {
  it('averages over the window, or since the first sample when younger', () => {
    const samples = [
      { at: 1_000, amount: 10 },
      { at: 2_000, amount: 10 },
      { at: 9_000, amount: 20 },
    ];
    expect(burnRate(samples, 11_000, 5_000)).toBe(20 / 5_000);
    expect(burnRate(samples, 11_000, 60_000, 0)).toBe(40 / 11_000);
    expect(burnRate([], 11_000, 5_000)).toBeNull();
    expect(burnRate(samples, 30_000, 5_000)).toBeNull();
  });

  it('projects when the hard limit is reached at that rate', () => {
    expect(projectExhaustion({ used: 50, reserved: 10, hard: 100, ratePerMs: 0.01 })).toBe(4000);
    expect(projectExhaustion({ used: 100, hard: 100, ratePerMs: null })).toBe(0);
    expect(projectExhaustion({ used: 10, hard: 100, ratePerMs: null })).toBeNull();
    expect(projectExhaustion({ used: 10, hard: undefined, ratePerMs: 1 })).toBeNull();
  });
});
