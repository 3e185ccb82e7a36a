import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listAuditEntries } from '@flightdeck/db';
import { DomainError, type EventOf, type RunEvent } from '@flightdeck/domain';
import {
  EMPTY_TREE,
  type Engine,
  listWorkspaceFilesAt,
  pauseRun,
  readWorkspaceFileAt,
  resumeRun,
  rollbackWorkspace,
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

let harness: Harness;
let engine: Engine;

const TEAM = (name: string, latencyMs: number) => `
name: ${name}
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
simulation: { latencyMs: ${latencyMs}, minSteps: 4, maxSteps: 4, errorRate: 0 }
limits: { maxChildrenPerAgent: 1 }
policy:
  rules:
    - { id: all, tool: '*', effect: allow }
`;

beforeAll(async () => {
  harness = await startHarness('ws_history');
  engine = harness.engine;
  await saveTeam(engine, { source: TEAM('history-team', 0) });
  await saveTeam(engine, { source: TEAM('slow-history-team', 250) });
});
afterAll(async () => {
  await harness?.close();
});

const workspace = (runId: string) => path.join(engine.config.workspaceRoot, runId);

async function filesOnDisk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesOnDisk(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

const commitsOf = (events: RunEvent[]) =>
  events.filter((e): e is EventOf<'workspace.committed'> => e.type === 'workspace.committed');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DomainError ? error.code : `other: ${String(error)}`;
  }
}

