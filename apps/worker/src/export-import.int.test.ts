import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createToolRegistry, rerunRecorded } from '@flightdeck/agents';
import { readAllEvents } from '@flightdeck/db';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { reduceEvents } from '@flightdeck/domain';
import {
  createEngine,
  type Engine,
  exportRun,
  getRun,
  importRun,
  listWorkspaceFiles,
  listWorkspaceFilesAt,
  readWorkspaceFileAt,
  saveTeam,
  spawnRun,
} from '@flightdeck/engine';
import { createLogger } from '@flightdeck/telemetry';
import { redisUrl, type TestDatabase, uniqueRedisPrefix } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, operator, startHarness, waitForStatus } from './test/harness';

/** Export a run here, import it on "another Flightdeck" (its own database and workspaces). */

let harness: Harness;
let engine: Engine;
let other: Engine;
let otherDatabase: TestDatabase;

const TEAM = `
name: export-team
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.write, fs.read, fs.list]
    delegates: [helper]
  helper:
    role: Helper
    model: simulated/gpt-4o-mini
    tools: [fs.write, fs.read, fs.list]
simulation: { latencyMs: 0, minSteps: 3, maxSteps: 3, errorRate: 0.2 }
policy:
  rules:
    - { id: all, tool: '*', effect: allow }
`;

beforeAll(async () => {
  harness = await startHarness('export');
  engine = harness.engine;
  await saveTeam(engine, { source: TEAM });
  otherDatabase = await createMigratedTestDatabase('export_other');
  other = await createEngine({
    databaseUrl: otherDatabase.url,
    redisUrl: redisUrl(),
    queuePrefix: uniqueRedisPrefix('export-other'),
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-ws-other-')),
  });
});
afterAll(async () => {
  await other?.close();
  await otherDatabase?.drop();
  await harness?.close();
});

describe('export and import', () => {
  let runId: string;
  let jsonl: string;

  beforeAll(async () => {
    ({ runId } = await spawnRun(engine, {
      teamSlug: 'export-team',
      goal: 'Take the session to another Flightdeck',
      by: operator,
      seed: 3,
    }));
    await waitForStatus(engine, runId, 'completed');
    jsonl = `${(await exportRun(engine, { runId })).lines.join('\n')}\n`;
  });

  it('writes JSON Lines: a header, every event, the workspace history, an end', async () => {
    const lines = jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string });
    const events = await readAllEvents(engine.db, runId);
    expect(lines[0]).toMatchObject({
      kind: 'flightdeck.run-export',
      version: 1,
      run: { id: runId, teamSlug: 'export-team' },
      manifest: { source: TEAM },
      events: events.length,
    });
    expect(lines.filter((l) => l.kind === 'event')).toHaveLength(events.length);
    expect(lines.at(-2)).toMatchObject({ kind: 'workspace-history', format: 'git-bundle' });
    expect(lines.at(-1)).toEqual({ kind: 'end', events: events.length });
  });

  it('imports on another Flightdeck: the same log, state and workspace at every step, and it re-runs identically there', async () => {
    const imported = await importRun(other, { jsonl, by: operator });
    const original = await readAllEvents(engine.db, runId);
    const copy = await readAllEvents(other.db, imported.runId);
    expect(imported.events).toBe(original.length);
    expect(copy.map((e) => e.type)).toEqual(original.map((e) => e.type));
    expect(copy.every((e) => e.runId === imported.runId)).toBe(true);
    const [a, b] = [reduceEvents(original), reduceEvents(copy)];
    expect(b).toMatchObject({
      status: a.status,
      result: a.result,
      totals: a.totals,
      workspace: a.workspace,
      teamName: a.teamName,
    });
    expect(await getRun(other, { runId: imported.runId })).toMatchObject({
      origin: 'import',
      originRunId: runId,
      status: 'completed',
    });
    // Every recorded step's files, from the imported history; the folder holds the last.
    let steps = 0;
    for (const e of copy) {
      if (e.type !== 'workspace.committed') continue;
      steps += 1;
      const commit = e.payload.commit;
      const here = await listWorkspaceFilesAt(other, { runId: imported.runId, commit });
      expect(here).toEqual(await listWorkspaceFilesAt(engine, { runId, commit }));
      const file = here[0]!.path;
      const there = await readWorkspaceFileAt(other, { runId: imported.runId, commit, path: file });
      const source = await readWorkspaceFileAt(engine, { runId, commit, path: file });
      expect(there.content).toBe(source.content);
    }
    expect(steps).toBeGreaterThan(1);
    expect((await listWorkspaceFiles(other, { runId: imported.runId })).map((f) => f.path)).toEqual(
      (await listWorkspaceFiles(engine, { runId })).map((f) => f.path),
    );

    // Replayed there: a deterministic re-run of the imported run matches it event for event.
    const { report } = await rerunRecorded(
      { engine: other, log: createLogger('import-rerun'), tools: createToolRegistry() },
      { runId: imported.runId, by: operator },
    );
    expect(report).toMatchObject({ identical: true, matched: copy.length });

    // Imported twice is two runs; the team and its manifest version are reused.
    const again = await importRun(other, { jsonl, by: operator });
    expect(again.runId).not.toBe(imported.runId);
    expect((await getRun(other, { runId: again.runId }))?.teamId).toBe(
      (await getRun(other, { runId: imported.runId }))?.teamId,
    );
  });

  it('refuses a cut-off export, a gap in the log, a running run, and a manifest the team does not have', async () => {
    const lines = jsonl.trim().split('\n');
    const attempt = (text: string) => importRun(other, { jsonl: text, by: operator });
    await expect(attempt(lines.slice(0, -1).join('\n'))).rejects.toThrow(/incomplete/);
    await expect(attempt([lines[0], ...lines.slice(2)].join('\n'))).rejects.toThrow(/seq order/);
    await expect(attempt('hello\nworld')).rejects.toThrow(/not a Flightdeck run export|not JSON/);

    // A run still going (the workers are held while it is exported).
    for (const w of harness.workers) await w.worker.pause();
    const { runId: running } = await spawnRun(engine, {
      teamSlug: 'export-team',
      goal: 'Still going',
      by: operator,
    });
    const partial = (await exportRun(engine, { runId: running })).lines.join('\n');
    for (const w of harness.workers) await w.worker.resume();
    await expect(attempt(partial)).rejects.toThrow(/Only ended runs/);

    // The team exists there, but has no version of the export's manifest: nothing changes for it.
    const header = JSON.parse(lines[0]!) as { manifest: { source: string } };
    header.manifest.source = TEAM.replace('errorRate: 0.2', 'errorRate: 0.4');
    await expect(attempt([JSON.stringify(header), ...lines.slice(1)].join('\n'))).rejects.toThrow(
      /another manifest/,
    );
  });
});
