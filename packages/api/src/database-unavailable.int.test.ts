import { createServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEngine, type Engine } from '@flightdeck/engine';
import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFor, createContext, LOCAL_OPERATOR } from './index';
import { appRouter } from './routers/_app';

/** The API of an engine whose PostgreSQL is down (nothing listens on its port). */
let engine: Engine;

beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const port = typeof address === 'object' && address ? address.port : 1;
  engine = await createEngine({
    databaseUrl: `postgresql://postgres@127.0.0.1:${port}/flightdeck`,
    redisUrl: redisUrl(),
    queuePrefix: uniqueRedisPrefix('api-db-down'),
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-api-db-down-')),
  });
});
afterAll(() => engine?.close());

async function call(
  procedure: string,
  input: unknown,
  options: { mutation?: boolean; signedIn?: boolean } = {},
): Promise<{ status: number; body: string }> {
  const url = `http://test/api/trpc/${procedure}`;
  const req = options.mutation
    ? new Request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      })
    : new Request(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`);
  const response = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: ({ req: request }) =>
      options.signedIn
        ? contextFor(engine, LOCAL_OPERATOR)
        : // Who is calling is looked up in the database, like the web server's bearer tokens.
          createContext({
            engine,
            headers: request.headers,
            authenticate: async () => {
              await engine.db.prisma.apiToken.findFirst();
              return LOCAL_OPERATOR;
            },
          }),
  });
  return { status: response.status, body: await response.text() };
}

describe('the API while PostgreSQL is down', () => {
  it('answers 503 when the caller cannot be looked up', async () => {
    const { status, body } = await call('runs.list', {});
    expect(status).toBe(503);
    expect(body).toContain('The database is unavailable');
    expect(body).not.toContain('127.0.0.1');
  });

  it('answers 503 to queries and mutations of a known caller', async () => {
    expect((await call('runs.list', {}, { signedIn: true })).status).toBe(503);
    expect(
      (
        await call(
          'runs.spawn',
          { teamSlug: 'demo-research', goal: 'x' },
          { mutation: true, signedIn: true },
        )
      ).status,
    ).toBe(503);
  });
});
