import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { listAuditEntries } from '@flightdeck/db';
import {
  type EventOf,
  FORK_SIDE_EFFECTS_RULE,
  type Principal,
  reduceEvents,
  type RunEvent,
} from '@flightdeck/domain';
import {
  decideApproval,
  type Engine,
  forkRun,
  getRun,
  listRunDescendants,
  readWorkspaceFileAt,
  saveTeam,
  spawnRun,
} from '@flightdeck/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Harness,
  operator,
  runState,
  startHarness,
  waitFor,
  waitForStatus,
} from './test/harness';
import { CallSink } from './test/sinks';

let harness: Harness;
let engine: Engine;
const sink = new CallSink();

const approver: Principal = {
  actor: { kind: 'user', id: 'fork-approver' },
  roles: ['approver'],
  teams: 'all',
};

const TEAM = `
name: fork-team
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.write, fs.read, fs.list, { name: shell, commands: ["touch *"] }]
    delegates: [helper]
  helper:
    role: Helper
    model: simulated/gpt-4o-mini
    tools: [fs.write, fs.read, fs.list, { name: shell, commands: ["touch *"] }]
simulation: { latencyMs: 0, minSteps: 4, maxSteps: 4, errorRate: 0 }
limits: { maxChildrenPerAgent: 1 }
policy:
  rules:
    - { id: all, tool: '*', effect: allow }
`;

beforeAll(async () => {
  harness = await startHarness('fork', { providers: sink.providers(), extraTools: sink.tools() });
  engine = harness.engine;
  await saveTeam(engine, { source: TEAM });
});
afterAll(async () => {
  await harness?.close();
});

async function filesIn(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, await filesIn(full, rel));
    else out[rel] = await readFile(full, 'utf8');
  }
  return out;
}

/** Approve every approval the fork asks for, until it ends. */
async function approveUntilEnded(runId: string): Promise<RunEvent[]> {
  return waitFor(
    'the fork to end',
    async () => {
      const { events, state } = await runState(engine, runId);
      for (const approval of Object.values(state.approvals)) {
        if (approval.status !== 'pending') continue;
        await decideApproval(engine, {
          runId,
          approvalId: approval.id,
          by: approver,
          decision: 'approve',
          fingerprint: approval.fingerprint,
          reason: 'doing it again is fine',
        });
      }
      return state.status === 'completed' || state.status === 'failed' ? events : null;
    },
    60_000,
  );
}

