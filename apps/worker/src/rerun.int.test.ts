import { randomUUID } from 'node:crypto';
import dns from 'node:dns';
import net from 'node:net';
import { createToolRegistry, rerunRecorded, runTurn } from '@flightdeck/agents';
import {
  appendEvents,
  getRerunReport,
  insertRun,
  listActiveRunIds,
  readAllEvents,
} from '@flightdeck/db';
import {
  idsToRename,
  newTraceId,
  parseManifest,
  type Principal,
  reduceEvents,
  renameEvents,
  type RunEvent,
} from '@flightdeck/domain';
import {
  copyHistory,
  decideApproval,
  type Engine,
  getRun,
  readDemoTeamSources,
  saveTeam,
  spawnRun,
} from '@flightdeck/engine';
import { createLogger } from '@flightdeck/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, operator, runState, startHarness, waitFor } from './test/harness';
import { CallSink } from './test/sinks';

/**
 * Deterministic re-runs of recorded runs of the shipped demo teams: with the
 * recorded model responses and tool results, every re-run appends exactly the
 * recorded events, while no live model, tool or network call is made (the
 * live ones are counted, and sockets to anything but PostgreSQL and Redis are
 * refused and counted).
 */

let harness: Harness;
let engine: Engine;
const sink = new CallSink();
const RUNS_PER_TEAM = Number(process.env.RERUN_RUNS_PER_TEAM ?? 25);

const approver: Principal = {
  actor: { kind: 'user', id: 'rerun-approver' },
  roles: ['approver'],
  teams: 'all',
};

/** The shipped teams under test names, without simulated latency. */
async function demoTeams(): Promise<string[]> {
  const slugs: string[] = [];
  for (const { source } of await readDemoTeamSources()) {
    const parsed = parseManifest(source);
    if (!parsed.ok) throw new Error('a shipped team is invalid');
    const slug = `${parsed.manifest.name}-rerun`;
    await saveTeam(engine, {
      source: source
        .replace(`name: ${parsed.manifest.name}`, `name: ${slug}`)
        .replace(/latencyMs: \d+/, 'latencyMs: 0'),
    });
    slugs.push(slug);
  }
  return slugs;
}

/** Decide pending approvals (approve, approve with an edit, or deny, by the run's seed) until every run ends. */
async function driveToEnd(runIds: string[]): Promise<void> {
  await waitFor(
    'every recorded run to end',
    async () => {
      let open = 0;
      for (const runId of runIds) {
        const { state } = await runState(engine, runId);
        if (state.status === 'completed' || state.status === 'failed') continue;
        open += 1;
        for (const approval of Object.values(state.approvals)) {
          if (approval.status !== 'pending') continue;
          const mode = state.seed % 3;
          await decideApproval(engine, {
            runId,
            approvalId: approval.id,
            by: approver,
            decision: mode === 2 ? 'deny' : 'approve',
            fingerprint: approval.fingerprint,
            reason: mode === 2 ? 'not this version' : 'ship it',
            ...(mode === 1
              ? {
                  editedArgs: {
                    ...approval.args,
                    content: `${String(approval.args.content)}\n(edited)\n`,
                  },
                }
              : {}),
          });
        }
      }
      return open === 0;
    },
    240_000,
  );
}

/** Sockets to anything but the local PostgreSQL and Redis are refused, and counted. */
function blockEgress(): { attempts: string[]; restore: () => void } {
  const attempts: string[] = [];
  const allowed = (host: unknown, port: unknown) =>
    (host === '127.0.0.1' || host === '::1' || host === 'localhost' || host === undefined) &&
    (Number(port) === 5432 || Number(port) === 6379);
  const socket = net.Socket.prototype as unknown as { connect: (...a: unknown[]) => net.Socket };
  const connect = socket.connect;
  socket.connect = function (this: net.Socket, ...args: unknown[]) {
    // net.connect passes its normalized arguments as one array: [options, callback].
    const first: unknown = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = (
      typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }
    ) as { host?: unknown; port?: unknown; path?: unknown };
    if (!options.path && !allowed(options.host ?? 'localhost', options.port)) {
      attempts.push(`${String(options.host)}:${String(options.port)}`);
      throw new Error(`egress blocked: ${String(options.host)}:${String(options.port)}`);
    }
    return connect.apply(this, args);
  };
  const lookup = dns.lookup;
  (dns as { lookup: unknown }).lookup = (hostname: string, ...rest: unknown[]) => {
    if (hostname !== 'localhost') attempts.push(`dns:${hostname}`);
    return (lookup as (...a: unknown[]) => void)(hostname, ...rest);
  };
  return {
    attempts,
    restore: () => {
      socket.connect = connect;
      (dns as { lookup: unknown }).lookup = lookup;
    },
  };
}

