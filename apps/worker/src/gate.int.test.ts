import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Principal, RunEvent } from '@flightdeck/domain';
import {
  decideApproval,
  type Engine,
  expireApproval,
  fingerprintCall,
  getApprovalRecord,
  listApprovalRecords,
  saveTeam,
} from '@flightdeck/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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

const approver = (id: string, roles: Principal['roles'] = ['approver']): Principal => ({
  actor: { kind: 'user', id },
  roles,
  teams: 'all',
});

const GATED_TEAM = `
name: gated-team
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [fs.read, fs.write, fs.list, { name: shell, commands: ["touch *"] }]
simulation: { latencyMs: 0, minSteps: 1, maxSteps: 1, errorRate: 0 }
policy:
  approvals: { ttlSeconds: 60, warnBeforeSeconds: 10 }
  rules:
    - { id: no-shell, tool: shell, effect: deny, reason: no commands here }
    - id: ask-report
      tool: fs.write
      paths: [report.md]
      effect: ask
      risk: overwrites the published report
    - { id: files, tool: 'fs.*', effect: allow }
`;

const TREE_TEAM = `
name: tree-team
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.list, { name: shell, commands: ["touch *"] }]
    delegates: [helper]
  helper:
    role: Helper
    model: simulated/gpt-4o-mini
    tools: [fs.list, { name: shell, commands: ["touch *"] }]
simulation: { latencyMs: 0, minSteps: 3, maxSteps: 3, errorRate: 0 }
policy:
  rules:
    - { id: lead-tree-no-shell, tool: shell, agents: [lead], effect: deny }
    - { id: helper-shell, tool: shell, agents: [helper], effect: allow }
    - { id: rest, tool: '*', effect: allow }
`;

beforeAll(async () => {
  harness = await startHarness('gate');
  engine = harness.engine;
  await saveTeam(engine, { source: GATED_TEAM });
  await saveTeam(engine, {
    source: GATED_TEAM.replace('name: gated-team', 'name: two-key-team').replace(
      'ttlSeconds: 60,',
      'ttlSeconds: 60, quorum: 2,',
    ),
  });
  await saveTeam(engine, { source: TREE_TEAM });
}, 60_000);

afterAll(() => harness.close());

const workspaceFile = (runId: string, file: string) =>
  path.join(engine.config.workspaceRoot, runId, file);

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** A run whose lead asks to write report.md, parked on the approval that creates. */
async function parkedOnApproval(content = 'v1', teamSlug = 'gated-team') {
  const { runId, leadId, toolCalls } = await spawnWithScriptedLeadTurn(harness, {
    teamSlug,
    goal: 'publish the report',
    toolCalls: (lead) => [
      { callId: `${lead}.t1.c1`, tool: 'fs.write', args: { path: 'report.md', content } },
    ],
  });
  const [approval] = await waitFor('the approval', async () => {
    const pending = await listApprovalRecords(engine, { state: 'pending', runId });
    return pending.length ? pending : null;
  });
  return { runId, leadId, call: toolCalls[0]!, approval: approval! };
}

const ofType = <T extends RunEvent['type']>(events: RunEvent[], type: T) =>
  events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);

