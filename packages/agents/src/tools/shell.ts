import { stat } from 'node:fs/promises';
import { matchesPattern, ShellArgs, type ShellGrant, type ToolGrant } from '@flightdeck/domain';
import { CommandLineError, findForbiddenSyntax, splitCommandLine } from './command-line';
import { type ProcessOutcome, runInProcessGroup } from './run-process';
import { capOutput, type Tool, type ToolResult } from './types';

/** A fixed PATH: the worker's own PATH (and everything else in its environment) never reaches commands. */
export const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ShellToolOptions {
  /** PATH for the commands (default SAFE_PATH). */
  path?: string;
  /** Between SIGTERM and SIGKILL when a command's process group is stopped (default 500 ms). */
  killGraceMs?: number;
}

const isShellGrant = (grant: ToolGrant): grant is ShellGrant =>
  grant.name === 'shell' && 'commands' in grant;

const isDirectory = (dir: string) =>
  stat(dir).then(
    (info) => info.isDirectory(),
    () => false,
  );

const refuse = (why: string): ToolResult => ({ ok: false, output: `refused: ${why}` });

function describeSpawnError(code: string, command: string): string {
  const name = command.includes('/') ? command.slice(command.lastIndexOf('/') + 1) : command;
  if (code === 'ENOENT') return `command not found: ${name}`;
  if (code === 'EACCES') return `permission denied: ${name}`;
  return `could not start ${name} (${code})`;
}

/** Status first, so that it survives any later truncation of the output. */
function formatOutcome(outcome: ProcessOutcome, timeoutMs: number): ToolResult {
  const status: string[] = [];
  if (outcome.stopped === 'timeout')
    status.push(
      `[timed out after ${timeoutMs} ms: the command and its child processes were killed]`,
    );
  else if (outcome.stopped === 'aborted')
    status.push('[aborted: the command and its child processes were killed]');
  else if (outcome.exitSignal) status.push(`[terminated by ${outcome.exitSignal}]`);
  else status.push(`[exit code ${outcome.exitCode ?? 'unknown'}]`);
  if (outcome.leftovers) status.push('[processes it left running in the background were stopped]');
  if (!outcome.groupGone) status.push('[warning: some of its processes could not be stopped]');
  if (outcome.droppedBytes > 0)
    status.push(`[output truncated: the last ${outcome.droppedBytes} bytes are not shown]`);
  const text = outcome.output.toString('utf8');
  const ok = !outcome.stopped && outcome.exitCode === 0;
  return { ok, output: capOutput(text ? `${status.join('\n')}\n${text}` : status.join('\n')) };
}

/**
 * The `shell` tool: one command line, allowed only when the whole line matches
 * one of the grant's command patterns, run without a shell in the workspace,
 * with a scrubbed environment, a time limit and an output cap. On abort or
 * timeout its whole process group is killed.
 */
export function createShellTool(options: ShellToolOptions = {}): Tool<typeof ShellArgs> {
  const path = options.path ?? SAFE_PATH;
  const killGraceMs = options.killGraceMs ?? 500;
  return {
    name: 'shell',
    description:
      'Run one command line in the workspace, without a shell: no pipes, redirects, chaining, substitution, globs or variables. Only command lines granted to this agent are allowed.',
    args: ShellArgs,
    // A command can do anything its grant allows, once: never repeated blindly.
    idempotent: false,
    async run(args, { workspace, signal, grant }) {
      if (!isShellGrant(grant)) return refuse('the shell tool is not granted to this agent');
      const line = args.command.trim();
      const forbidden = findForbiddenSyntax(line);
      if (forbidden) {
        return refuse(`${forbidden} is not available: commands run one at a time, without a shell`);
      }
      if (!grant.commands.some((pattern) => matchesPattern(pattern, line))) {
        return refuse(
          `the command line does not match any command pattern granted to this agent (${grant.commands.join(', ')})`,
        );
      }
      let argv: string[];
      try {
        argv = splitCommandLine(line);
      } catch (error) {
        if (error instanceof CommandLineError) return refuse(error.message);
        throw error;
      }
      if (signal.aborted) return { ok: false, output: '[aborted before the command started]' };
      // Otherwise a missing cwd would surface as ENOENT, indistinguishable from a missing command.
      if (!(await isDirectory(workspace)))
        return { ok: false, output: 'the workspace does not exist' };

      const outcome = await runInProcessGroup(argv, {
        cwd: workspace,
        env: { PATH: path, HOME: workspace, LANG: 'C.UTF-8', TERM: 'dumb' },
        timeoutMs: grant.timeoutMs,
        maxOutputBytes: grant.maxOutputBytes,
        signal,
        killGraceMs,
      });
      if (outcome.spawnError)
        return { ok: false, output: describeSpawnError(outcome.spawnError, argv[0]!) };
      return formatOutcome(outcome, grant.timeoutMs);
    },
  };
}

export const shell = createShellTool();
