import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRun, RESEARCH_SOURCE } from '@flightdeck/db/test/fixtures';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { can, type Principal, Role } from '@flightdeck/domain';
import {
  type Auth,
  completeSetup,
  createApiToken,
  createAuth,
  createEngine,
  createRedis,
  createSetupTokenIfNoAdmin,
  type Engine,
  ensureDemoTeams,
  getTeam,
  resolvePrincipal,
  revokeApiToken,
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
import { SOCKET_EVENT_PERMISSIONS, SOCKET_MESSAGE_LIMIT } from './access';
import { attachRealtime, type Logger, type Realtime } from './server';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const PASSWORD = 'correct horse battery staple';
const RECHECK_MS = 300;

let database: TestDatabase;
let engine: Engine;
let auth: Auth;
let prefix: string;
let httpServer: Server;
let realtime: Realtime;
let url: string;
let admin: Principal;
let demoRunId: string;
let otherRunId: string;
let demoTeamId: string;
const clients: Socket[] = [];

beforeAll(async () => {
  database = await createMigratedTestDatabase('web_realtime_access');
  prefix = uniqueRedisPrefix('web-realtime-access');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-web-access-')),
  });
  await ensureDemoTeams(engine);
  httpServer = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  auth = createAuth({
    db: engine.db,
    secret: 'realtime-test-secret-realtime-test-secret',
    baseURL: url,
    trustedOrigins: [url],
    secureCookies: false,
  });
  realtime = attachRealtime({
    httpServer,
    engine,
    subscriber: createRedis(redisUrl(), 'test-subscriber'),
    logger: quiet,
    authenticate: (headers) => resolvePrincipal(engine, auth, headers),
    allowedOrigins: [url],
    recheckIntervalMs: RECHECK_MS,
  });

  const setup = await createSetupTokenIfNoAdmin(engine);
  await completeSetup(engine, {
    token: setup!,
    name: 'Ada',
    email: 'ada@example.test',
    password: PASSWORD,
  });
  admin = { actor: { kind: 'user', id: 'ada@example.test' }, roles: ['admin'], teams: 'all' };
  demoTeamId = (await getTeam(engine, { slug: 'demo-research' }))!.id;
  demoRunId = (await spawnRun(engine, { teamSlug: 'demo-research', goal: 'g', by: admin.actor }))
    .runId;
  otherRunId = (await createRun(engine.db, RESEARCH_SOURCE)).id;
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

async function tokenFor(roles: Role[], teams: 'all' | string[] = 'all'): Promise<string> {
  const { secret } = await createApiToken(engine, {
    name: roles.join('+'),
    roles,
    teams,
    by: admin,
  });
  return secret;
}

function open(options: { token?: string; cookie?: string; origin?: string }): Socket {
  const extraHeaders: Record<string, string> = {};
  if (options.cookie) extraHeaders.cookie = options.cookie;
  if (options.origin) extraHeaders.origin = options.origin;
  const socket = connect(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders,
    auth: options.token ? { token: options.token } : {},
  });
  clients.push(socket);
  return socket;
}

/** 'connected', or the handshake's error message. */
function connected(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

type AckResult = { ok: boolean; error?: string };
const send = (socket: Socket, event: string, input: unknown) =>
  socket.timeout(5000).emitWithAck(event, input) as Promise<AckResult>;

describe('socket handshake', () => {
  it('refuses a socket with no session or token, or a bad one', async () => {
    expect(await connected(open({}))).toBe('unauthorized');
    expect(await connected(open({ token: 'fdt_forged' }))).toBe('unauthorized');
  });

  it('refuses a page of a foreign origin, even with a valid token', async () => {
    const token = await tokenFor(['admin']);
    expect(await connected(open({ token, origin: 'http://evil.example' }))).not.toBe('connected');
    expect(await connected(open({ token, origin: url }))).toBe('connected');
  });

  it('accepts a signed-in browser session (cookie) and cuts it within the re-check after sign-out', async () => {
    const response = await auth.api.signInEmail({
      body: { email: 'ada@example.test', password: PASSWORD },
      asResponse: true,
    });
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';', 1)[0])
      .join('; ');
    const socket = open({ cookie, origin: url });
    expect(await connected(socket)).toBe('connected');
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await auth.api.signOut({ headers: new Headers({ cookie }) });
    const started = Date.now();
    expect(await gone).toBe('io server disconnect');
    expect(Date.now() - started).toBeLessThan(RECHECK_MS * 3 + 1000);
  });

  it('cuts a socket whose API token is revoked', async () => {
    const { token, secret } = await createApiToken(engine, {
      name: 'revoke me',
      roles: ['viewer'],
      teams: 'all',
      by: admin,
    });
    const socket = open({ token: secret });
    expect(await connected(socket)).toBe('connected');
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await revokeApiToken(engine, { id: token.id, by: admin });
    expect(await gone).toBe('io server disconnect');
    expect(await connected(open({ token: secret }))).toBe('unauthorized');
  });
});

describe('socket events against the declared permissions', () => {
  const inputs = (): Record<string, unknown> => ({
    'run.watch': { runId: demoRunId, afterSeq: 0 },
    'run.unwatch': { runId: demoRunId },
    'fleet.watch': {},
  });

  it('declares every event the server handles', async () => {
    const socket = open({ token: await tokenFor(['viewer']) });
    expect(await connected(socket)).toBe('connected');
    const serverSocket = [...realtime.io.sockets.sockets.values()].at(-1)!;
    const handled = serverSocket
      .eventNames()
      .map(String)
      .filter((e) => !['disconnect', 'disconnecting', 'error'].includes(e));
    expect(handled.sort()).toEqual(Object.keys(SOCKET_EVENT_PERMISSIONS).sort());
  });

  it('holds for each role: 0 mismatches', async () => {
    const mismatches: string[] = [];
    for (const role of Role.options) {
      const socket = open({ token: await tokenFor([role]) });
      expect(await connected(socket)).toBe('connected');
      for (const [event, permission] of Object.entries(SOCKET_EVENT_PERMISSIONS)) {
        const expected = can({ actor: admin.actor, roles: [role], teams: 'all' }, permission);
        const result = await send(socket, event, inputs()[event]);
        if (result.ok !== expected)
          mismatches.push(
            `${event} as ${role}: expected ${expected}, got ${JSON.stringify(result)}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("refuses to join the room of another team's run", async () => {
    const socket = open({ token: await tokenFor(['viewer'], [demoTeamId]) });
    expect(await connected(socket)).toBe('connected');
    expect(await send(socket, 'run.watch', { runId: otherRunId, afterSeq: 0 })).toEqual({
      ok: false,
      error: 'no such run',
    });
    expect((await send(socket, 'run.watch', { runId: demoRunId, afterSeq: 0 })).ok).toBe(true);
  });

  it('rate-limits messages, then cuts a flooding socket', async () => {
    const socket = open({ token: await tokenFor(['viewer']) });
    expect(await connected(socket)).toBe('connected');
    const results = await Promise.all(
      Array.from({ length: SOCKET_MESSAGE_LIMIT.limit + 5 }, () => send(socket, 'fleet.watch', {})),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(SOCKET_MESSAGE_LIMIT.limit);
    expect(results.filter((r) => r.error === 'rate limited: slow down')).toHaveLength(5);
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    for (let i = 0; i < SOCKET_MESSAGE_LIMIT.disconnectAfter; i += 1)
      socket.emit('fleet.watch', {}, () => undefined);
    expect(await gone).toBe('io server disconnect');
  });
});
