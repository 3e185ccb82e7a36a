import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ShellGrant } from '@flightdeck/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessRunning } from './process-group';
import { createShellTool, SAFE_PATH, shell } from './shell';

let workspace: string;
const never = new AbortController().signal;
const CANARY = 'FLIGHTDECK_TEST_CANARY';

function grant(commands: string[], scope: Partial<ShellGrant> = {}): ShellGrant {
  return { name: 'shell', commands, timeoutMs: 10_000, maxOutputBytes: 64 * 1024, ...scope };
}

async function waitForFile(file: string, withinMs = 5_000): Promise<string> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const text = existsSync(file) ? (await readFile(file, 'utf8')).trim() : '';
    if (text) return text;
    await delay(10);
  }
  throw new Error(`${path.basename(file)} was not written`);
}

/** Pids whose command line is exactly argv (found through /proc). */
async function pidsRunning(argv: string[]): Promise<number[]> {
  const wanted = `${argv.join('\0')}\0`;
  const pids: number[] = [];
  for (const name of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline === wanted && (await isProcessRunning(Number(name)))) pids.push(Number(name));
  }
  return pids;
}

/** A script an agent could have written with fs.write: it forks a sleeper meant to outlive it. */
const FORKING_SCRIPT = [
  'echo $$ > leader.pid',
  'sleep 300 &',
  'echo $! > grandchild.pid',
  'sleep 300',
  '',
].join('\n');

beforeEach(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'fd-shell-'));
  process.env[CANARY] = 'secret-canary-value';
});

afterEach(() => {
  delete process.env[CANARY];
});

describe('shell: what may run', () => {
  it('refuses a command line that matches no granted pattern, and runs nothing', async () => {
    const result = await shell.run(
      { command: 'touch pwned' },
      { workspace, signal: never, grant: grant(['git status', 'echo *']) },
    );
    expect(result).toEqual({
      ok: false,
      output: expect.stringContaining('does not match any command pattern'),
    });
    expect(existsSync(path.join(workspace, 'pwned'))).toBe(false);
  });

  it.each([
    'echo hi; touch pwned',
    'echo hi && touch pwned',
    'echo hi || touch pwned',
    'echo hi | touch pwned',
    'echo hi > pwned',
    'echo hi $(touch pwned)',
    'echo hi `touch pwned`',
    'echo hi\ntouch pwned',
    'echo "hi; touch pwned"',
    'echo hi & touch pwned',
  ])('refuses shell syntax even when the pattern would match: %j', async (command) => {
    const result = await shell.run(
      { command },
      { workspace, signal: never, grant: grant(['echo *']) },
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/^refused: .*(not available|backgrounding)/);
    expect(existsSync(path.join(workspace, 'pwned'))).toBe(false);
  });

  it('refuses when the grant is not a shell grant', async () => {
    const result = await shell.run(
      { command: 'echo hi' },
      { workspace, signal: never, grant: { name: 'fs.read', paths: ['**'] } },
    );
    expect(result).toEqual({
      ok: false,
      output: 'refused: the shell tool is not granted to this agent',
    });
  });

  it('runs argv directly: quotes group words, nothing is expanded', async () => {
    const result = await shell.run(
      { command: `echo "a  b" 'c' $HOME *` },
      { workspace, signal: never, grant: grant(['echo *']) },
    );
    expect(result).toEqual({ ok: true, output: '[exit code 0]\na  b c $HOME *\n' });
  });

  it('reports the exit code, and a missing command without host paths', async () => {
    expect(
      await shell.run({ command: 'false' }, { workspace, signal: never, grant: grant(['false']) }),
    ).toEqual({ ok: false, output: '[exit code 1]' });
    const missing = await shell.run(
      { command: 'no-such-command-xyz' },
      { workspace, signal: never, grant: grant(['no-such-*']) },
    );
    expect(missing).toEqual({ ok: false, output: 'command not found: no-such-command-xyz' });
    const noWorkspace = await shell.run(
      { command: 'true' },
      { workspace: path.join(workspace, 'gone'), signal: never, grant: grant(['true']) },
    );
    expect(noWorkspace).toEqual({ ok: false, output: 'the workspace does not exist' });
  });
});

describe('shell: the environment', () => {
  it('gives the command a scrubbed environment: no variable of the worker reaches it', async () => {
    const result = await shell.run(
      { command: 'env' },
      { workspace, signal: never, grant: grant(['env']) },
    );
    expect(result.ok).toBe(true);
    expect(result.output).not.toContain(CANARY);
    expect(result.output).not.toContain('secret-canary-value');
    const vars = result.output.split('\n').slice(1).filter(Boolean).sort();
    expect(vars).toEqual(
      ['HOME=' + workspace, 'LANG=C.UTF-8', 'PATH=' + SAFE_PATH, 'TERM=dumb'].sort(),
    );
  });

  it('runs in the workspace', async () => {
    const result = await shell.run(
      { command: 'pwd' },
      { workspace, signal: never, grant: grant(['pwd']) },
    );
    expect(result.output).toBe(`[exit code 0]\n${await realpath(workspace)}\n`);
  });
});

