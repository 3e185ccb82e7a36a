import { access } from 'node:fs/promises';
import path from 'node:path';
import {
  type Engine,
  killAgent,
  listAudit,
  pauseRun,
  resolveToolCall,
  resumeRun,
  saveTeam,
  spawnRun,
  steerAgent,
} from '@flightdeck/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demoSource,
  type Harness,
  operator,
  runState,
  spawnWithScriptedLeadTurn,
  startHarness,
  waitFor,
  waitForStatus,
} from './test/harness';

let harness: Harness;
let engine: Engine;

beforeAll(async () => {
  harness = await startHarness('control');
  engine = harness.engine;
  await saveTeam(engine, { source: await demoSource(150, 'demo') });
}, 60_000);

afterAll(() => harness.close());

async function spawnAndWaitForSubagents(goal: string) {
  const { runId } = await spawnRun(engine, { teamSlug: 'demo', goal, by: operator, seed: 21 });
  await waitFor('subagents at work', async () => {
    const { state } = await runState(engine, runId);
    return state.agentOrder.length >= 3 &&
      Object.values(state.agents).some((a) => a.status === 'running')
      ? state
      : null;
  });
  return runId;
}

const idle = () =>
  waitFor(
    'every worker idle',
    () => Promise.resolve(harness.workers.every((w) => w.activeTurns() === 0)),
    5000,
  );