beforeAll(async () => {
  harness = await startHarness('rerun', {
    providers: sink.providers(),
    extraTools: sink.tools(),
    workers: 2,
  });
  engine = harness.engine;
});
afterAll(async () => {
  await harness?.close();
});

const deps = () => ({ engine, log: createLogger('rerun-test'), tools: createToolRegistry() });

describe('deterministic re-run', () => {
  let recorded: string[] = [];

  beforeAll(async () => {
    const teams = await demoTeams();
    const spawned = await Promise.all(
      teams.flatMap((teamSlug) =>
        Array.from({ length: RUNS_PER_TEAM }, (_, i) =>
          spawnRun(engine, {
            teamSlug,
            goal: `Recorded run ${i + 1} of ${teamSlug}: compare notes on release ${i + 1}`,
            by: operator,
            seed: 1000 + i,
          }),
        ),
      ),
    );
    recorded = spawned.map((s) => s.runId);
    await driveToEnd(recorded);
  }, 300_000);

  it(
    're-runs 50 recorded runs of the demo teams with identical events and zero live calls',
    { timeout: 300_000 },
    async () => {
      expect(recorded).toHaveLength(2 * RUNS_PER_TEAM);
      // The recordings exercise what a re-run must reproduce.
      const logs = await Promise.all(recorded.map((id) => readAllEvents(engine.db, id)));
      const types = new Set(logs.flat().map((e) => e.type));
      for (const type of [
        'agent.spawned',
        'llm.call.finished',
        'tool.call.finished',
        'workspace.committed',
        'approval.requested',
        'approval.decided',
      ] as const)
        expect(types, type).toContain(type);
      expect(
        logs.some((log) => log.some((e) => e.type === 'tool.call.finished' && !e.payload.ok)),
      ).toBe(true);

      sink.reset();
      sink.blocked = true;
      const egress = blockEgress();
      const reports = [];
      try {
        // The block holds: a request to anywhere else fails, and is counted (then forgotten).
        await expect(fetch('http://192.0.2.1/')).rejects.toThrow();
        expect(() => net.connect({ host: '192.0.2.1', port: 443 })).toThrow(/egress blocked/);
        expect(egress.attempts).toEqual(['192.0.2.1:80', '192.0.2.1:443']);
        egress.attempts.length = 0;
        // The database and Redis stay reachable.
        const local = net.connect({ host: '127.0.0.1', port: 6379 });
        await new Promise((resolve, reject) =>
          local.once('connect', resolve).once('error', reject),
        );
        local.destroy();
        for (let i = 0; i < recorded.length; i += 5) {
          const batch = recorded.slice(i, i + 5);
          reports.push(
            ...(await Promise.all(
              batch.map((runId) => rerunRecorded(deps(), { runId, by: operator })),
            )),
          );
        }
      } finally {
        egress.restore();
        sink.blocked = false;
      }

      // Zero live calls: no model, no tool, no socket beyond the local database and Redis.
      expect(sink.modelCalls).toEqual([]);
      expect(sink.toolCalls).toEqual([]);
      expect(egress.attempts).toEqual([]);

      for (const [i, { runId, report }] of reports.entries()) {
        const original = logs[i]!;
        expect(report.firstDifference, `re-run of ${recorded[i]}`).toBeNull();
        expect(report).toMatchObject({
          identical: true,
          recordedEvents: original.length,
          rerunEvents: original.length,
          matched: original.length,
        });
        expect(report.replayedModelCalls).toBe(
          original.filter((e) => e.type === 'llm.call.started').length,
        );
        const again = await readAllEvents(engine.db, runId);
        expect(again.map((e) => e.type)).toEqual(original.map((e) => e.type));
        expect(again.map((e) => e.agentId === null)).toEqual(
          original.map((e) => e.agentId === null),
        );
        // The same end: status, result, totals, and the same workspace content.
        const [a, b] = [reduceEvents(original), reduceEvents(again)];
        expect(b.status).toBe(a.status);
        expect(b.result).toBe(a.result);
        expect(b.totals).toEqual(a.totals);
        expect(b.workspace.tree).toBe(a.workspace.tree);
        expect(await getRun(engine, { runId })).toMatchObject({
          origin: 'rerun',
          originRunId: recorded[i],
        });
        expect(await getRerunReport(engine.db, runId)).toMatchObject({ identical: true });
      }
    },
  );

  it('reports the first event that differs', async () => {
    // A recording that the current code cannot reproduce: one model call's recorded cost is off by one.
    const source = recorded[0]!;
    const events = await readAllEvents(engine.db, source);
    const forged = randomUUID();
    const renames = new Map<string, string>();
    for (const id of idsToRename(events)) renames.set(id, id === source ? forged : randomUUID());
    const drafts = renameEvents(events, renames, newTraceId());
    // A model call whose payload the report shows whole (it cuts payloads at 600 characters).
    const target = events.findIndex(
      (e, i) => i > 5 && e.type === 'llm.call.finished' && JSON.stringify(e.payload).length < 500,
    );
    const draft = drafts[target]!;
    if (draft.type !== 'llm.call.finished') throw new Error('expected a model call');
    draft.payload = { ...draft.payload, costMicroUsd: draft.payload.costMicroUsd + 1 };
    const run = (await getRun(engine, { runId: source }))!;
    const record = await readAllEvents(engine.db, source).then(() => run);
    await insertRun(engine.db, {
      id: forged,
      teamId: record.teamId,
      manifestVersion: reduceEvents(events).manifestVersion!,
      goal: record.goal,
      seed: reduceEvents(events).seed,
    });
    await appendEvents(engine.db, forged, drafts);
    await copyHistory(engine.config.workspaceRoot, source, forged, []);

    const { runId: rerunId, report } = await rerunRecorded(deps(), { runId: forged, by: operator });
    expect(report.identical).toBe(false);
    // It stops where it went another way, and its log says so.
    const after = reduceEvents(await readAllEvents(engine.db, rerunId));
    expect(after.status).toBe('failed');
    expect(after.error).toContain(`at step ${target + 1}`);
    // No stray turn job (a decision, a resume, the reconciler) ever executes a re-run live.
    sink.reset();
    const lead = after.leadAgentId!;
    const stray = await runTurn(
      {
        engine,
        providers: sink.providers(),
        tools: createToolRegistry(),
        log: createLogger('stray'),
      },
      { runId: rerunId, agentId: lead, turn: after.agents[lead]!.turnsTaken + 1 },
      new AbortController().signal,
    );
    expect(stray.outcome).toBe('stale');
    expect(sink.modelCalls).toEqual([]);
    expect(await listActiveRunIds(engine.db)).not.toContain(rerunId);
    expect(report.matched).toBe(target);
    expect(report.firstDifference).toMatchObject({
      seq: target + 1,
      expected: { type: 'llm.call.finished' },
      actual: { type: 'llm.call.finished' },
    });
    expect(report.firstDifference!.expected!.payload).toContain(
      `"costMicroUsd":${draft.payload.costMicroUsd}`,
    );
    expect(report.firstDifference!.actual!.payload).toContain(
      `"costMicroUsd":${draft.payload.costMicroUsd - 1}`,
    );
  });
});

// Keep the event type referenced for readers of the helper signatures.
export type { RunEvent };
