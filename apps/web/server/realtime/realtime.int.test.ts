import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import {
  type ClientToServerEvents,
  type RunEvent,
  RunEventsMessage,
  type RunSummary,
  type ServerToClientEvents,
  WATCH_GAP_FILL_LIMIT,
} from '@flightdeck/domain';
import {
  createEngine,
  createRedis,
  type Engine,
  ensureDemoTeams,
  getRun,
  publishFleetRun,
  publishRunEvents,
  readRunEvents,
  runChannel,
  spawnRun,
} from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attachRealtime, type Logger, type Realtime } from './server';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
type WatchAck = { ok: true; events: RunEvent[]; lastSeq: number } | { ok: false; error: string };

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const operator = { kind: 'user', id: 'test' } as const;

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let httpServer: Server;
let realtime: Realtime;
let url: string;
const clients: Client[] = [];

async function client(): Promise<Client> {
  const socket: Client = connect(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  clients.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** The socket without the protocol's types, to send what a typed client could not. */
const untyped = (socket: Client): Socket => socket;

const watch = (socket: Client, input: unknown): Promise<WatchAck> =>
  socket.timeout(5000).emitWithAck('run.watch', input) as Promise<WatchAck>;

function nextMessage<E extends keyof ServerToClientEvents>(
  socket: Client,
  event: E,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 5s`)), 5000);
    socket.once(event, ((message: Parameters<ServerToClientEvents[E]>[0]) => {
      clearTimeout(timer);
      resolve(message);
    }) as never);
  });
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fake next event of a run, as the worker would publish it after committing. */
function fakeEvent(runId: string, seq: number): RunEvent {
  return {
    runId,
    seq,
    at: new Date().toISOString(),
    version: 1,
    agentId: null,
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: null,
    type: 'run.failed',
    payload: { error: 'synthetic' },
  };
}

beforeAll(async () => {
  database = await createMigratedTestDatabase('web_realtime');
  prefix = uniqueRedisPrefix('web-realtime');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-web-')),
  });
  await ensureDemoTeams(engine);
  httpServer = createServer((_req, res) => res.writeHead(404).end());
  realtime = attachRealtime({
    httpServer,
    engine,
    subscriber: createRedis(redisUrl(), 'test-subscriber'),
    logger: quiet,
    // Access control has its own tests (realtime-access.int.test.ts): here everyone is an admin.
    authenticate: () =>
      Promise.resolve({ actor: { kind: 'user', id: 'test' }, roles: ['admin'], teams: 'all' }),
    allowedOrigins: [],
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

afterAll(async () => {
  await realtime?.close();
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
});

describe('run.watch', () => {
  it('answers malformed messages with an error and changes nothing', async () => {
    const socket = await client();
    for (const input of [
      undefined,
      null,
      'x',
      42,
      {},
      { runId: 'not-a-uuid', afterSeq: 0 },
      { runId: crypto.randomUUID(), afterSeq: -1 },
      { runId: crypto.randomUUID(), afterSeq: 0, extra: true },
    ]) {
      const ack = await watch(socket, input);
      expect(ack.ok).toBe(false);
    }
    expect(realtime.subscriptions.active).toBe(0);
    // A message with no ack callback is ignored, not a crash.
    untyped(socket).emit('run.watch', { runId: 'nope' });
    const unwatch = (await socket.timeout(5000).emitWithAck('run.unwatch', { runId: 5 })) as {
      ok: boolean;
    };
    expect(unwatch.ok).toBe(false);
    expect(socket.connected).toBe(true);
  });

  it('refuses an unknown run', async () => {
    const socket = await client();
    expect(await watch(socket, { runId: crypto.randomUUID(), afterSeq: 0 })).toEqual({
      ok: false,
      error: 'no such run',
    });
    expect(realtime.subscriptions.active).toBe(0);
  });

  it('fills the gap from the log, then relays live events to every watcher, and unsubscribes after the last', async () => {
    const { runId } = await spawnRun(engine, {
      teamSlug: 'demo-research',
      goal: 'watch me',
      by: operator,
    });
    const committed = await readRunEvents(engine, { runId, afterSeq: 0, limit: 100 });
    const a = await client();
    const b = await client();

    const all = await watch(a, { runId, afterSeq: 0 });
    expect(all.ok && all.events.map((e) => e.seq)).toEqual(committed.map((e) => e.seq));
    expect(all.ok && all.lastSeq).toBe(committed.length);
    const tail = await watch(b, { runId, afterSeq: 1 });
    expect(tail.ok && tail.events.map((e) => e.seq)).toEqual(committed.slice(1).map((e) => e.seq));

    // Two sockets, one run: one Redis subscription.
    expect(realtime.subscriptions.active).toBe(1);
    expect(realtime.subscriptions.isSubscribed(runChannel(runId))).toBe(true);
    // Watching again (a re-fill after a gap) does not take a second reference.
    await watch(a, { runId, afterSeq: committed.length });

    const next = fakeEvent(runId, committed.length + 1);
    const atA = nextMessage(a, 'run.events');
    const atB = nextMessage(b, 'run.events');
    await publishRunEvents(engine.redis, runId, [next]);
    for (const message of await Promise.all([atA, atB])) {
      expect(RunEventsMessage.parse(message)).toEqual({ runId, events: [next] });
    }

    await a.timeout(5000).emitWithAck('run.unwatch', { runId });
    expect(realtime.subscriptions.isSubscribed(runChannel(runId))).toBe(true);
    b.disconnect();
    await eventually(
      () => !realtime.subscriptions.isSubscribed(runChannel(runId)),
      'the last watcher to release the channel',
    );
    expect(realtime.subscriptions.active).toBe(0);
  });

  it('caps a gap-fill at WATCH_GAP_FILL_LIMIT and reports the lastSeq to continue from', async () => {
    const { runId } = await spawnRun(engine, {
      teamSlug: 'demo-research',
      goal: 'short',
      by: operator,
    });
    const socket = await client();
    const ack = await watch(socket, { runId, afterSeq: 0 });
    expect(ack.ok && ack.events.length).toBeLessThanOrEqual(WATCH_GAP_FILL_LIMIT);
    expect(ack.ok && ack.lastSeq).toBe((await getRun(engine, { runId }))?.lastSeq);
  });

  it('does not relay other runs\u2019 events', async () => {
    const { runId } = await spawnRun(engine, {
      teamSlug: 'demo-research',
      goal: 'mine',
      by: operator,
    });
    const { runId: other } = await spawnRun(engine, {
      teamSlug: 'demo-research',
      goal: 'theirs',
      by: operator,
    });
    const socket = await client();
    await watch(socket, { runId, afterSeq: 0 });
    const received: unknown[] = [];
    socket.on('run.events', (m) => received.push(m));
    await publishRunEvents(engine.redis, other, [fakeEvent(other, 3)]);
    const mine = nextMessage(socket, 'run.events');
    await publishRunEvents(engine.redis, runId, [fakeEvent(runId, 3)]);
    expect((await mine).runId).toBe(runId);
    expect(received.every((m) => (m as { runId: string }).runId === runId)).toBe(true);
  });
});

describe('fleet.watch', () => {
  it('relays run summaries to the fleet room', async () => {
    const socket = await client();
    expect(await socket.timeout(5000).emitWithAck('fleet.watch', {})).toEqual({ ok: true });
    expect(
      (await socket.timeout(5000).emitWithAck('fleet.watch', { junk: 1 })) as { ok: boolean },
    ).toMatchObject({ ok: false });
    const { runId } = await spawnRun(engine, {
      teamSlug: 'demo-research',
      goal: 'fleet',
      by: operator,
    });
    const summary = (await getRun(engine, { runId })) as RunSummary;
    const received = new Promise<RunSummary>((resolve) => {
      socket.on('fleet.run', (m) => {
        if (m.id === runId) resolve(m);
      });
    });
    await publishFleetRun(engine.redis, summary);
    expect(await received).toEqual(summary);
  });
});

describe('limits', () => {
  it('drops a client that sends an oversized message and keeps serving others', async () => {
    const big = await client();
    const closed = new Promise<void>((resolve) => big.once('disconnect', () => resolve()));
    untyped(big).emit('run.watch', { runId: 'x'.repeat(64 * 1024), afterSeq: 0 });
    await closed;
    const fine = await client();
    expect(await watch(fine, { runId: crypto.randomUUID(), afterSeq: 0 })).toEqual({
      ok: false,
      error: 'no such run',
    });
  });
});
