import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import {
  completeSetup,
  createAuth,
  createEngine,
  createSetupTokenIfNoAdmin,
  type Engine,
} from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, sendJson } from '../http/body';
import { handleAuthRequest, SIGN_IN_LIMITS } from './auth-routes';

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let server: Server;
let url: string;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  database = await createMigratedTestDatabase('web_auth_routes');
  prefix = uniqueRedisPrefix('web-auth-routes');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-web-auth-')),
  });
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = createAuth({
    pool: engine.db.pool,
    secret: 'auth-routes-test-secret-auth-routes-test',
    baseURL: url,
    trustedOrigins: [url],
    secureCookies: false,
  });
  server.on('request', (req, res) => {
    const pathname = (req.url ?? '/').split('?', 1)[0] ?? '/';
    handleAuthRequest({
      req,
      res,
      pathname,
      auth,
      engine,
      origin: url,
      allowedOrigins: [url],
    }).catch((error: unknown) => {
      if (error instanceof HttpError)
        sendJson(res, error.status, { error: error.message }, error.headers);
      else sendJson(res, 500, { error: 'Internal error' });
    });
  });
  const token = await createSetupTokenIfNoAdmin(engine);
  await completeSetup(engine, {
    token: token!,
    name: 'Ada',
    email: 'ada@example.test',
    password: PASSWORD,
  });
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
});

const signIn = (email: string, password: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url, ...headers },
    body: JSON.stringify({ email, password }),
  });

describe('auth endpoints', () => {
  it('sign in with a HttpOnly, SameSite=Lax session cookie', async () => {
    const response = await signIn('ada@example.test', PASSWORD);
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/flightdeck\.session_token=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it('expose only sign-in, sign-out and get-session, JSON only', async () => {
    expect((await fetch(`${url}/api/auth/sign-up/email`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${url}/api/auth/sign-in/email`)).status).toBe(405);
    const form = await fetch(`${url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=ada@example.test&password=x',
    });
    expect(form.status).toBe(415);
  });

  it('refuse a foreign origin', async () => {
    const response = await signIn('ada@example.test', PASSWORD, { origin: 'http://evil.example' });
    expect(response.status).toBe(403);
  });

  it('limit sign-in attempts per email', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < SIGN_IN_LIMITS.perEmail.limit + 2; i += 1)
      statuses.push((await signIn('guess@example.test', `wrong-${i}-password`)).status);
    expect(statuses.slice(0, SIGN_IN_LIMITS.perEmail.limit).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(-2)).toEqual([429, 429]);
  });
});
