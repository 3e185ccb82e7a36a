import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import {
  CLIENT_IP_HEADER,
  completeSetup,
  createAuth,
  createEngine,
  createSetupTokenIfNoAdmin,
  type Engine,
  listAudit,
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
    db: engine.db,
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

  it('audit sign-ins with the connection’s address, whatever address the client claims', async () => {
    const spoof = {
      [CLIENT_IP_HEADER]: '6.6.6.6',
      'x-forwarded-for': '7.7.7.7',
      'user-agent': 'e2e-agent/1.0',
    };
    expect((await signIn('ada@example.test', PASSWORD, spoof)).status).toBe(200);
    expect((await signIn('ada@example.test', 'not-the-password-at-all', spoof)).status).toBe(401);
    const [failed, signedIn] = (await listAudit(engine, { kind: 'sign-ins', limit: 2 })).entries;
    expect(signedIn).toMatchObject({
      action: 'account.signed_in',
      actor: { kind: 'user', id: 'ada@example.test' },
      detail: { ip: '127.0.0.1', userAgent: 'e2e-agent/1.0' },
    });
    expect(failed).toMatchObject({
      action: 'account.sign_in_failed',
      actor: { kind: 'anonymous', id: '127.0.0.1' },
      detail: { email: 'ada@example.test', reason: 'invalid_email_or_password', ip: '127.0.0.1' },
    });
    expect(JSON.stringify(failed)).not.toContain('not-the-password-at-all');
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
