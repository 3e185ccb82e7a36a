import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import type { McpServer, ToolGrant } from '@flightdeck/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessRunning } from '../process-group';
import type { Tool, ToolContext } from '../types';
import { grantNameFor } from './mcp-tool';
import { type McpSession, McpToolHost } from './tool-host';

/**
 * The echo server is TypeScript, run by this very Node with tsx's loader
 * given as an absolute URL, so it neither depends on PATH nor on the cwd the
 * server gets (a temporary workspace).
 */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const echoServerPath = fileURLToPath(new URL('./test/echo-server.ts', import.meta.url));
const CANARY = 'FLIGHTDECK_TEST_CANARY';

function echoServer(env: Record<string, string> = {}): McpServer {
  return {
    command: process.execPath,
    args: ['--import', tsxLoader, echoServerPath],
    env,
    idempotentTools: ['echo', 'add'],
  };
}

const host = new McpToolHost({ killGraceMs: 200, exitGraceMs: 200 });
const never = new AbortController().signal;
const workspace = tmpdir();
const ctx = (grant: ToolGrant, signal = never): ToolContext => ({ workspace, signal, grant });
const byName = (session: McpSession, name: string): Tool => {
  const tool = session.tools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool;
};

async function gone(pid: number, withinMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!(await isProcessRunning(pid))) return true;
    await delay(20);
  }
  return false;
}

describe('McpToolHost with the echo server', () => {
  let session: McpSession;
  const grant: ToolGrant = { name: 'mcp.echo' };

  beforeAll(async () => {
    process.env[CANARY] = 'secret-canary-value';
    session = await host.open({ echo: echoServer({ ECHO_GREETING: 'hello' }) }, [grant], never, {
      cwd: workspace,
    });
  });

  afterAll(async () => {
    delete process.env[CANARY];
    await session.close();
  });

  it('lists the server’s tools as mcp.<server>.<tool>, idempotent as declared', () => {
    expect(session.problems).toEqual([]);
    expect(session.tools.map((t) => [t.name, t.idempotent])).toEqual([
      ['mcp.echo.echo', true],
      ['mcp.echo.add', true],
      ['mcp.echo.sleep', false],
      ['mcp.echo.env', false],
    ]);
  });

  it('shows the model the server’s input schema and validates arguments against it', () => {
    const echo = byName(session, 'mcp.echo.echo');
    expect(echo.description).toBe('Echo the text back.');
    expect(echo.args.toJSONSchema()).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string', description: 'what to echo' } },
      required: ['text'],
    });
    expect(echo.args.safeParse({ text: 'hi' }).success).toBe(true);
    expect(echo.args.safeParse({}).success).toBe(false);
    expect(byName(session, 'mcp.echo.add').args.safeParse({ a: 1, b: 'two' }).success).toBe(false);
  });

  it('calls tools', async () => {
    expect(await byName(session, 'mcp.echo.echo').run({ text: 'hi there' }, ctx(grant))).toEqual({
      ok: true,
      output: 'hi there',
    });
    expect(await byName(session, 'mcp.echo.add').run({ a: 2, b: 3 }, ctx(grant))).toEqual({
      ok: true,
      output: '5',
    });
  });

  it('reports a server-side validation error as a failed call', async () => {
    const result = await byName(session, 'mcp.echo.add').run({ a: 2 }, ctx(grant));
    expect(result.ok).toBe(false);
  });

  it('gives the server only its declared environment and PATH: nothing of the worker', async () => {
    const result = await byName(session, 'mcp.echo.env').run({}, ctx(grant));
    expect(result).toEqual({ ok: true, output: 'ECHO_GREETING\nPATH' });
  });

  it('refuses at call time when the grant passed in does not cover the tool', async () => {
    const echo = byName(session, 'mcp.echo.echo');
    expect(await echo.run({ text: 'x' }, ctx({ name: 'mcp.other' }))).toEqual({
      ok: false,
      output: 'refused: mcp.echo.echo is not granted to this agent',
    });
    expect(await echo.run({ text: 'x' }, ctx({ name: 'mcp.echo', tools: ['add'] }))).toMatchObject({
      ok: false,
    });
    expect(
      await echo.run(
        { text: 'x' },
        ctx({ name: 'shell', commands: ['*'], timeoutMs: 1000, maxOutputBytes: 1024 }),
      ),
    ).toMatchObject({ ok: false });
  });

  it('aborts a call in flight with the run’s signal', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = byName(session, 'mcp.echo.sleep').run(
      { ms: 10_000 },
      ctx(grant, controller.signal),
    );
    setTimeout(() => controller.abort(), 100);
    expect(await running).toEqual({ ok: false, output: 'aborted' });
    expect(Date.now() - started).toBeLessThan(2_000);
    // The server is still usable afterwards.
    expect(await byName(session, 'mcp.echo.echo').run({ text: 'still here' }, ctx(grant))).toEqual({
      ok: true,
      output: 'still here',
    });
  });
});