describe('shell: limits and the process group', () => {
  it('truncates output at the grant’s maxOutputBytes and says so', async () => {
    const result = await shell.run(
      { command: 'seq 1 100000' },
      { workspace, signal: never, grant: grant(['seq *'], { maxOutputBytes: 1024 }) },
    );
    expect(result.ok).toBe(true);
    expect(result.output).toMatch(
      /^\[exit code 0\]\n\[output truncated: the last \d+ bytes are not shown\]\n1\n2\n3\n/,
    );
    expect(result.output.length).toBeLessThan(1024 + 200);
  });

  it('on abort kills the whole group, grandchildren included, before resolving', async () => {
    await writeFile(path.join(workspace, 'fork.sh'), FORKING_SCRIPT);
    const controller = new AbortController();
    const running = shell.run(
      { command: 'sh fork.sh' },
      { workspace, signal: controller.signal, grant: grant(['sh *.sh']) },
    );
    const leader = Number(await waitForFile(path.join(workspace, 'leader.pid')));
    const grandchild = Number(await waitForFile(path.join(workspace, 'grandchild.pid')));
    expect(await isProcessRunning(grandchild)).toBe(true);

    controller.abort();
    const result = await running;
    expect(result).toEqual({
      ok: false,
      output: '[aborted: the command and its child processes were killed]',
    });
    expect(await isProcessRunning(leader)).toBe(false);
    expect(await isProcessRunning(grandchild)).toBe(false);
  });

  it.skipIf(process.platform !== 'linux')(
    'kills `sh -c "sleep & sleep"` completely on abort',
    async () => {
      const argv = ['sleep', '297.25'];
      const controller = new AbortController();
      const running = shell.run(
        { command: `sh -c "sleep 297.25 & sleep 297.25"` },
        { workspace, signal: controller.signal, grant: grant(['sh -c *']) },
      );
      const deadline = Date.now() + 5_000;
      while ((await pidsRunning(argv)).length < 2 && Date.now() < deadline) await delay(20);
      expect(await pidsRunning(argv)).toHaveLength(2);

      controller.abort();
      expect((await running).ok).toBe(false);
      expect(await pidsRunning(argv)).toEqual([]);
    },
  );

  it('on timeout kills the whole group', async () => {
    await writeFile(path.join(workspace, 'fork.sh'), FORKING_SCRIPT);
    const started = Date.now();
    const result = await shell.run(
      { command: 'sh fork.sh' },
      { workspace, signal: never, grant: grant(['sh *.sh'], { timeoutMs: 400 }) },
    );
    expect(result).toEqual({
      ok: false,
      output: '[timed out after 400 ms: the command and its child processes were killed]',
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(
      await isProcessRunning(Number(await waitForFile(path.join(workspace, 'grandchild.pid')))),
    ).toBe(false);
  });

  it('escalates to SIGKILL when the group ignores SIGTERM', async () => {
    await writeFile(
      path.join(workspace, 'stubborn.sh'),
      ["trap '' TERM", 'sleep 300 &', 'echo $! > grandchild.pid', 'sleep 300', ''].join('\n'),
    );
    const controller = new AbortController();
    const quickKill = createShellTool({ killGraceMs: 100 });
    const running = quickKill.run(
      { command: 'sh stubborn.sh' },
      { workspace, signal: controller.signal, grant: grant(['sh *.sh']) },
    );
    const grandchild = Number(await waitForFile(path.join(workspace, 'grandchild.pid')));
    controller.abort();
    expect((await running).output).toMatch(/aborted/);
    expect(await isProcessRunning(grandchild)).toBe(false);
  });

  it('stops what a finished command left running in the background', async () => {
    await writeFile(
      path.join(workspace, 'daemon.sh'),
      ['sleep 300 &', 'echo $! > grandchild.pid', 'echo started', ''].join('\n'),
    );
    const result = await shell.run(
      { command: 'sh daemon.sh' },
      { workspace, signal: never, grant: grant(['sh *.sh']) },
    );
    expect(result).toEqual({
      ok: true,
      output:
        '[exit code 0]\n[processes it left running in the background were stopped]\nstarted\n',
    });
    expect(
      await isProcessRunning(Number(await waitForFile(path.join(workspace, 'grandchild.pid')))),
    ).toBe(false);
  });

  it('does not start anything when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await shell.run(
      { command: 'touch pwned' },
      { workspace, signal: controller.signal, grant: grant(['touch *']) },
    );
    expect(result.ok).toBe(false);
    expect(existsSync(path.join(workspace, 'pwned'))).toBe(false);
  });
});
