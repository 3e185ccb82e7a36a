import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';

export class WorkspaceEscapeError extends Error {
  constructor(requested: string, why: string) {
    super(`path "${requested}" is outside the workspace (${why})`);
    this.name = 'WorkspaceEscapeError';
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Resolve a model-supplied path inside the workspace. Refuses absolute paths,
 * `..` that climbs out, NUL bytes, and any symlink on the way (an existing
 * symlink could point anywhere).
 */
export async function resolveInWorkspace(workspace: string, requested: string): Promise<string> {
  if (requested.includes('\0')) throw new WorkspaceEscapeError(requested, 'NUL byte');
  if (path.isAbsolute(requested))
    throw new WorkspaceEscapeError(requested, 'absolute paths are not allowed');
  const root = await realpath(workspace);
  const target = path.resolve(root, requested);
  if (!isInside(root, target)) throw new WorkspaceEscapeError(requested, '".." climbs out');

  // Walk every existing component: none may be a symlink.
  let current = root;
  for (const part of path.relative(root, target).split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    try {
      const stat = await lstat(current);
      if (stat.isSymbolicLink())
        throw new WorkspaceEscapeError(requested, 'symlinks are not followed');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
      throw error;
    }
  }
  return target;
}
