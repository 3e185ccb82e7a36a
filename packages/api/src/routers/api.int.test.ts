import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { createEngine, type Engine, ensureDemoTeams } from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFor, createCaller, LOCAL_OPERATOR } from '../index';
import { appRouter } from './_app';

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let caller: ReturnType<typeof createCaller>;

beforeAll(async () => {
  database = await createMigratedTestDatabase('api');
  prefix = uniqueRedisPrefix('api');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-api-')),
  });
  await ensureDemoTeams(engine);
  caller = createCaller(contextFor(engine, LOCAL_OPERATOR));
});

afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
});

/** The tRPC error a call failed with. */
async function failure(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Call through the HTTP adapter, as a browser would, and return the JSON body. */
async function http(
  procedure: string,
  input: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req: new Request(`http://test/api/trpc/${procedure}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    }),
    router: appRouter,
    createContext: () => contextFor(engine, LOCAL_OPERATOR),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('malformed input', () => {
  it.each([
    ['an unknown key', { teamSlug: 'demo-research', goal: 'g', admin: true }],
    ['an empty goal', { teamSlug: 'demo-research', goal: '   ' }],
    ['a goal over the cap', { teamSlug: 'demo-research', goal: 'x'.repeat(4001) }],
    ['a slug with a path in it', { teamSlug: '../etc/passwd', goal: 'g' }],
    ['no input at all', undefined],
    ['a string instead of an object', 'demo-research'],
  ])('runs.spawn with %s is BAD_REQUEST and spawns nothing', async (_label, input) => {
    const error = await failure(caller.runs.spawn(input as never));
    expect(error.code).toBe('BAD_REQUEST');
    expect(await caller.runs.list({ limit: 50 })).toEqual([]);
  });

  it('runs.kill with a non-uuid run id is BAD_REQUEST', async () => {
    expect((await failure(caller.runs.kill({ runId: 'not-a-uuid', reason: 'x' }))).code).toBe(
      'BAD_REQUEST',
    );
  });

  it('runs.list with an out-of-range limit is BAD_REQUEST', async () => {
    expect((await failure(caller.runs.list({ limit: 0 }))).code).toBe('BAD_REQUEST');
    expect((await failure(caller.runs.list({ limit: 10_000 }))).code).toBe('BAD_REQUEST');
  });

  it('runs.events caps the page size', async () => {
    const error = await failure(
      caller.runs.events({ runId: crypto.randomUUID(), afterSeq: 0, limit: 100_000 }),
    );
    expect(error.code).toBe('BAD_REQUEST');
  });

  it('runs.state answers NOT_FOUND for a run with no log and caps its tail', async () => {
    const runId = crypto.randomUUID();
    expect((await failure(caller.runs.state({ runId }))).code).toBe('NOT_FOUND');
    expect((await failure(caller.runs.state({ runId, tail: 5_000 }))).code).toBe('BAD_REQUEST');
  });

  it('runs.workspaceFiles / workspaceFile read the run folder and refuse escapes', async () => {
    const runId = crypto.randomUUID();
    const folder = path.join(engine.config.workspaceRoot, runId);
    expect(await caller.runs.workspaceFiles({ runId })).toEqual([]);
    await mkdir(path.join(folder, 'notes'), { recursive: true });
    await writeFile(path.join(folder, 'notes', 'a.md'), '# A\n');
    expect((await caller.runs.workspaceFiles({ runId })).map((f) => f.path)).toEqual([
      'notes/a.md',
    ]);
    expect(await caller.runs.workspaceFile({ runId, path: 'notes/a.md' })).toMatchObject({
      content: '# A\n',
      truncated: false,
    });
    expect((await failure(caller.runs.workspaceFile({ runId, path: '../x' }))).code).toBe(
      'BAD_REQUEST',
    );
    expect((await failure(caller.runs.workspaceFile({ runId, path: 'nope.md' }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await failure(caller.runs.workspaceFile({ runId, path: 'x'.repeat(1025) }))).code).toBe(
      'BAD_REQUEST',
    );
    expect((await failure(caller.runs.workspaceFiles({ runId: 'not-a-uuid' }))).code).toBe(
      'BAD_REQUEST',
    );
  });

  it('answers over HTTP with 400, the issue paths, and no stack', async () => {
    const { status, body } = await http('runs.spawn', {
      teamSlug: 'demo-research',
      goal: '',
      extra: 1,
    });
    expect(status).toBe(400);
    const error = body.error as { message: string; data: Record<string, unknown> };
    expect(error.message).toBe('Invalid input');
    expect(error.data.code).toBe('BAD_REQUEST');
    expect(error.data.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'goal' }),
        expect.objectContaining({ path: '' }),
      ]),
    );
    expect(JSON.stringify(body)).not.toMatch(/stack|\/work\/|node_modules/);
  });
});

describe('unknown things', () => {
  it('spawning an unknown team is NOT_FOUND', async () => {
    const error = await failure(caller.runs.spawn({ teamSlug: 'no-such-team', goal: 'anything' }));
    expect(error.code).toBe('NOT_FOUND');
    expect(await caller.runs.list({ limit: 50 })).toEqual([]);
  });

  it('an unknown run is NOT_FOUND to get and to kill', async () => {
    const runId = crypto.randomUUID();
    expect((await failure(caller.runs.get({ runId }))).code).toBe('NOT_FOUND');
    expect((await failure(caller.runs.kill({ runId, reason: 'x' }))).code).toBe('NOT_FOUND');
  });

  it('an unknown team is NOT_FOUND', async () => {
    expect((await failure(caller.teams.get({ slug: 'nobody' }))).code).toBe('NOT_FOUND');
  });
});

describe('teams.save', () => {
  it('rejects an invalid manifest with BAD_REQUEST and issues naming paths', async () => {
    const before = await caller.teams.list();
    const source = [
      'name: broken-team',
      'lead: boss',
      'agents:',
      '  worker:',
      '    role: Worker',
      '    model: gpt-4o',
      '',
    ].join('\n');
    const error = await failure(caller.teams.save({ source }));
    expect(error.code).toBe('BAD_REQUEST');
    const { status, body } = await http('teams.save', { source });
    expect(status).toBe(400);
    const data = (
      body.error as {
        data: { domainCode: string; issues: Array<{ path: string; message: string }> };
      }
    ).data;
    expect(data.domainCode).toBe('INVALID_MANIFEST');
    expect(data.issues.map((i) => i.path)).toContain('agents.worker.model');
    expect(await caller.teams.list()).toEqual(before);
  });

  it('rejects YAML that does not parse, with a message', async () => {
    const { body } = await http('teams.save', { source: 'name: [unclosed' });
    const data = (body.error as { data: { issues: Array<{ message: string }> } }).data;
    expect(data.issues[0]?.message).toMatch(/YAML/);
  });

  it('saves a valid manifest as the next version', async () => {
    const team = await caller.teams.get({ slug: 'demo-research' });
    const saved = await caller.teams.save({
      source: team.source.replace(/latencyMs: \d+/, 'latencyMs: 5'),
    });
    expect(saved).toMatchObject({
      slug: 'demo-research',
      version: team.currentVersion + 1,
      created: true,
    });
    // Saving the same source again stores nothing new.
    expect(
      await caller.teams.save({ source: team.source.replace(/latencyMs: \d+/, 'latencyMs: 5') }),
    ).toMatchObject({ version: saved.version, created: false });
    const after = await caller.teams.get({ slug: 'demo-research' });
    expect(after.currentVersion).toBe(saved.version);
    expect(after.agents[0]).toMatchObject({ key: 'lead', isLead: true });
  });
});

describe('a run through the API', () => {
  it('spawns, lists, reads events, and kills exactly once', async () => {
    const { runId } = await caller.runs.spawn({
      teamSlug: 'demo-research',
      goal: '  Compare vector databases  ',
    });
    const run = await caller.runs.get({ runId });
    expect(run).toMatchObject({
      id: runId,
      goal: 'Compare vector databases',
      teamName: 'demo-research',
    });
    expect(['pending', 'running']).toContain(run.status);
    expect((await caller.runs.list({ limit: 10 })).map((r) => r.id)).toContain(runId);
    expect(
      (await caller.runs.list({ limit: 10, status: 'completed' })).map((r) => r.id),
    ).not.toContain(runId);
    expect(await caller.runs.list({ limit: 10, teamSlug: 'nobody' })).toEqual([]);

    const page = await caller.runs.events({ runId, afterSeq: 0, limit: 1 });
    expect(page.events.map((e) => e.type)).toEqual(['run.started']);
    expect(page.nextAfterSeq).toBe(1);
    const rest = await caller.runs.events({ runId, afterSeq: 1, limit: 100 });
    expect(rest.events[0]).toMatchObject({ seq: 2, type: 'agent.spawned' });
    expect(rest.nextAfterSeq).toBeNull();

    // Its first screen: the state now and the newest events, as the log says.
    const lastSeq = rest.events.at(-1)!.seq;
    const first = await caller.runs.state({ runId, tail: 2 });
    expect(first).toMatchObject({ seq: lastSeq, state: { runId, lastSeq, goal: run.goal } });
    expect(first.tail).toEqual(rest.events.slice(-2));

    expect(await caller.runs.kill({ runId, reason: 'test over' })).toEqual({ status: 'killed' });
    expect((await caller.runs.get({ runId })).status).toBe('killed');
    expect(await caller.runs.kill({ runId, reason: 'again' })).toEqual({ status: 'already-ended' });
  });

  it('reports health', async () => {
    expect(await caller.health()).toEqual({ ok: true });
  });
});

describe('controlling a run through the API', () => {
  /** A fresh run (no worker here: its lead waits for its first turn, so nothing moves by itself). */
  async function liveRun() {
    const { runId } = await caller.runs.spawn({ teamSlug: 'demo-research', goal: 'Control me' });
    const { events } = await caller.runs.events({ runId, afterSeq: 0, limit: 100 });
    const lead = events.find((e) => e.type === 'agent.spawned');
    if (!lead?.agentId) throw new Error('the run has no lead');
    return { runId, leadId: lead.agentId };
  }

  async function lastSeq(runId: string): Promise<number> {
    return (await caller.runs.get({ runId })).lastSeq;
  }

  it('rejects malformed control inputs with BAD_REQUEST and records nothing', async () => {
    const { runId, leadId } = await liveRun();
    const before = await lastSeq(runId);
    const malformed: Array<[string, () => Promise<unknown>]> = [
      ['runs.pause without a mode', () => caller.runs.pause({ runId, reason: 'x' } as never)],
      [
        'runs.pause with an unknown mode',
        () => caller.runs.pause({ runId, mode: 'freeze', reason: 'x' } as never),
      ],
      [
        'runs.pause with an unknown key',
        () => caller.runs.pause({ runId, mode: 'finish-turn', force: true } as never),
      ],
      [
        'runs.pause with a reason over the cap',
        () => caller.runs.pause({ runId, mode: 'finish-turn', reason: 'x'.repeat(2001) }),
      ],
      ['runs.resume with a non-uuid run id', () => caller.runs.resume({ runId: 'nope' })],
      [
        'agents.pause with a non-uuid agent id',
        () => caller.agents.pause({ runId, agentId: 'lead', mode: 'abort-turn' }),
      ],
      [
        'agents.resume with an unknown key',
        () => caller.agents.resume({ runId, agentId: leadId, all: true } as never),
      ],
      [
        'agents.kill without a reason',
        () => caller.agents.kill({ runId, agentId: leadId, reason: '   ' }),
      ],
      [
        'agents.kill with a reason over the cap',
        () => caller.agents.kill({ runId, agentId: leadId, reason: 'x'.repeat(2001) }),
      ],
      [
        'agents.steer with an empty message',
        () => caller.agents.steer({ runId, agentId: leadId, message: ' \n ' }),
      ],
      [
        'agents.steer with a message over the cap',
        () => caller.agents.steer({ runId, agentId: leadId, message: 'x'.repeat(8001) }),
      ],
      [
        'agents.steer with a number for a message',
        () => caller.agents.steer({ runId, agentId: leadId, message: 42 } as never),
      ],
      [
        'toolCalls.resolve with an unknown resolution',
        () =>
          caller.toolCalls.resolve({
            runId,
            agentId: leadId,
            callId: 'c',
            resolution: 'undo',
          } as never),
      ],
      [
        'toolCalls.resolve with an output for a skip',
        () =>
          caller.toolCalls.resolve({
            runId,
            agentId: leadId,
            callId: 'c',
            resolution: 'skip',
            output: 'x',
          }),
      ],
      [
        'toolCalls.resolve with an empty call id',
        () => caller.toolCalls.resolve({ runId, agentId: leadId, callId: '', resolution: 'retry' }),
      ],
      [
        'toolCalls.resolve with an output over the cap',
        () =>
          caller.toolCalls.resolve({
            runId,
            agentId: leadId,
            callId: 'c',
            resolution: 'mark-done',
            output: 'x'.repeat(64_001),
          }),
      ],
    ];
    for (const [label, call] of malformed) {
      const error = await failure(call());
      expect(error.code, label).toBe('BAD_REQUEST');
    }
    expect(await lastSeq(runId)).toBe(before);
    expect((await caller.runs.get({ runId })).status).toBe('running');

    const { status, body } = await http('agents.steer', { runId, agentId: leadId, message: '' });
    expect(status).toBe(400);
    expect(
      (body.error as { data: { issues: Array<{ path: string }> } }).data.issues.map((i) => i.path),
    ).toContain('message');
    await caller.runs.kill({ runId, reason: 'test over' });
  });

  it('refuses to pause or resume what cannot be, with CONFLICT, and finds nothing unknown', async () => {
    const { runId, leadId } = await liveRun();
    expect((await failure(caller.runs.resume({ runId }))).code).toBe('CONFLICT');
    expect((await failure(caller.agents.resume({ runId, agentId: leadId }))).code).toBe('CONFLICT');
    expect(
      (
        await failure(
          caller.toolCalls.resolve({
            runId,
            agentId: leadId,
            callId: 'no-such-call',
            resolution: 'retry',
          }),
        )
      ).code,
    ).toBe('CONFLICT');

    await caller.runs.kill({ runId, reason: 'ended on purpose' });
    const ended = await lastSeq(runId);
    const pauseEnded = await failure(
      caller.runs.pause({ runId, mode: 'finish-turn', reason: 'too late' }),
    );
    expect(pauseEnded.code).toBe('CONFLICT');
    expect(pauseEnded.message).toMatch(/killed/);
    expect(
      (await failure(caller.agents.steer({ runId, agentId: leadId, message: 'hello?' }))).code,
    ).toBe('CONFLICT');
    expect(
      (await failure(caller.agents.kill({ runId, agentId: leadId, reason: 'again' }))).code,
    ).toBe('CONFLICT');
    expect(await lastSeq(runId)).toBe(ended);

    const { status, body } = await http('runs.pause', { runId, mode: 'abort-turn' });
    expect(status).toBe(409);
    expect((body.error as { data: { domainCode: string } }).data.domainCode).toBe('CONFLICT');

    const unknownAgent = crypto.randomUUID();
    expect(
      (
        await failure(
          caller.agents.steer({
            runId: (await liveRun()).runId,
            agentId: unknownAgent,
            message: 'hi',
          }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(
      (await failure(caller.runs.pause({ runId: crypto.randomUUID(), mode: 'finish-turn' }))).code,
    ).toBe('NOT_FOUND');
    expect(
      (
        await failure(
          caller.agents.kill({ runId: crypto.randomUUID(), agentId: unknownAgent, reason: 'x' }),
        )
      ).code,
    ).toBe('NOT_FOUND');
  });

  it('records a pause / resume round trip, an agent pause, and a steer as events', async () => {
    const { runId, leadId } = await liveRun();
    const start = await lastSeq(runId);

    expect(
      await caller.runs.pause({ runId, mode: 'abort-turn', reason: '  look at the spend  ' }),
    ).toEqual({ status: 'paused' });
    expect((await caller.runs.get({ runId })).status).toBe('paused');
    expect((await failure(caller.runs.pause({ runId, mode: 'finish-turn' }))).code).toBe(
      'CONFLICT',
    );
    expect(await caller.runs.resume({ runId })).toMatchObject({ status: 'running' });
    expect((await caller.runs.get({ runId })).status).toBe('running');

    expect(await caller.agents.pause({ runId, agentId: leadId, mode: 'finish-turn' })).toEqual({
      paused: true,
    });
    expect(
      (await failure(caller.agents.pause({ runId, agentId: leadId, mode: 'finish-turn' }))).code,
    ).toBe('CONFLICT');
    expect(
      await caller.agents.steer({ runId, agentId: leadId, message: '  cite two sources  ' }),
    ).toEqual({ seq: start + 4 });
    expect(await caller.agents.resume({ runId, agentId: leadId })).toEqual({ paused: false });

    const { events } = await caller.runs.events({ runId, afterSeq: start, limit: 100 });
    const operator = { kind: 'user', id: 'operator' };
    expect(events.map((e) => [e.type, e.agentId, e.payload])).toEqual([
      ['run.paused', null, { by: operator, reason: 'look at the spend', mode: 'abort-turn' }],
      ['run.resumed', null, { by: operator }],
      ['agent.paused', leadId, { by: operator, reason: '', mode: 'finish-turn' }],
      ['agent.steered', leadId, { by: operator, message: 'cite two sources' }],
      ['agent.resumed', leadId, { by: operator }],
    ]);

    // Killing the lead kills the run.
    expect(await caller.agents.kill({ runId, agentId: leadId, reason: 'done here' })).toMatchObject(
      { run: 'killed' },
    );
    expect((await caller.runs.get({ runId })).status).toBe('killed');
  });

  it('kills a paused run (an operator must never be unable to stop one)', async () => {
    const { runId } = await liveRun();
    await caller.runs.pause({ runId, mode: 'finish-turn', reason: 'hold' });
    expect(await caller.runs.kill({ runId, reason: 'stop it' })).toEqual({ status: 'killed' });
    expect((await caller.runs.get({ runId })).status).toBe('killed');
    expect((await failure(caller.runs.resume({ runId }))).code).toBe('CONFLICT');
  });
});
