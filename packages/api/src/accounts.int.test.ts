import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRun, RESEARCH_SOURCE } from '@flightdeck/db/test/fixtures';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import type { Principal } from '@flightdeck/domain';
import {
  type Auth,
  createAuth,
  createEngine,
  createSetupTokenIfNoAdmin,
  type Engine,
  ensureDemoTeams,
  getTeam,
  resolvePrincipal,
} from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFor, createCaller, createContext } from './index';
import { appRouter } from './routers/_app';

let database: TestDatabase;
let engine: Engine;
let auth: Auth;
let prefix: string;
const BASE = 'http://127.0.0.1:3999';
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  database = await createMigratedTestDatabase('api_accounts');
  prefix = uniqueRedisPrefix('api-accounts');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-api-accounts-')),
  });
  await ensureDemoTeams(engine);
  auth = createAuth({
    db: engine.db,
    secret: 'test-secret-test-secret-test-secret-123',
    baseURL: BASE,
    trustedOrigins: [BASE],
    secureCookies: false,
  });
});

afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
});

const anonymous = () => createCaller(contextFor(engine, null));
const as = (viewer: Principal) => createCaller(contextFor(engine, viewer));

async function failure(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Signs in through Better Auth and returns the request headers of that browser. */
async function signIn(email: string, password = PASSWORD): Promise<Headers> {
  const response = await auth.api.signInEmail({ body: { email, password }, asResponse: true });
  expect(response.status).toBe(200);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';', 1)[0])
    .join('; ');
  return new Headers({ cookie });
}

async function principalOf(headers: Headers): Promise<Principal> {
  const principal = await resolvePrincipal(engine, auth, headers);
  if (!principal) throw new Error('not signed in');
  return principal;
}

