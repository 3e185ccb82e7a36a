import type { Dirent } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '@flightdeck/domain';
import type { Engine } from '../engine';

/** Read-only views of a run's workspace folder (`${workspaceRoot}/${runId}`), for the run page. */

export const MAX_WORKSPACE_ENTRIES = 2_000;
export const MAX_WORKSPACE_FILE_BYTES = 512 * 1024;

export interface WorkspaceFileEntry {
  /** Relative to the run's folder, with `/` separators. */
  path: string;
  size: number;
  modifiedAt: string;
}

export interface WorkspaceFileContent {
  path: string;
  content: string;
  /** The file's size on disk, in bytes. */
  size: number;
  /** Only the first MAX_WORKSPACE_FILE_BYTES bytes are in `content`. */
  truncated: boolean;
}

const isMissing = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The run's folder, resolved (symlinks in the root itself are the operator's choice); null when there is none yet. */
async function runFolder(engine: Engine, runId: string): Promise<string | null> {
  // runId is a uuid at the API; refuse anything else here too, so it can never name another folder.
  if (!/^[0-9a-f-]{36}$/i.test(runId)) throw new DomainError('INVALID_INPUT', 'Not a run id');
  let root: string;
  try {
    root = await realpath(engine.config.workspaceRoot);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  const folder = path.join(root, runId);
  try {
    const info = await lstat(folder);
    if (!info.isDirectory()) return null;
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  const real = await realpath(folder);
  if (!isInside(root, real)) return null;
  return real;
}

/** Every regular file of the run's workspace, sorted by path; symlinks are skipped, at most MAX_WORKSPACE_ENTRIES. */
export async function listWorkspaceFiles(
  engine: Engine,
  input: { runId: string },
): Promise<WorkspaceFileEntry[]> {
  const root = await runFolder(engine, input.runId);
  if (!root) return [];
  const files: WorkspaceFileEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return; // removed while we walked
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (files.length >= MAX_WORKSPACE_ENTRIES) return;
      if (entry.isSymbolicLink()) continue;
      const full = path.join(dir, entry.name);
      if (!isInside(root, full)) continue;
      if (entry.isDirectory()) {
        await walk(full);
      } else if (entry.isFile()) {
        try {
          const info = await lstat(full);
          if (!info.isFile()) continue;
          files.push({
            path: path.relative(root, full).split(path.sep).join('/'),
            size: info.size,
            modifiedAt: info.mtime.toISOString(),
          });
        } catch (error) {
          if (!isMissing(error)) throw error;
        }
      }
    }
  };
  await walk(root);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** One text file of the run's workspace (UTF-8, at most MAX_WORKSPACE_FILE_BYTES bytes of it). */
export async function readWorkspaceFile(
  engine: Engine,
  input: { runId: string; path: string },
): Promise<WorkspaceFileContent> {
  const requested = input.path;
  if (!requested || requested.includes('\0'))
    throw new DomainError('INVALID_INPUT', 'Not a valid path');
  if (path.isAbsolute(requested) || requested.startsWith('\\'))
    throw new DomainError('INVALID_INPUT', 'Absolute paths are not allowed');
  const parts = requested.split(/[/\\]/).filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new DomainError('INVALID_INPUT', 'Not a file path');
  if (parts.includes('..'))
    throw new DomainError('INVALID_INPUT', '".." is not allowed in a workspace path');

  const notFound = () =>
    new DomainError('NOT_FOUND', `No file "${requested}" in this run's workspace`);
  const root = await runFolder(engine, input.runId);
  if (!root) throw notFound();

  // Walk every component: none may be a symlink, the last must be a regular file.
  let current = root;
  for (const [i, part] of parts.entries()) {
    current = path.join(current, part);
    let info;
    try {
      info = await lstat(current);
    } catch (error) {
      if (isMissing(error)) throw notFound();
      throw error;
    }
    if (info.isSymbolicLink()) throw new DomainError('INVALID_INPUT', 'Symlinks are not followed');
    const last = i === parts.length - 1;
    if (!last && !info.isDirectory()) throw notFound();
    if (last && !info.isFile())
      throw new DomainError(
        info.isDirectory() ? 'INVALID_INPUT' : 'NOT_FOUND',
        info.isDirectory() ? 'That is a folder' : `No file "${requested}" in this run's workspace`,
      );
  }
  const real = await realpath(current);
  if (!isInside(root, real))
    throw new DomainError('INVALID_INPUT', 'The path leaves the workspace');

  const handle = await open(real, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, MAX_WORKSPACE_FILE_BYTES);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const truncated = size > read;
    // Cut at a character boundary: a trailing partial UTF-8 sequence would decode to U+FFFD.
    let end = read;
    if (truncated) {
      let back = 0;
      while (back < 4 && end - back - 1 >= 0 && ((buffer[end - back - 1] ?? 0) & 0xc0) === 0x80)
        back++;
      const lead = buffer[end - back - 1] ?? 0;
      const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      if (need > back + 1) end = end - back - 1;
    }
    return {
      path: parts.join('/'),
      content: buffer.subarray(0, end).toString('utf8'),
      size,
      truncated,
    };
  } finally {
    await handle.close();
  }
}
