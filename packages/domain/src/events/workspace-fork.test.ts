import { describe, expect, it } from 'vitest';
import { AGENT, modelTurn, startedRun } from '../test/event-builder';
import { nextStep } from './next-step';
import { reduceEvents, ReducerError } from './reducer';
import { RunEvent } from './schema';

const sha = (c: string) => c.repeat(40);
const files = [{ path: 'report.md', change: 'added' as const }];
const op = { kind: 'user' as const, id: 'op' };

describe('workspace events', () => {
  it('keep the last recorded commit, counting them', () => {
    const log = startedRun();
    modelTurn(log, AGENT.lead, [
      { callId: 'w', tool: 'fs.write', args: { path: 'a', content: 'a' } },
    ]);
    expect(reduceEvents(log.events).workspace).toEqual({
      commit: null,
      tree: null,
      seq: 0,
      commits: 0,
    });
    log.add({
      type: 'workspace.committed',
      agentId: AGENT.lead,
      payload: { callId: 'w', commit: sha('a'), tree: sha('b'), parent: null, files, moreFiles: 0 },
    });
    const state = reduceEvents(log.events);
    expect(state.workspace).toEqual({ commit: sha('a'), tree: sha('b'), seq: 6, commits: 1 });
    expect(state.agents[AGENT.lead]!.lastSeq).toBe(6);
  });

  it('a rollback is allowed after the run ended, nothing else is', () => {
    const log = startedRun();
    log.add({ type: 'run.completed', agentId: null, payload: { result: 'done' } });
    log.add({
      type: 'workspace.committed',
      agentId: null,
      payload: {
        callId: null,
        commit: sha('1'),
        tree: sha('2'),
        parent: null,
        files,
        moreFiles: 0,
      },
    });
    log.add({
      type: 'workspace.restored',
      agentId: null,
      payload: {
        by: op,
        toSeq: 2,
        reason: 'undo',
        commit: sha('c'),
        tree: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
        parent: sha('1'),
        files: [{ path: 'report.md', change: 'deleted' }],
        moreFiles: 0,
      },
    });
    const state = reduceEvents(log.events);
    expect(state.status).toBe('completed');
    expect(state.workspace).toMatchObject({ commit: sha('c'), seq: 5, commits: 2 });
    log.add({ type: 'run.resumed', agentId: null, payload: { by: op } });
    expect(() => reduceEvents(log.events)).toThrow(ReducerError);
  });

  it('rejects a commit id that is not one', () => {
    const parsed = RunEvent.safeParse({
      runId: '00000000-0000-4000-8000-000000000001',
      seq: 3,
      at: new Date().toISOString(),
      version: 1,
      agentId: null,
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      parentSpanId: null,
      type: 'workspace.committed',
      payload: { callId: null, commit: 'HEAD', tree: sha('b'), parent: null, files: [] },
    });
    expect(parsed.success).toBe(false);
  });
});

describe('run.forked', () => {
  const forked = (edits: Record<string, unknown> = {}) => ({
    type: 'run.forked' as const,
    agentId: null,
    payload: {
      fromRunId: '00000000-0000-4000-8000-0000000000ff',
      fromSeq: 9,
      by: { kind: 'user' as const, id: 'forker' },
      manifestVersion: 3,
      edits: { agentId: null, message: null, system: null, model: null, ...edits },
      agentIds: {},
    },
  });

  it('continues from the state as it was, acting for whoever forked it, with the edits', () => {
    const log = startedRun();
    modelTurn(log, AGENT.lead, [{ callId: 'r', tool: 'fs.read', args: { path: 'x' } }]);
    log.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: op, reason: '', mode: 'abort-turn' },
    });
    log.add(
      forked({
        message: 'Write it in French',
        system: 'You write French.',
        model: { provider: 'simulated', name: 'claude-haiku-4-5' },
      }),
    );
    const state = reduceEvents(log.events);
    expect(state.status).toBe('running');
    expect(state.pause).toBeNull();
    expect(state.startedBy).toEqual({ kind: 'user', id: 'forker' });
    expect(state.manifestVersion).toBe(3);
    expect(state.forkedFrom).toMatchObject({ seq: 9, forkSeq: 7 });
    const lead = state.agents[AGENT.lead]!;
    expect(lead.system).toBe('You write French.');
    expect(lead.model.name).toBe('claude-haiku-4-5');
    expect(lead.pendingSteers).toEqual([{ role: 'user', content: 'Write it in French', seq: 7 }]);
    // The history is kept: the requested call is still to be dispatched, the model is not asked again.
    expect(nextStep(state, AGENT.lead, { maxTurns: 5 })).toMatchObject({
      kind: 'dispatch-tool',
      call: { callId: 'r' },
    });
  });

  it('sends a call waiting for an approval back to the gate: the fork asks again', () => {
    const log = startedRun();
    modelTurn(log, AGENT.lead, [
      { callId: 'w', tool: 'fs.write', args: { path: 'report.md', content: 'x' } },
    ]);
    log.add({
      type: 'gate.decided',
      agentId: AGENT.lead,
      payload: {
        subject: 'tool',
        callId: 'w',
        tool: 'fs.write',
        effect: 'ask',
        ruleId: 'publish',
        source: 'manifest',
        policyVersion: 'm1',
        reason: 'needs a human',
      },
    });
    const approvalId = '00000000-0000-4000-8000-0000000000aa';
    log.add({
      type: 'approval.requested',
      agentId: AGENT.lead,
      payload: {
        approvalId,
        callId: 'w',
        tool: 'fs.write',
        args: { path: 'report.md', content: 'x' },
        fingerprint: 'f'.repeat(64),
        ruleId: 'publish',
        reason: 'needs a human',
        risk: null,
        diff: null,
        requestedBy: op,
        settings: {
          approverRoles: ['approver'],
          quorum: 1,
          ttlSeconds: 60,
          warnBeforeSeconds: 10,
          onExpiry: 'deny',
          teamScoped: true,
        },
        warnAt: new Date().toISOString(),
        expiresAt: new Date().toISOString(),
      },
    });
    expect(reduceEvents(log.events).agents[AGENT.lead]!.status).toBe('blocked');
    log.add(forked());
    const state = reduceEvents(log.events);
    expect(state.approvals[approvalId]!.status).toBe('cancelled');
    const lead = state.agents[AGENT.lead]!;
    expect(lead.status).toBe('running');
    const call = lead.turn!.toolCalls[0]!;
    expect(call.status).toBe('requested');
    expect(call.gate).toBeUndefined();
    expect(call.approvalId).toBeUndefined();
    expect(nextStep(state, AGENT.lead, { maxTurns: 5 })).toMatchObject({ kind: 'dispatch-tool' });
  });

  it('is refused twice, after the end, and with edits for an unknown agent', () => {
    const twice = startedRun();
    twice.add(forked());
    twice.add(forked());
    expect(() => reduceEvents(twice.events)).toThrow(/forked twice/);

    const ended = startedRun();
    ended.add({ type: 'run.completed', agentId: null, payload: { result: 'r' } });
    ended.add(forked());
    expect(() => reduceEvents(ended.events)).toThrow(ReducerError);

    const unknown = startedRun();
    unknown.add(forked({ agentId: AGENT.child, message: 'hi' }));
    expect(() => reduceEvents(unknown.events)).toThrow(/unknown agent/);
  });
});