/** One tRPC call over the fetch adapter, as the web server makes it. */
async function http(procedure: string, headers: Headers, input?: unknown) {
  const response = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req: new Request(`${BASE}/api/trpc/${procedure}`, {
      method: input === undefined ? 'GET' : 'POST',
      headers: { ...Object.fromEntries(headers), 'content-type': 'application/json' },
      body: input === undefined ? undefined : JSON.stringify(input),
    }),
    router: appRouter,
    createContext: ({ req }) =>
      createContext({
        engine,
        headers: req.headers,
        authenticate: (h) => resolvePrincipal(engine, auth, h),
      }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

let admin: Principal;
let adminHeaders: Headers;

describe('accounts', () => {
  it('creates the first admin with the one-time setup link, and only once', async () => {
    const token = await createSetupTokenIfNoAdmin(engine);
    expect(token).toMatch(/^fds_/);
    expect(await anonymous().account.setupStatus({ token: token! })).toEqual({ valid: true });
    await anonymous().account.setup({
      token: token!,
      name: 'Ada',
      email: 'Ada@Example.test',
      password: PASSWORD,
    });
    // The link is spent, and no new one is made while an admin exists.
    expect(await anonymous().account.setupStatus({ token: token! })).toEqual({ valid: false });
    expect(await createSetupTokenIfNoAdmin(engine)).toBeNull();
    const again = await failure(
      anonymous().account.setup({
        token: token!,
        name: 'Eve',
        email: 'eve@example.test',
        password: PASSWORD,
      }),
    );
    expect(again.code).toBe('FORBIDDEN');

    adminHeaders = await signIn('ada@example.test');
    admin = await principalOf(adminHeaders);
    expect(admin).toEqual({
      actor: { kind: 'user', id: 'ada@example.test' },
      roles: ['admin'],
      teams: 'all',
    });
  });

  it('refuses weak passwords and a wrong password', async () => {
    const token = 'fds_' + 'a'.repeat(43);
    const weak = await failure(
      anonymous().account.setup({ token, name: 'X', email: 'x@example.test', password: 'short' }),
    );
    expect(weak.code).toBe('BAD_REQUEST');
    const response = await auth.api.signInEmail({
      body: { email: 'ada@example.test', password: 'not the password' },
      asResponse: true,
    });
    expect(response.status).toBe(401);
  });

  it('invites an approver, who signs in with exactly the invited roles', async () => {
    const invite = await as(admin).users.invite({
      email: 'apu@example.test',
      roles: ['approver'],
      teams: 'all',
    });
    expect(await anonymous().account.invitation({ token: invite.token })).toEqual({
      email: 'apu@example.test',
      roles: ['approver'],
    });
    await anonymous().account.acceptInvite({
      token: invite.token,
      name: 'Apu',
      password: PASSWORD,
    });
    expect(await anonymous().account.invitation({ token: invite.token })).toBeNull();
    const approver = await principalOf(await signIn('apu@example.test'));
    expect(approver.roles).toEqual(['approver']);
    expect((await as(admin).users.list()).map((u) => u.email)).toEqual([
      'ada@example.test',
      'apu@example.test',
    ]);
  });

  it('ignores a client-declared role: in headers, and in input', async () => {
    const headers = await signIn('apu@example.test');
    headers.set('x-flightdeck-role', 'admin');
    headers.set('x-role', 'admin');
    expect((await principalOf(headers)).roles).toEqual(['approver']);
    const listed = await http('users.list', headers);
    expect(listed.status).toBe(403);
    const spawn = await http('runs.spawn', headers, {
      teamSlug: 'demo-research',
      goal: 'g',
      role: 'admin',
    });
    expect([400, 403]).toContain(spawn.status);
    const me = await http('account.me', headers);
    expect(me.body).toMatchObject({ result: { data: { roles: ['approver'] } } });
  });

  it('signs a removed user out at once', async () => {
    const invite = await as(admin).users.invite({
      email: 'gone@example.test',
      roles: ['viewer'],
      teams: 'all',
    });
    await anonymous().account.acceptInvite({
      token: invite.token,
      name: 'Gone',
      password: PASSWORD,
    });
    const headers = await signIn('gone@example.test');
    expect(await resolvePrincipal(engine, auth, headers)).not.toBeNull();
    const user = (await as(admin).users.list()).find((u) => u.email === 'gone@example.test');
    await as(admin).users.remove({ userId: user!.id });
    expect(await resolvePrincipal(engine, auth, headers)).toBeNull();
    expect((await http('teams.list', headers)).status).toBe(401);
  });

  it('deactivates a user (signed out at once, refused at sign-in) and reactivates them, on the audit trail', async () => {
    const invite = await as(admin).users.invite({
      email: 'paused@example.test',
      roles: ['viewer'],
      teams: 'all',
    });
    await anonymous().account.acceptInvite({ token: invite.token, name: 'P', password: PASSWORD });
    const headers = await signIn('paused@example.test');
    const user = (await as(admin).users.list()).find((u) => u.email === 'paused@example.test');
    expect(user?.deactivatedAt).toBeNull();

    await as(admin).users.deactivate({ userId: user!.id });
    expect((await http('teams.list', headers)).status).toBe(401);
    const refused = await auth.api.signInEmail({
      body: { email: 'paused@example.test', password: PASSWORD },
      asResponse: true,
    });
    expect(refused.status).toBe(403);
    const listed = (await as(admin).users.list()).find((u) => u.id === user!.id);
    expect(listed?.deactivatedAt).toMatch(/^\d{4}-/);

    await as(admin).users.reactivate({ userId: user!.id });
    await signIn('paused@example.test');
    const trail = await as(admin).audit.list({ kind: 'accounts', limit: 2 });
    expect(trail.entries.map((e) => [e.action, e.target.userId])).toEqual([
      ['user.reactivated', user!.id],
      ['user.deactivated', user!.id],
    ]);
    const signIns = await as(admin).audit.list({ kind: 'sign-ins', limit: 3 });
    expect(signIns.entries.map((e) => e.action)).toEqual([
      'account.signed_in',
      'account.sign_in_failed',
      'account.signed_in',
    ]);
  });

  it('keeps at least one admin', async () => {
    const self = (await as(admin).users.list()).find((u) => u.email === 'ada@example.test');
    const demote = await failure(
      as(admin).users.update({ userId: self!.id, roles: ['viewer'], teams: 'all' }),
    );
    expect(demote.code).toBe('CONFLICT');
  });
});

describe('API tokens', () => {
  it('work as Bearer tokens with their roles, and stop at once when revoked', async () => {
    const created = await as(admin).tokens.create({
      name: 'ci',
      roles: ['viewer'],
      teams: 'all',
    });
    expect(created.secret).toMatch(/^fdt_/);
    const bearer = new Headers({ authorization: `Bearer ${created.secret}` });
    expect((await http('teams.list', bearer)).status).toBe(200);
    expect(
      (await http('runs.spawn', bearer, { teamSlug: 'demo-research', goal: 'g' })).status,
    ).toBe(403);
    // Stored hashed: the secret is nowhere in the table.
    const rows = await engine.db.pool.query<{ token_hash: string }>(
      'SELECT token_hash FROM api_tokens',
    );
    expect(rows.rows.map((r) => r.token_hash).join()).not.toContain(created.secret.slice(4));

    await as(admin).tokens.revoke({ id: created.id });
    expect((await http('teams.list', bearer)).status).toBe(401);
    expect((await as(admin).tokens.list())[0]?.revokedAt).not.toBeNull();
  });

  it('refuse an unknown or malformed token, even with a valid session cookie', async () => {
    const headers = new Headers(adminHeaders);
    headers.set('authorization', 'Bearer fdt_not-a-real-token');
    expect(await resolvePrincipal(engine, auth, headers)).toBeNull();
  });
});

describe('team scoping', () => {
  it("refuses another team's ids and lists only the principal's teams", async () => {
    const research = await createRun(engine.db, RESEARCH_SOURCE);
    const demo = await getTeam(engine, { slug: 'demo-research' });
    const scoped = await as(admin).tokens.create({
      name: 'demo only',
      roles: ['operator'],
      teams: [demo!.id],
    });
    const headers = new Headers({ authorization: `Bearer ${scoped.secret}` });
    const viewer = await principalOf(headers);
    expect(viewer.teams).toEqual([demo!.id]);

    const get = await failure(as(viewer).runs.get({ runId: research.id }));
    expect(get.code).toBe('FORBIDDEN');
    const kill = await failure(as(viewer).runs.kill({ runId: research.id, reason: 'x' }));
    expect(kill.code).toBe('FORBIDDEN');
    const team = await failure(as(viewer).teams.get({ slug: 'research' }));
    expect(team.code).toBe('FORBIDDEN');
    const costs = await failure(as(viewer).costs.summary({ teamSlug: 'research' }));
    expect(costs.code).toBe('FORBIDDEN');

    expect((await as(viewer).runs.list({})).map((r) => r.id)).not.toContain(research.id);
    expect((await as(admin).runs.list({})).map((r) => r.id)).toContain(research.id);
    expect((await as(viewer).teams.list()).map((t) => t.slug)).toEqual(['demo-research']);
  });
});
