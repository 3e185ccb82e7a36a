import { spawn } from 'node:child_process';
import path from 'node:path';
import { EMPTY_WORKSPACE_TREE } from '@flightdeck/domain';

/**
 * Runs git for a workspace's history repository: no shell, a scrubbed
 * environment (no system or global config, no hooks, a fixed identity), so
 * nothing on the machine or in the workspace changes what a command does.
 */

/** git's id of the empty tree: the workspace before anything was written. */
export const EMPTY_TREE = EMPTY_WORKSPACE_TREE;

const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Options every command gets, whatever config a repository or workspace carries. */
const FIXED_CONFIG = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.autocrlf=false',
  'core.quotePath=false',
  'core.excludesFile=/dev/null',
  'core.symlinks=true',
  'gc.auto=0',
  'maintenance.auto=false',
  'advice.addEmbeddedRepo=false',
  'advice.detachedHead=false',
  'init.defaultBranch=main',
  'safe.directory=*',
].flatMap((c) => ['-c', c]);

export class GitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

export interface GitOptions {
  gitDir: string;
  workTree?: string;
  /** A private index file (each operation uses its own, so concurrent snapshots never meet). */
  index?: string;
  /** Working directory (defaults to the work tree, else the git dir). */
  cwd?: string;
  input?: string | Buffer;
  /** Stop reading stdout after this many bytes (the rest is dropped, `truncated` is set). */
  maxBytes?: number;
  /** Fixed author and committer time, `@<unix seconds> +0000`. */
  date?: string;
  /** Exit codes that are answers, not failures (e.g. 1 for `diff --quiet`). */
  okCodes?: readonly number[];
  /** For commands that take their repositories as arguments (clone): no `--git-dir`. */
  noGitDir?: boolean;
}

export interface GitResult {
  stdout: Buffer;
  exitCode: number;
  truncated: boolean;
}

export function gitEnv(gitDir: string, options: { index?: string; date?: string } = {}) {
  const env: Record<string, string> = {
    PATH: SAFE_PATH,
    HOME: path.dirname(gitDir),
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Flightdeck',
    GIT_AUTHOR_EMAIL: 'workspace@flightdeck.invalid',
    GIT_COMMITTER_NAME: 'Flightdeck',
    GIT_COMMITTER_EMAIL: 'workspace@flightdeck.invalid',
  };
  if (options.index) env.GIT_INDEX_FILE = options.index;
  if (options.date) {
    env.GIT_AUTHOR_DATE = options.date;
    env.GIT_COMMITTER_DATE = options.date;
  }
  return env;
}

export function git(args: readonly string[], options: GitOptions): Promise<GitResult> {
  const argv = [
    ...FIXED_CONFIG,
    ...(options.noGitDir ? [] : [`--git-dir=${options.gitDir}`]),
    ...(options.workTree ? [`--work-tree=${options.workTree}`] : []),
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('git', argv, {
      cwd: options.cwd ?? options.workTree ?? options.gitDir,
      // Nothing of this process's environment: exactly the variables above (typed as an environment).
      env: gitEnv(options.gitDir, options) as unknown as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let truncated = false;
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      if (options.maxBytes !== undefined && outBytes + chunk.length > options.maxBytes) {
        const room = options.maxBytes - outBytes;
        if (room > 0) out.push(chunk.subarray(0, room));
        outBytes = options.maxBytes;
        truncated = true;
        child.stdout.destroy();
        child.kill('SIGTERM');
        return;
      }
      out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 64) err.push(chunk);
    });
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8').trim();
      if (truncated) {
        resolve({ stdout: Buffer.concat(out), exitCode: code ?? 0, truncated });
        return;
      }
      if (code === 0 || (code !== null && options.okCodes?.includes(code))) {
        resolve({ stdout: Buffer.concat(out), exitCode: code, truncated: false });
        return;
      }
      reject(
        new GitError(
          `git ${args[0] ?? ''} failed (${code ?? 'signal'}): ${stderr.slice(0, 500)}`,
          code,
          stderr,
        ),
      );
    });
    child.stdin.end(options.input ?? '');
  });
}

/** stdout as trimmed text. */
export async function gitText(args: readonly string[], options: GitOptions): Promise<string> {
  return (await git(args, options)).stdout.toString('utf8').trim();
}