describe('fork', () => {
  let origin: string;
  let originEvents: RunEvent[];

  beforeAll(async () => {
    ({ runId: origin } = await spawnRun(engine, {
      teamSlug: 'fork-team',
      goal: 'Survey the forks of the river',
      by: operator,
      seed: 42,
    }));
    await waitForStatus(engine, origin, 'completed');
    ({ events: originEvents } = await runState(engine, origin));
  });

  it('continues from a step in the middle: nothing before it runs again, no model call, no tool', async () => {
    // Fork right after the helper's first file write: the middle of the run.
    const commits = originEvents.filter(
      (e): e is EventOf<'workspace.committed'> => e.type === 'workspace.committed',
    );
    const at = commits[0]!.seq;
    expect(at).toBeGreaterThan(5);
    expect(at).toBeLessThan(originEvents.length - 5);
    const originAt = reduceEvents(originEvents.slice(0, at));

    sink.reset();
    const { runId: fork, seq: forkSeq } = await forkRun(engine, {
      runId: origin,
      atSeq: at,
      by: operator,
    });
    expect(forkSeq).toBe(at + 1);
    // The workspace is as it was at the fork point, before anything ran.
    const atCommit = commits[0]!.payload.commit;
    const expected = await readWorkspaceFileAt(engine, {
      runId: origin,
      commit: atCommit,
      path: commits[0]!.payload.files[0]!.path,
    });
    const forkFiles = await filesIn(path.join(engine.config.workspaceRoot, fork));
    expect(forkFiles).toEqual({ [expected.path]: expected.content });

    const events = await approveUntilEnded(fork);
    const state = reduceEvents(events);
    expect(state.status).toBe('completed');
    expect(state.forkedFrom).toMatchObject({ runId: origin, seq: at, forkSeq });

    // The fork's history is the origin's up to the fork point, ids renamed.
    expect(events.slice(0, at).map((e) => e.type)).toEqual(
      originEvents.slice(0, at).map((e) => e.type),
    );
    const agentIds = (events[at] as EventOf<'run.forked'>).payload.agentIds;
    for (const [from, to] of Object.entries(agentIds)) {
      expect(to).not.toBe(from);
      expect(state.agents[to]?.name).toBe(originAt.agents[from]?.name);
    }

    // Every model call and every tool execution was for a step after the fork point.
    const before = new Set<string>();
    for (const e of events.slice(0, at)) {
      if (e.type === 'llm.call.started' || e.type === 'llm.call.finished')
        before.add(e.payload.callId);
      if (e.type === 'tool.call.dispatched' || e.type === 'tool.call.finished')
        before.add(e.payload.callId);
    }
    const afterModel = events
      .slice(at)
      .filter((e): e is EventOf<'llm.call.started'> => e.type === 'llm.call.started')
      .map((e) => e.payload.callId);
    const afterTools = events
      .slice(at)
      .filter(
        (e): e is EventOf<'tool.call.dispatched'> =>
          e.type === 'tool.call.dispatched' && e.payload.tool !== 'delegate',
      )
      .map((e) => e.payload.callId);
    expect(sink.modelCalls.length).toBeGreaterThan(0);
    expect(sink.modelCalls.filter((id) => before.has(id))).toEqual([]);
    expect(sink.toolCalls.filter((c) => before.has(c.callId))).toEqual([]);
    expect([...sink.modelCalls].sort()).toEqual([...afterModel].sort());
    expect(sink.toolCalls.map((c) => c.callId).sort()).toEqual([...afterTools].sort());
    // And no call of the origin itself (by its ids) ran either.
    const originIds = new Set(
      originEvents.flatMap((e) =>
        e.type === 'llm.call.started' || e.type === 'tool.call.dispatched'
          ? [e.payload.callId]
          : [],
      ),
    );
    expect(sink.modelCalls.filter((id) => originIds.has(id))).toEqual([]);

    // A tool with side effects (shell) needed an approval in the fork; safe ones did not.
    const asked = events
      .slice(at)
      .filter((e): e is EventOf<'approval.requested'> => e.type === 'approval.requested');
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((a) => a.payload.tool === 'shell')).toBe(true);
    expect(asked.every((a) => a.payload.ruleId === FORK_SIDE_EFFECTS_RULE)).toBe(true);
    const shells = events
      .slice(at)
      .filter(
        (e): e is EventOf<'tool.call.dispatched'> =>
          e.type === 'tool.call.dispatched' && e.payload.tool === 'shell',
      );
    expect(shells.length).toBe(asked.length);

    // The fork's first new commit builds on the origin's commit at the fork point.
    const next = events
      .slice(at)
      .find((e): e is EventOf<'workspace.committed'> => e.type === 'workspace.committed');
    expect(next?.payload.parent).toBe(atCommit);

    // Linked both ways: the run row, and the origin's list of forks; audited.
    expect(await getRun(engine, { runId: fork })).toMatchObject({
      origin: 'fork',
      originRunId: origin,
      originSeq: at,
    });
    expect((await listRunDescendants(engine, { runId: origin })).map((r) => r.id)).toContain(fork);
    const { entries } = await listAuditEntries(engine.db, { action: 'run.forked', limit: 5 });
    expect(entries[0]).toMatchObject({
      target: { runId: fork },
      detail: { from: origin, atSeq: at },
    });
  });

  it('forks with an edited message, system prompt and model for the lead', async () => {
    const lead = reduceEvents(originEvents).leadAgentId!;
    // Right after the lead delegated: its next turn reads the message.
    const delegated = originEvents.find(
      (e) => e.type === 'agent.spawned' && e.payload.parentAgentId === lead,
    )!;
    sink.reset();
    const { runId: fork } = await forkRun(engine, {
      runId: origin,
      atSeq: delegated.seq,
      by: operator,
      edits: {
        message: 'Also list the tributaries.',
        system: 'You lead a survey team. Be brief.',
        model: { provider: 'simulated', name: 'gpt-4o' },
      },
    });
    const events = await approveUntilEnded(fork);
    const state = reduceEvents(events);
    const forkLead = state.agents[state.leadAgentId!]!;
    expect(forkLead.system).toBe('You lead a survey team. Be brief.');
    expect(forkLead.model.name).toBe('gpt-4o');
    expect(forkLead.messages).toContainEqual(
      expect.objectContaining({ role: 'user', content: 'Also list the tributaries.' }),
    );
    const leadCalls = events.filter(
      (e): e is EventOf<'llm.call.started'> =>
        e.type === 'llm.call.started' && e.agentId === forkLead.id && e.seq > delegated.seq,
    );
    expect(leadCalls.length).toBeGreaterThan(0);
    expect(leadCalls.every((c) => c.payload.model.name === 'gpt-4o')).toBe(true);
  });

  it('refuses a fork point at or after the end, and edits of an agent that had finished', async () => {
    const end = originEvents.length;
    await expect(forkRun(engine, { runId: origin, atSeq: end, by: operator })).rejects.toThrow(
      /ended/,
    );
    await expect(forkRun(engine, { runId: origin, atSeq: 1, by: operator })).rejects.toThrow(
      /between 2/,
    );
    const helperDone = originEvents.find((e) => e.type === 'agent.finished')!;
    await expect(
      forkRun(engine, {
        runId: origin,
        atSeq: helperDone.seq,
        by: operator,
        edits: { agentId: helperDone.agentId, message: 'one more thing' },
      }),
    ).rejects.toThrow(/already finished/);
  });
});