describe('the gate', () => {
  it('never runs a tool the policy denies, whatever the model asks', async () => {
    const { runId, leadId, toolCalls } = await spawnWithScriptedLeadTurn(harness, {
      teamSlug: 'gated-team',
      goal: 'try a command',
      toolCalls: (lead) => [
        { callId: `${lead}.t1.c1`, tool: 'shell', args: { command: 'touch pwned' } },
        { callId: `${lead}.t1.c2`, tool: 'http.fetch', args: { url: 'https://example.com' } },
      ],
    });
    // Then the lead goes on: its next model call passes the gate too, and its report write asks.
    const { events, state } = await waitFor(
      'the calls decided and the next turn asking',
      async () => {
        const current = await runState(engine, runId);
        return ofType(current.events, 'approval.requested').length ? current : null;
      },
    );
    const decisions = ofType(events, 'gate.decided').filter((e) => e.payload.subject === 'tool');
    expect(decisions[0]!.payload).toMatchObject({
      effect: 'deny',
      ruleId: 'no-shell',
      source: 'manifest',
      policyVersion: 'm1.t0',
    });
    // Not granted at all: refused by scope before any rule is looked at.
    expect(decisions[1]!.payload).toMatchObject({ effect: 'deny', source: 'scope' });
    expect(
      ofType(events, 'tool.call.dispatched').filter((e) =>
        toolCalls.some((c) => c.callId === e.payload.callId),
      ),
    ).toEqual([]);
    expect(await exists(workspaceFile(runId, 'pwned'))).toBe(false);
    const told = state.agents[leadId]!.messages.filter((m) => m.role === 'tool');
    expect(told[0]).toMatchObject({
      ok: false,
      content: expect.stringContaining('no commands here'),
    });
    // Every model call passed the gate too.
    expect(ofType(events, 'gate.decided').some((e) => e.payload.subject === 'model')).toBe(true);
  }, 30_000);

  it('binds a subagent to the deny rules of the agents above it', async () => {
    const { runId } = await spawnWithScriptedLeadTurn(harness, {
      teamSlug: 'tree-team',
      goal: 'delegate some shell work',
      toolCalls: (lead) => [
        {
          callId: `${lead}.t1.c1`,
          tool: 'delegate',
          args: { agent: 'helper', task: 'touch things' },
        },
      ],
    });
    await waitForStatus(engine, runId, 'completed');
    const { events, state } = await runState(engine, runId);
    const helper = Object.values(state.agents).find((a) => a.name === 'helper')!;
    const shellDecisions = ofType(events, 'gate.decided').filter(
      (e) => e.agentId === helper.id && e.payload.tool === 'shell',
    );
    // The helper asked (its own rule would allow it), and the lead's deny decided.
    expect(shellDecisions.length).toBeGreaterThan(0);
    for (const d of shellDecisions)
      expect(d.payload).toMatchObject({ effect: 'deny', ruleId: 'lead-tree-no-shell' });
    expect(
      ofType(events, 'tool.call.dispatched').filter((e) => e.payload.tool === 'shell'),
    ).toEqual([]);
  }, 30_000);
});