describe('workspace history', () => {
  let runId: string;
  let events: RunEvent[];

  beforeAll(async () => {
    ({ runId } = await spawnRun(engine, {
      teamSlug: 'history-team',
      goal: 'Write down the history of workspaces',
      by: operator,
      seed: 11,
    }));
    await waitForStatus(engine, runId, 'completed');
    ({ events } = await runState(engine, runId));
  });

  it('commits after every tool call that changed files, with the call’s result, and only then', async () => {
    const commits = commitsOf(events);
    const finished = events.filter(
      (e): e is EventOf<'tool.call.finished'> => e.type === 'tool.call.finished',
    );
    const dispatched = new Map(
      events
        .filter((e): e is EventOf<'tool.call.dispatched'> => e.type === 'tool.call.dispatched')
        .map((e) => [e.payload.callId, e.payload]),
    );
    // fs.write and shell (touch) change files; reads, lists and delegates do not.
    const writers = finished.filter(
      (f) => f.payload.ok && ['fs.write', 'shell'].includes(f.payload.tool),
    );
    expect(writers.map((w) => w.payload.tool)).toEqual(
      expect.arrayContaining(['fs.write', 'shell']),
    );
    expect(commits).toHaveLength(writers.length);
    for (const commit of commits) {
      // Recorded in the same append as the call's result, right after it.
      const result = events[commit.seq - 2];
      expect(result?.type).toBe('tool.call.finished');
      expect((result as EventOf<'tool.call.finished'>).payload.callId).toBe(commit.payload.callId);
      expect(commit.agentId).toBe(result?.agentId);
      const call = dispatched.get(commit.payload.callId!)!;
      if (call.tool === 'fs.write') {
        const written = String(call.args.path);
        expect(commit.payload.files).toContainEqual({
          path: written,
          change: expect.stringMatching(/added|modified/),
        });
        const file = await readWorkspaceFileAt(engine, {
          runId,
          commit: commit.payload.commit,
          path: written,
        });
        expect(file.content).toBe(call.args.content);
      } else {
        // touch <token>: one new empty file.
        const touched = String(call.args.command).split(' ')[1]!;
        expect(commit.payload.files).toEqual([{ path: touched, change: 'added' }]);
      }
    }
    // One chain: each commit's parent is the one recorded before it.
    commits.forEach((c, i) =>
      expect(c.payload.parent).toBe(i === 0 ? null : commits[i - 1]!.payload.commit),
    );
    const { state } = await runState(engine, runId);
    expect(state.workspace).toMatchObject({
      commit: commits.at(-1)!.payload.commit,
      commits: commits.length,
    });
    // The last commit holds exactly what is on disk.
    const last = await listWorkspaceFilesAt(engine, {
      runId,
      commit: commits.at(-1)!.payload.commit,
    });
    expect(last.map((f) => f.path)).toEqual(await filesOnDisk(workspace(runId)));
  });

  it('shows any step: each commit holds the files as they were then', async () => {
    const commits = commitsOf(events);
    const first = await listWorkspaceFilesAt(engine, { runId, commit: commits[0]!.payload.commit });
    expect(first.map((f) => f.path)).toEqual(commits[0]!.payload.files.map((f) => f.path));
    expect(await listWorkspaceFilesAt(engine, { runId, commit: EMPTY_TREE })).toEqual([]);
    expect(await codeOf(listWorkspaceFilesAt(engine, { runId, commit: 'c'.repeat(40) }))).toBe(
      'NOT_FOUND',
    );
  });

  it('rolls an ended run’s workspace back to a step, recorded with who, where and why', async () => {
    const commits = commitsOf(events);
    const target = commits[0]!;
    // A change made by hand, outside any tool call, is kept in the history first.
    await writeFile(path.join(workspace(runId), 'by-hand.txt'), 'manual');
    const result = await rollbackWorkspace(engine, {
      runId,
      toSeq: target.seq,
      by: operator,
      reason: 'undo everything after the first note',
    });
    const after = await runState(engine, runId);
    const [manual, restored] = after.events.slice(-2);
    expect(manual).toMatchObject({
      type: 'workspace.committed',
      payload: { callId: null, files: [{ path: 'by-hand.txt', change: 'added' }] },
    });
    expect(restored).toMatchObject({
      type: 'workspace.restored',
      seq: result.seq,
      payload: {
        by: operator,
        toSeq: target.seq,
        reason: 'undo everything after the first note',
        tree: target.payload.tree,
        parent: (manual as EventOf<'workspace.committed'>).payload.commit,
      },
    });
    expect(after.state.status).toBe('completed');
    expect(after.state.workspace.tree).toBe(target.payload.tree);
    expect(await filesOnDisk(workspace(runId))).toEqual(target.payload.files.map((f) => f.path));
    const { entries } = await listAuditEntries(engine.db, {
      action: 'workspace.restored',
      limit: 5,
    });
    expect(entries[0]).toMatchObject({
      actor: operator,
      target: { runId },
      detail: { toSeq: target.seq, commit: result.commit },
    });

    // Back to before anything was written; then again is refused: nothing would change.
    await rollbackWorkspace(engine, { runId, toSeq: 1, by: operator, reason: 'start over' });
    expect(await filesOnDisk(workspace(runId))).toEqual([]);
    expect(
      await codeOf(rollbackWorkspace(engine, { runId, toSeq: 2, by: operator, reason: 'again' })),
    ).toBe('CONFLICT');
    expect(
      await codeOf(
        rollbackWorkspace(engine, { runId, toSeq: 10_000, by: operator, reason: 'nowhere' }),
      ),
    ).toBe('INVALID_INPUT');
  });

  it('refuses a rollback while the run is running; after a pause it restores, and the run goes on from there', async () => {
    const { runId: slow } = await spawnRun(engine, {
      teamSlug: 'slow-history-team',
      goal: 'Take notes slowly',
      by: operator,
      seed: 5,
    });
    const firstCommit = await waitFor('a first commit', async () => {
      const found = commitsOf((await runState(engine, slow)).events)[0];
      return found ?? null;
    });
    expect(
      await codeOf(
        rollbackWorkspace(engine, { runId: slow, toSeq: 1, by: operator, reason: 'too early' }),
      ),
    ).toBe('CONFLICT');

    await pauseRun(engine, { runId: slow, by: operator, reason: 'roll back', mode: 'abort-turn' });
    const restored = await waitFor('the rollback once no turn is in flight', async () => {
      try {
        return await rollbackWorkspace(engine, {
          runId: slow,
          toSeq: firstCommit.seq - 1,
          by: operator,
          reason: 'before the first note',
        });
      } catch (error) {
        if (error instanceof DomainError && error.code === 'CONFLICT') return null;
        throw error;
      }
    });
    expect(await filesOnDisk(workspace(slow))).toEqual([]);
    await resumeRun(engine, { runId: slow, by: operator });
    await waitForStatus(engine, slow, 'completed', 60_000);
    const { events: slowEvents, state } = await runState(engine, slow);
    // The next commit builds on the restored one.
    const next = commitsOf(slowEvents).find((c) => c.seq > restored.seq);
    expect(next?.payload.parent).toBe(restored.commit);
    expect(state.workspace.commit).not.toBe(restored.commit);
    await access(path.join(workspace(slow), 'report.md'));
    expect(await readFile(path.join(workspace(slow), 'report.md'), 'utf8')).toMatch(/^# /);
  });
});
