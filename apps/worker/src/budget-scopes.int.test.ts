import type { RunEvent } from '@flightdeck/domain';
import { createWebhook, type Engine, saveTeam, spawnRun } from '@flightdeck/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Harness,
  operator,
  runState,
  spawnWithScriptedLeadTurn,
  startHarness,
  waitFor,
} from './test/harness';

/**
 * Budget scopes on the real stack: a subagent's slice, the slice a parent
 * may not hand out, the run's wall time, and a soft limit's one warning.
 */

let harness: Harness;
let engine: Engine;

const team = (name: string, extra: { simulation: string; budget: string }) => `
name: ${name}
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.list]
    delegates: [helper]
  helper:
    role: Helper
    model: simulated/gpt-4o-mini
    tools: [fs.list]
simulation: ${extra.simulation}
policy:
  rules:
    - { id: all, tool: '*', effect: allow }
budget: ${extra.budget}
`;

beforeAll(async () => {
  harness = await startHarness('budget-scopes');
  engine = harness.engine;
  await saveTeam(engine, {
    source: team('slice-team', {
      simulation: '{ latencyMs: 0, errorRate: 0, minSteps: 4, maxSteps: 4 }',
      budget: '{ llmCalls: 8 }',
    }),
  });
  await saveTeam(engine, {
    source: team('wall-team', {
      simulation: '{ latencyMs: 700, errorRate: 0, minSteps: 6, maxSteps: 6 }',
      budget: '{ wallSeconds: 2 }',
    }),
  });
  await saveTeam(engine, {
    source: team('soft-team', {
      simulation: '{ latencyMs: 0, errorRate: 0, minSteps: 2, maxSteps: 2 }',
      budget: '{ llmCalls: { soft: 2, hard: 100 } }',
    }),
  });
}, 60_000);

afterAll(() => harness.close());

const ofType = <T extends RunEvent['type']>(events: readonly RunEvent[], type: T) =>
  events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);

const delegateTo = (budget: object) => (lead: string) => [
  {
    callId: `${lead}.t1.c1`,
    tool: 'delegate',
    args: { agent: 'helper', task: 'look around and report', budget },
  },
];

describe('budget scopes', () => {
  it('stops a subagent at the slice its parent handed it', async () => {
    const { runId } = await spawnWithScriptedLeadTurn(harness, {
      teamSlug: 'slice-team',
      goal: 'slice',
      toolCalls: delegateTo({ llmCalls: 2 }),
    });
    const { events, state } = await waitFor('the slice to stop the run', async () => {
      const now = await runState(engine, runId);
      return now.state.status === 'paused' && now;
    });
    const [spawned] = ofType(events, 'agent.spawned').filter((e) => e.payload.parentAgentId);
    expect(spawned?.payload.budget).toEqual({ llmCalls: { hard: 2 } });
    const helper = spawned!.agentId!;
    expect(state.agents[helper]?.totals.llmCalls).toBe(2);
    const [exceeded] = ofType(events, 'budget.exceeded');
    expect(exceeded?.payload).toMatchObject({
      scope: { kind: 'agent', agentId: helper },
      metric: 'llmCalls',
      limit: 2,
      used: 2,
      subject: 'model',
    });
    expect(exceeded?.payload.reason).toContain("helper's slice");
    // The run's own budget (8) was not what stopped it.
    expect(state.totals.llmCalls).toBeLessThan(8);
  });

  it('refuses a delegate call whose slice is more than its parent has left', async () => {
    // The run may make 8 model calls; the lead's first is spent: 7 are left.
    const { runId, leadId } = await spawnWithScriptedLeadTurn(harness, {
      teamSlug: 'slice-team',
      goal: 'too big a slice',
      toolCalls: delegateTo({ llmCalls: 20 }),
    });
    const finished = await waitFor('the delegate call to be refused', async () => {
      const { events } = await runState(engine, runId);
      return ofType(events, 'tool.call.finished').find(
        (e) => e.payload.callId === `${leadId}.t1.c1`,
      );
    });
    expect(finished.payload.ok).toBe(false);
    expect(finished.payload.output).toBe(
      "refused: the budget slice would widen the parent's budget: it asks for 20 model calls but the parent has 7 model calls left",
    );
    const { events } = await runState(engine, runId);
    expect(ofType(events, 'agent.spawned')).toHaveLength(1);
  });

  it('stops the run at its wall time, before the next call', async () => {
    const { runId } = await spawnRun(engine, { teamSlug: 'wall-team', goal: 'slow', by: operator });
    const { events, state } = await waitFor(
      'the wall time to stop the run',
      async () => {
        const now = await runState(engine, runId);
        return now.state.status === 'paused' && now;
      },
      30_000,
    );
    const [exceeded] = ofType(events, 'budget.exceeded');
    expect(exceeded?.payload).toMatchObject({
      scope: { kind: 'run' },
      metric: 'wallMs',
      limit: 2_000,
      subject: 'wall',
    });
    expect(exceeded!.payload.used).toBeGreaterThanOrEqual(2_000);
    // Stopped at its first gated call past the limit: nothing after it.
    const after = events.filter(
      (e) =>
        e.seq > exceeded!.seq &&
        (e.type === 'llm.call.started' || e.type === 'tool.call.dispatched'),
    );
    expect(after).toEqual([]);
    expect(state.budget.stop?.metric).toBe('wallMs');
  });

  it('warns once at a soft limit, in the log and to the webhooks that take it', async () => {
    const { webhook } = await createWebhook(engine, {
      name: 'budget alerts',
      url: 'http://127.0.0.1:9/budget',
      format: 'json',
      events: ['budget.warned', 'budget.exceeded'],
    });
    const { runId } = await spawnRun(engine, { teamSlug: 'soft-team', goal: 'warn', by: operator });
    const { events } = await waitFor('the run to complete', async () => {
      const now = await runState(engine, runId);
      return now.state.status === 'completed' && now;
    });
    expect(ofType(events, 'llm.call.finished').length).toBeGreaterThan(2);
    const warned = ofType(events, 'budget.warned');
    expect(warned.map((e) => e.payload)).toEqual([
      { scope: { kind: 'run' }, metric: 'llmCalls', soft: 2, used: 2 },
    ]);
    // Warned when the second model call settled, right after it.
    const second = ofType(events, 'llm.call.finished')[1]!;
    expect(warned[0]!.seq).toBeGreaterThan(second.seq);
    // This run's alerts (the other tests' runs may still stop while this one runs: webhooks see every run).
    const deliveries = await engine.db.pool.query<{ kind: string }>(
      `SELECT kind FROM webhook_deliveries
        WHERE webhook_id = $1 AND payload->'budget'->>'runId' = $2 ORDER BY created_at`,
      [webhook.id, runId],
    );
    expect(deliveries.rows.map((d) => d.kind)).toEqual(['budget.warned']);
  });
});