describe('approvals', () => {
  it('parks the agent on an ask, with the rule, risk and diff, and runs the edited call once approved', async () => {
    const { runId, leadId, approval } = await parkedOnApproval('v1');
    expect(approval).toMatchObject({
      tool: 'fs.write',
      ruleId: 'ask-report',
      risk: 'overwrites the published report',
      diff: { path: 'report.md', before: null },
      status: 'pending',
    });
    const parked = await runState(engine, runId);
    expect(parked.state.agents[leadId]!.status).toBe('blocked');
    await waitFor('no turn running', () =>
      Promise.resolve(harness.workers.every((w) => w.activeTurns() === 0)),
    );

    const result = await decideApproval(engine, {
      runId,
      approvalId: approval.id,
      by: approver('ann'),
      decision: 'approve',
      fingerprint: approval.fingerprint,
      editedArgs: { path: 'report.md', content: 'v2 (edited)' },
      reason: 'fixed the wording',
    });
    expect(result.outcome).toBe('approved');
    await waitForStatus(engine, runId, 'completed');
    expect(await readFile(workspaceFile(runId, 'report.md'), 'utf8')).toBe('v2 (edited)');
    const { events } = await runState(engine, runId);
    const allowed = ofType(events, 'gate.decided').filter(
      (e) => e.payload.subject === 'tool' && e.payload.source === 'approval',
    );
    expect(allowed).toHaveLength(1);
    expect((await getApprovalRecord(engine, approval.id)).decision).toMatchObject({
      by: { id: 'ann' },
      edited: true,
      applied: 'allow',
    });
  }, 30_000);

  it('sends a denial’s reason back to the agent, which carries on without the call', async () => {
    const { runId, leadId, approval } = await parkedOnApproval();
    await decideApproval(engine, {
      runId,
      approvalId: approval.id,
      by: approver('bob'),
      decision: 'deny',
      fingerprint: approval.fingerprint,
      reason: 'not before the release freeze ends',
    });
    await waitForStatus(engine, runId, 'completed');
    const { state } = await runState(engine, runId);
    expect(await exists(workspaceFile(runId, 'report.md'))).toBe(false);
    const lead = state.agents[leadId]!;
    expect(lead.messages.find((m) => m.role === 'tool')).toMatchObject({
      ok: false,
      content: 'denied by bob: not before the release freeze ends',
    });
    expect(state.result).toContain('not before the release freeze ends');
  }, 30_000);

  it('applies exactly one of 100 concurrent decisions', async () => {
    const { runId, approval } = await parkedOnApproval();
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        decideApproval(engine, {
          runId,
          approvalId: approval.id,
          by: approver(`approver-${i}`),
          decision: i % 2 ? 'deny' : 'approve',
          fingerprint: approval.fingerprint,
          reason: `decision ${i}`,
        }),
      ),
    );
    const applied = results.filter((r) => r.status === 'fulfilled');
    expect(applied).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected')
        expect(r.reason).toMatchObject({
          code: 'CONFLICT',
          message: expect.stringMatching(/already (approved|denied)/),
        });
    const { events } = await runState(engine, runId);
    expect(ofType(events, 'approval.decided')).toHaveLength(1);
    await waitForStatus(engine, runId, 'completed');
  }, 60_000);

  it('records expiry as its own outcome, then applies the default (deny)', async () => {
    const { runId, leadId, approval } = await parkedOnApproval();
    const ids = { runId, approvalId: approval.id };
    expect(await expireApproval(engine, ids, Date.now())).toBe('not-due');
    expect(await expireApproval(engine, ids, Date.parse(approval.expiresAt) + 1)).toBe('done');
    await waitForStatus(engine, runId, 'completed');
    const { events, state } = await runState(engine, runId);
    const [decided] = ofType(events, 'approval.decided');
    expect(decided!.payload).toMatchObject({ outcome: 'expired', by: null, applied: 'deny' });
    expect((await getApprovalRecord(engine, approval.id)).status).toBe('expired');
    expect(state.agents[leadId]!.messages.find((m) => m.role === 'tool')?.content).toMatch(
      /expired without a decision/,
    );
    await expect(
      decideApproval(engine, {
        ...ids,
        by: approver('late'),
        decision: 'approve',
        fingerprint: approval.fingerprint,
      }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('already expired'),
    });
  }, 30_000);

  it('cannot be applied to a changed call, by its requester, or by someone without the role', async () => {
    const { runId, leadId, call, approval } = await parkedOnApproval('original');
    const decide = (by: Principal, fingerprint = approval.fingerprint) =>
      decideApproval(engine, {
        runId,
        approvalId: approval.id,
        by,
        decision: 'approve',
        fingerprint,
      });
    const changed = fingerprintCall({
      runId,
      agentId: leadId,
      callId: call.callId,
      tool: 'fs.write',
      args: { path: 'report.md', content: 'something else' },
    });
    await expect(decide(approver('ann'), changed)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      decide({ ...approver('x'), actor: operator, roles: ['admin'] }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('You started this run'),
    });
    await expect(decide(approver('op', ['operator']))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      decideApproval(engine, {
        runId,
        approvalId: approval.id,
        by: approver('ann'),
        decision: 'approve',
        fingerprint: approval.fingerprint,
        editedArgs: { path: 'report.md', content: 1 },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await getApprovalRecord(engine, approval.id)).status).toBe('pending');
    await decide(approver('ann'));
    await waitForStatus(engine, runId, 'completed');
    expect(await readFile(workspaceFile(runId, 'report.md'), 'utf8')).toBe('original');
  }, 30_000);

  it('needs N distinct approvals of the same exact call when the policy says N', async () => {
    const { runId, approval } = await parkedOnApproval('two keys', 'two-key-team');
    const approve = (id: string, editedArgs?: Record<string, unknown>) =>
      decideApproval(engine, {
        runId,
        approvalId: approval.id,
        by: approver(id),
        decision: 'approve',
        fingerprint: approval.fingerprint,
        editedArgs,
      });
    expect(await approve('ann')).toMatchObject({ outcome: 'voted', votes: 1, quorum: 2 });
    await expect(approve('ann')).rejects.toMatchObject({ code: 'CONFLICT' });
    // An edit is another call: its votes start again.
    expect(await approve('bob', { path: 'report.md', content: 'edited' })).toMatchObject({
      outcome: 'voted',
      votes: 1,
    });
    expect(await approve('cy')).toMatchObject({ outcome: 'approved', votes: 2 });
    await waitForStatus(engine, runId, 'completed');
    expect(await readFile(workspaceFile(runId, 'report.md'), 'utf8')).toBe('two keys');
  }, 30_000);
});