describe('McpToolHost: grants and lifecycle', () => {
  it('exposes only the tools the grant lists, and reports granted tools the server lacks', async () => {
    const session = await host.open(
      { echo: echoServer() },
      [{ name: 'mcp.echo', tools: ['echo', 'nope'] }],
      never,
    );
    try {
      expect(session.tools.map((t) => t.name)).toEqual(['mcp.echo.echo']);
      expect(session.problems).toEqual([
        'mcp.echo grants tool "nope", which the server does not offer',
      ]);
    } finally {
      await session.close();
    }
  });

  it('starts only granted servers, and reports undeclared and failing ones without throwing', async () => {
    const servers = {
      broken: { command: 'no-such-mcp-server-xyz', args: [], env: {}, idempotentTools: [] },
      ungranted: { command: 'no-such-command-either', args: [], env: {}, idempotentTools: [] },
    };
    const session = await host.open(
      servers,
      [{ name: 'mcp.broken' }, { name: 'mcp.ghost' }, { name: 'fs.read', paths: ['**'] }],
      never,
    );
    expect(session.tools).toEqual([]);
    expect(session.problems.sort()).toEqual([
      'MCP server "broken" could not be started: ENOENT',
      'mcp.ghost is granted but no MCP server "ghost" is declared',
    ]);
    await session.close();
  });

  it('close() stops the server and everything it forked, and only then resolves', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fd-mcp-'));
    const pidFile = path.join(dir, 'pids');
    const session = await host.open(
      { echo: echoServer({ ECHO_SERVER_PIDFILE: pidFile }) },
      [{ name: 'mcp.echo' }],
      never,
    );
    const [server, grandchild] = (await readFile(pidFile, 'utf8')).split(' ').map(Number) as [
      number,
      number,
    ];
    expect(await isProcessRunning(server)).toBe(true);
    expect(await isProcessRunning(grandchild)).toBe(true);

    await session.close();
    expect(await isProcessRunning(server)).toBe(false);
    expect(await isProcessRunning(grandchild)).toBe(false);
    await session.close(); // idempotent
  });

  it('aborting the run’s signal stops the servers without waiting for close()', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fd-mcp-'));
    const pidFile = path.join(dir, 'pids');
    const controller = new AbortController();
    const session = await host.open(
      { echo: echoServer({ ECHO_SERVER_PIDFILE: pidFile }) },
      [{ name: 'mcp.echo' }],
      controller.signal,
    );
    const [server, grandchild] = (await readFile(pidFile, 'utf8')).split(' ').map(Number) as [
      number,
      number,
    ];
    controller.abort();
    expect(await gone(server)).toBe(true);
    expect(await gone(grandchild)).toBe(true);
    expect(
      await byName(session, 'mcp.echo.echo').run({ text: 'x' }, ctx({ name: 'mcp.echo' })),
    ).toMatchObject({ ok: false });
    await session.close();
  });
});

describe('grantNameFor', () => {
  it('maps an MCP tool to its server grant and leaves other tools alone', () => {
    expect(grantNameFor('mcp.github.create_issue')).toBe('mcp.github');
    expect(grantNameFor('mcp.fs.read.file')).toBe('mcp.fs');
    expect(grantNameFor('fs.read')).toBe('fs.read');
    expect(grantNameFor('shell')).toBe('shell');
  });
});
