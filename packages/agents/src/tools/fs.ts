import { mkdir, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  FsListArgs,
  FsReadArgs,
  FsWriteArgs,
  MAX_FILE_BYTES,
  matchesPathGlob,
  type ToolGrant,
} from '@flightdeck/domain';
import { capOutput, type Tool } from './types';
import { resolveInWorkspace, WorkspaceEscapeError } from './workspace-path';

class OutOfScopeError extends Error {}

/** Resolve a path in the workspace and check it against the grant's path globs. */
async function resolveGranted(
  workspace: string,
  requested: string,
  grant: ToolGrant,
): Promise<string> {
  const target = await resolveInWorkspace(workspace, requested);
  const relative = path.relative(await realpath(workspace), target) || '.';
  const globs = 'paths' in grant ? grant.paths : [];
  if (!globs.some((glob) => matchesPathGlob(glob, relative))) {
    throw new OutOfScopeError(
      `path "${requested}" is not within this agent's granted paths (${globs.join(', ')})`,
    );
  }
  return target;
}

function failure(error: unknown): { ok: false; output: string } {
  if (error instanceof WorkspaceEscapeError || error instanceof OutOfScopeError)
    return { ok: false, output: error.message };
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { ok: false, output: 'no such file or directory' };
  if (code === 'EISDIR') return { ok: false, output: 'is a directory' };
  if (code === 'ENOTDIR') return { ok: false, output: 'not a directory' };
  return {
    ok: false,
    output: error instanceof Error ? error.message.replace(/\/[^\s'"]+/g, '<path>') : 'failed',
  };
}

export const fsRead: Tool<typeof FsReadArgs> = {
  name: 'fs.read',
  description: 'Read a UTF-8 text file of the workspace.',
  args: FsReadArgs,
  idempotent: true,
  readOnly: true,
  async run(args, { workspace, grant }) {
    try {
      const file = await resolveGranted(workspace, args.path, grant);
      const info = await stat(file);
      if (info.size > MAX_FILE_BYTES)
        return { ok: false, output: `file is larger than ${MAX_FILE_BYTES} bytes` };
      return { ok: true, output: capOutput(await readFile(file, 'utf8')) };
    } catch (error) {
      return failure(error);
    }
  },
};

export const fsWrite: Tool<typeof FsWriteArgs> = {
  name: 'fs.write',
  description: 'Write a UTF-8 text file in the workspace, creating folders as needed.',
  args: FsWriteArgs,
  // Writing the same content again leaves the same file.
  idempotent: true,
  async run(args, { workspace, grant }) {
    try {
      const file = await resolveGranted(workspace, args.path, grant);
      await mkdir(path.dirname(file), { recursive: true });
      // Re-check after creating folders: nothing may have become a symlink on the way.
      await resolveInWorkspace(workspace, args.path);
      await writeFile(file, args.content, { encoding: 'utf8', flag: 'w' });
      return { ok: true, output: `wrote ${Buffer.byteLength(args.content)} bytes to ${args.path}` };
    } catch (error) {
      return failure(error);
    }
  },
};

export const fsList: Tool<typeof FsListArgs> = {
  name: 'fs.list',
  description: 'List the entries of a workspace folder.',
  args: FsListArgs,
  idempotent: true,
  readOnly: true,
  async run(args, { workspace, grant }) {
    try {
      const dir = await resolveGranted(workspace, args.path, grant);
      const entries = await readdir(dir, { withFileTypes: true });
      const lines = entries
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
      return { ok: true, output: lines.length ? lines.join('\n') : '(empty)' };
    } catch (error) {
      return failure(error);
    }
  },
};