describe('control of a running team', () => {
  it('pauses a team: turns in flight finish, no new turn starts; resume finishes the run', async () => {
    const runId = await spawnAndWaitForSubagents('Pause and resume');
    await pauseRun(engine, { runId, by: operator, reason: 'inspect', mode: 'finish-turn' });
    await idle();
    await new Promise((r) => setTimeout(r, 500)); // longer than a simulated model call
    const { events, state } = await runState(engine, runId);
    expect(state.status).toBe('paused');
    const pausedAt = events.findIndex((e) => e.type === 'run.paused');
    expect(events.slice(pausedAt).filter((e) => e.type === 'agent.turn.started')).toEqual([]);

    await resumeRun(engine, { runId, by: operator });
    await waitForStatus(engine, runId, 'completed');
  }, 40_000);

  it('pauses a team aborting the turns in flight, and resumes them from the log', async () => {
    const runId = await spawnAndWaitForSubagents('Abort and resume');
    await pauseRun(engine, { runId, by: operator, reason: 'now', mode: 'abort-turn' });
    await idle();
    const before = await runState(engine, runId);
    await new Promise((r) => setTimeout(r, 400));
    expect((await runState(engine, runId)).events).toHaveLength(before.events.length); // nothing moves while paused
    await resumeRun(engine, { runId, by: operator });
    await waitForStatus(engine, runId, 'completed');
    const { events } = await runState(engine, runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  }, 40_000);

  it('steers an agent: the message reaches its conversation at its next turn', async () => {
    const runId = await spawnAndWaitForSubagents('Steer the writer');
    const { state } = await runState(engine, runId);
    const writer = Object.values(state.agents).find((a) => a.name === 'writer')!;
    await steerAgent(engine, {
      runId,
      agentId: writer.id,
      by: operator,
      message: 'cite two sources',
    });
    await waitForStatus(engine, runId, 'completed');
    const final = (await runState(engine, runId)).state.agents[writer.id]!;
    expect(
      final.messages.some(
        (m) => m.role === 'user' && m.content === '[operator test-operator] cite two sources',
      ),
    ).toBe(true);
  }, 40_000);

  it('kills one subagent (and its own subagents) while the rest of the team goes on', async () => {
    const runId = await spawnAndWaitForSubagents('Kill the researcher');
    const { state } = await runState(engine, runId);
    const researcher = Object.values(state.agents).find((a) => a.name === 'researcher')!;
    const result = await killAgent(engine, {
      runId,
      agentId: researcher.id,
      by: operator,
      reason: 'off track',
    });
    expect(result.killed).toBeGreaterThanOrEqual(1);
    const [audited] = (await listAudit(engine, { action: 'agent.killed', limit: 1 })).entries;
    expect(audited).toMatchObject({
      actor: operator,
      target: { runId, agentId: researcher.id },
      detail: { reason: 'off track' },
    });
    await waitForStatus(engine, runId, 'completed');
    const { state: final, events } = await runState(engine, runId);
    expect(final.agents[researcher.id]?.status).toBe('killed');
    for (const child of final.agents[researcher.id]!.children)
      expect(final.agents[child]?.status).toBe('killed');
    expect(Object.values(final.agents).find((a) => a.name === 'writer')?.status).toBe('done');
    const killedAt = events.find(
      (e) => e.type === 'agent.killed' && e.agentId === researcher.id,
    )!.seq;
    expect(
      events.filter(
        (e) => e.seq > killedAt && e.agentId === researcher.id && e.type !== 'tool.call.finished',
      ),
    ).toEqual([]);
    const report = events.find(
      (e) => e.type === 'tool.call.finished' && e.agentId === final.leadAgentId && !e.payload.ok,
    );
    expect(report && report.type === 'tool.call.finished' && report.payload.output).toContain(
      'was killed by test-operator: off track',
    );
  }, 40_000);
});

describe('a tool call a crash left unknown', () => {
  const shellTeam = `
name: shell-team
lead: lead
agents:
  lead:
    role: Operator
    model: simulated/gpt-4o-mini
    tools: [{ name: shell, commands: ["touch *"] }]
simulation: { latencyMs: 0, minSteps: 1, maxSteps: 1, errorRate: 0 }
policy: { rules: [{ id: everything, tool: '*', effect: allow }] }
`;

  /** A run whose lead dispatched `touch marker` and then "crashed" before the result. */
  async function interruptedRun(): Promise<{ runId: string; leadId: string; callId: string }> {
    await saveTeam(engine, { source: shellTeam });
    const { runId, leadId, toolCalls } = await spawnWithScriptedLeadTurn(harness, {
      teamSlug: 'shell-team',
      goal: 'touch a marker',
      toolCalls: (lead) => [
        { callId: `${lead}.t1.c1`, tool: 'shell', args: { command: 'touch marker' } },
      ],
      dispatched: true,
    });
    return { runId, leadId, callId: toolCalls[0]!.callId };
  }

  const marker = (runId: string) =>
    access(path.join(engine.config.workspaceRoot, runId, 'marker')).then(
      () => true,
      () => false,
    );

  it('is never repeated without a human: the agent waits, and "mark done" continues without running it', async () => {
    const { runId, leadId, callId } = await interruptedRun();
    const blocked = await waitFor('the lead to wait for a decision', async () => {
      const { state } = await runState(engine, runId);
      return state.agents[leadId]?.status === 'blocked' ? state : null;
    });
    expect(blocked.agents[leadId]?.turn?.toolCalls[0]?.status).toBe('interrupted');
    expect(await marker(runId)).toBe(false);

    await resolveToolCall(engine, {
      runId,
      agentId: leadId,
      callId,
      by: operator,
      resolution: 'mark-done',
      output: 'touched by hand',
    });
    const [audited] = (await listAudit(engine, { action: 'tool.call.resolved', limit: 1 })).entries;
    expect(audited).toMatchObject({
      actor: operator,
      target: { runId, agentId: leadId },
      detail: { callId, resolution: 'mark-done' },
    });
    await waitForStatus(engine, runId, 'completed');
    expect(await marker(runId)).toBe(false);
  }, 30_000);

  it('runs it again when a human says "retry"', async () => {
    const { runId, leadId, callId } = await interruptedRun();
    await waitFor(
      'the lead to wait',
      async () => (await runState(engine, runId)).state.agents[leadId]?.status === 'blocked',
    );
    await resolveToolCall(engine, {
      runId,
      agentId: leadId,
      callId,
      by: operator,
      resolution: 'retry',
    });
    await waitForStatus(engine, runId, 'completed');
    expect(await marker(runId)).toBe(true);
  }, 30_000);
});

describe('a delegate call with a scope', () => {
  const team = `
name: scoped-team
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.read, fs.write, fs.list]
    delegates: [helper]
  helper:
    role: Helper
    model: simulated/gpt-4o-mini
    tools: [fs.read, fs.write, fs.list]
simulation: { latencyMs: 0, minSteps: 4, maxSteps: 4, errorRate: 0 }
policy: { rules: [{ id: everything, tool: '*', effect: allow }] }
`;

  it('narrows the subagent to the tools it names, and refuses one that would widen it', async () => {
    await saveTeam(engine, { source: team });
    const { runId, toolCalls } = await spawnWithScriptedLeadTurn(harness, {
      teamSlug: 'scoped-team',
      goal: 'read only please',
      toolCalls: (lead) => [
        {
          callId: `${lead}.t1.c1`,
          tool: 'delegate',
          args: { agent: 'helper', task: 'read notes', tools: ['fs.read', 'fs.list'] },
        },
        {
          callId: `${lead}.t1.c2`,
          tool: 'delegate',
          args: { agent: 'helper', task: 'run things', tools: ['fs.read', 'shell'] },
        },
      ],
    });
    const wide = toolCalls[1]!;
    await waitForStatus(engine, runId, 'completed');
    const { state: final, events } = await runState(engine, runId);
    const refused = events.find(
      (e) => e.type === 'tool.call.finished' && e.payload.callId === wide.callId,
    );
    expect(refused?.type === 'tool.call.finished' && refused.payload).toMatchObject({
      ok: false,
      output: expect.stringContaining('would widen helper: "shell" is not granted'),
    });
    const helper = Object.values(final.agents).find((a) => a.name === 'helper')!;
    expect(helper.toolScope).toEqual(['fs.read', 'fs.list']);
    const helperTools = events.flatMap((e) =>
      e.type === 'tool.call.dispatched' && e.agentId === helper.id ? [e.payload.tool] : [],
    );
    expect(helperTools.length).toBeGreaterThan(0);
    // The model is only offered the narrowed tools, so it never even asks for the others.
    expect(helperTools.filter((t) => t !== 'fs.read' && t !== 'fs.list')).toEqual([]);
  }, 30_000);
});
