import { randomUUID } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DomainError, type WorkspaceFileChange } from '@flightdeck/domain';
import { EMPTY_TREE, git, GitError, gitText } from './git';
import {
  diffFlatTrees,
  type FlatTree,
  readFlatTree,
  writeCommit,
  writeEmptyTree,
  writeWorkspaceTree,
} from './tree-writer';

/**
 * A run's workspace history: a bare git repository beside the workspaces
 * (`${workspaceRoot}/.history/${runId}.git`, outside the folder agents can
 * reach), with one commit per tool call that changed files. Each commit is a
 * full snapshot of the workspace; the run's log records its id, so the log
 * says what the workspace held after any step. Commits are kept reachable by
 * one ref each (`refs/fd/<commit>`); nothing is ever garbage-collected.
 */

const SHA = /^[0-9a-f]{40}$/;
const MAX_LISTED_FILES = 500;
export const MAX_HISTORY_FILE_BYTES = 512 * 1024;

export interface WorkspaceSnapshot {
  commit: string;
  tree: string;
  parent: string | null;
  files: WorkspaceFileChange[];
  moreFiles: number;
}

export interface HistoryTreeEntry {
  path: string;
  size: number;
}

const assertRunId = (runId: string) => {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) throw new DomainError('INVALID_INPUT', 'Not a run id');
};

export function assertSha(value: string, what = 'commit'): void {
  if (!SHA.test(value)) throw new DomainError('INVALID_INPUT', `Not a ${what} id`);
}

export function historyDir(workspaceRoot: string, runId: string): string {
  assertRunId(runId);
  return path.join(path.resolve(workspaceRoot), '.history', `${runId}.git`);
}

export function workspaceDir(workspaceRoot: string, runId: string): string {
  assertRunId(runId);
  return path.join(path.resolve(workspaceRoot), runId);
}

/** Synchronous: a stat is microseconds, and a snapshot (under the workspace lock) should not queue for it. */
const exists = (p: string) => lstatSync(p, { throwIfNoEntry: false }) !== undefined;

/** Creates the run's history repository if it does not exist yet. */
export async function ensureHistory(workspaceRoot: string, runId: string): Promise<string> {
  const gitDir = historyDir(workspaceRoot, runId);
  if (exists(path.join(gitDir, 'HEAD'))) return gitDir;
  await mkdir(gitDir, { recursive: true });
  // `init` on an existing repository only re-initializes: two workers racing here are harmless.
  await git(['init', '--bare', '--quiet', gitDir], { gitDir, noGitDir: true });
  return gitDir;
}

export function hasHistory(workspaceRoot: string, runId: string): boolean {
  return exists(path.join(historyDir(workspaceRoot, runId), 'HEAD'));
}

/** The files that differ between two trees, parsed from `diff-tree -z --name-status`. */
export async function changedFiles(
  gitDir: string,
  from: string,
  to: string,
): Promise<{ files: WorkspaceFileChange[]; moreFiles: number }> {
  const out = await git(['diff-tree', '-r', '-z', '--no-renames', '--name-status', from, to], {
    gitDir,
  });
  const parts = out.stdout.toString('utf8').split('\0');
  const all: WorkspaceFileChange[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const status = parts[i];
    const file = parts[i + 1];
    if (!status || !file) continue;
    const change = status.startsWith('A')
      ? 'added'
      : status.startsWith('D')
        ? 'deleted'
        : 'modified';
    all.push({ path: file, change });
  }
  return {
    files: all.slice(0, MAX_LISTED_FILES),
    moreFiles: Math.max(0, all.length - MAX_LISTED_FILES),
  };
}

/** Flat listings of the trees snapshots wrote lately, to diff the next snapshot without git. */
const recentTrees = new Map<string, FlatTree>([[EMPTY_TREE, new Map()]]);
const RECENT_TREES = 256;

function rememberTree(tree: string, files: FlatTree): void {
  recentTrees.delete(tree);
  recentTrees.set(tree, files);
  if (recentTrees.size > RECENT_TREES) {
    const oldest = recentTrees.keys().next().value;
    if (oldest !== undefined && oldest !== EMPTY_TREE) recentTrees.delete(oldest);
  }
}

/**
 * Snapshot the run's workspace after a tool call: a commit whose parent is the
 * last commit the log recorded, or null when nothing changed since. Written
 * without running git (tree-writer.ts); git diffs only when the parent's tree
 * is packed (a fork's or an import's history).
 */
export async function snapshotWorkspace(
  workspaceRoot: string,
  runId: string,
  input: { parent: { commit: string; tree: string } | null; message: string },
): Promise<WorkspaceSnapshot | null> {
  const gitDir = await ensureHistory(workspaceRoot, runId);
  const { tree, files } = await writeWorkspaceTree(gitDir, workspaceDir(workspaceRoot, runId));
  const parentTree = input.parent?.tree ?? EMPTY_TREE;
  const before = recentTrees.get(parentTree) ?? (await readFlatTree(gitDir, parentTree));
  rememberTree(tree, files);
  if (tree === parentTree) return null;
  const parent = input.parent?.commit ?? null;
  const commit = await writeCommit(gitDir, { tree, parent, message: input.message });
  let changed: { files: WorkspaceFileChange[]; moreFiles: number };
  if (before) {
    const all = diffFlatTrees(before, files);
    changed = {
      files: all.slice(0, MAX_LISTED_FILES),
      moreFiles: Math.max(0, all.length - MAX_LISTED_FILES),
    };
  } else {
    changed = await changedFiles(gitDir, parentTree, tree);
  }
  return { commit, tree, parent, ...changed };
}

/** A new commit of `tree` on top of `parent` (a rollback: the old step's content as the newest state). */
export async function commitExistingTree(
  workspaceRoot: string,
  runId: string,
  input: { tree: string; parent: { commit: string; tree: string } | null; message: string },
): Promise<WorkspaceSnapshot> {
  const gitDir = await ensureHistory(workspaceRoot, runId);
  if (input.tree === EMPTY_TREE) await writeEmptyTree(gitDir);
  const parent = input.parent?.commit ?? null;
  const commit = await writeCommit(gitDir, { tree: input.tree, parent, message: input.message });
  return {
    commit,
    tree: input.tree,
    parent,
    ...(await changedFiles(gitDir, input.parent?.tree ?? EMPTY_TREE, input.tree)),
  };
}

/** Writes the files of `tree` into the empty or missing folder `dir`. */
export async function materializeTree(
  workspaceRoot: string,
  runId: string,
  tree: string,
  dir: string,
): Promise<void> {
  assertSha(tree, 'tree');
  const gitDir = await ensureHistory(workspaceRoot, runId);
  await mkdir(dir, { recursive: true });
  if (tree === EMPTY_TREE) return;
  const index = path.join(gitDir, `fd-index-${randomUUID()}`);
  try {
    await git(['read-tree', tree], { gitDir, workTree: dir, index });
    await git(['checkout-index', '--all', '--force'], { gitDir, workTree: dir, index });
  } finally {
    await rm(index, { force: true });
  }
}

/** Make the run's workspace folder hold exactly `tree` (a re-run replaying a recorded step). */
export async function resetWorkspaceTo(
  workspaceRoot: string,
  runId: string,
  tree: string,
): Promise<void> {
  const dir = workspaceDir(workspaceRoot, runId);
  await rm(dir, { recursive: true, force: true });
  await materializeTree(workspaceRoot, runId, tree, dir);
}

/** The id of the tree the workspace folder holds now (nothing is written to any ref). */
export async function currentTree(workspaceRoot: string, runId: string): Promise<string> {
  const gitDir = await ensureHistory(workspaceRoot, runId);
  return (await writeWorkspaceTree(gitDir, workspaceDir(workspaceRoot, runId))).tree;
}

async function requireObject(gitDir: string, rev: string, type: 'commit' | 'tree') {
  try {
    const actual = await gitText(['cat-file', '-t', rev], { gitDir });
    if (actual !== type)
      throw new DomainError('NOT_FOUND', `No such ${type} in this run's history`);
  } catch (error) {
    if (error instanceof GitError)
      throw new DomainError('NOT_FOUND', `No such ${type} in this run's history`);
    throw error;
  }
}

/** Every regular file of a commit (or tree) of the run's history, sorted by path. */
export async function listTreeFiles(
  workspaceRoot: string,
  runId: string,
  rev: string,
): Promise<HistoryTreeEntry[]> {
  assertSha(rev);
  if (rev === EMPTY_TREE) return [];
  if (!hasHistory(workspaceRoot, runId))
    throw new DomainError('NOT_FOUND', 'This run has no workspace history');
  const gitDir = historyDir(workspaceRoot, runId);
  const out = await git(['ls-tree', '-r', '-z', '-l', rev], { gitDir }).catch((error: unknown) => {
    if (error instanceof GitError)
      throw new DomainError('NOT_FOUND', "No such commit in this run's history");
    throw error;
  });
  const files: HistoryTreeEntry[] = [];
  for (const line of out.stdout.toString('utf8').split('\0')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, , size] = line.slice(0, tab).split(/\s+/);
    // Regular files only: symlinks (120000) and nested repositories are not shown.
    if (type !== 'blob' || (mode !== '100644' && mode !== '100755')) continue;
    files.push({ path: line.slice(tab + 1), size: Number(size) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `notes/a.md`-style paths only: what a tree can hold and `rev:path` can name. */
export function normalizeHistoryPath(requested: string): string {
  if (!requested || requested.includes('\0') || requested.includes('\n'))
    throw new DomainError('INVALID_INPUT', 'Not a valid path');
  const parts = requested.split(/[/\\]/).filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new DomainError('INVALID_INPUT', 'Not a file path');
  if (parts.includes('..'))
    throw new DomainError('INVALID_INPUT', '".." is not allowed in a workspace path');
  return parts.join('/');
}

/** One file as a commit holds it (null when the commit has no such file), at most MAX_HISTORY_FILE_BYTES. */
export async function readTreeFile(
  workspaceRoot: string,
  runId: string,
  rev: string,
  requested: string,
): Promise<{ path: string; content: string; size: number; truncated: boolean } | null> {
  assertSha(rev);
  const file = normalizeHistoryPath(requested);
  if (rev === EMPTY_TREE || !hasHistory(workspaceRoot, runId)) return null;
  const gitDir = historyDir(workspaceRoot, runId);
  const spec = `${rev}:${file}`;
  let size: number;
  try {
    if ((await gitText(['cat-file', '-t', spec], { gitDir })) !== 'blob') return null;
    size = Number(await gitText(['cat-file', '-s', spec], { gitDir }));
  } catch (error) {
    if (error instanceof GitError) return null;
    throw error;
  }
  const out = await git(['cat-file', 'blob', spec], { gitDir, maxBytes: MAX_HISTORY_FILE_BYTES });
  const truncated = size > out.stdout.length;
  let end = out.stdout.length;
  // Cut at a character boundary: a trailing partial UTF-8 sequence would decode to U+FFFD.
  if (truncated) while (end > 0 && ((out.stdout[end] ?? 0) & 0xc0) === 0x80) end--;
  return { path: file, content: out.stdout.subarray(0, end).toString('utf8'), size, truncated };
}

/** The tree of a commit in the run's history. */
export async function treeOf(
  workspaceRoot: string,
  runId: string,
  commit: string,
): Promise<string> {
  assertSha(commit);
  const gitDir = historyDir(workspaceRoot, runId);
  await requireObject(gitDir, commit, 'commit');
  return gitText(['rev-parse', `${commit}^{tree}`], { gitDir });
}

/**
 * A fork's history starts as a copy of its origin's: every object, and refs
 * for the commits the copied log names (the origin's later commits are not
 * referenced).
 */
export async function copyHistory(
  workspaceRoot: string,
  fromRunId: string,
  toRunId: string,
  keepCommits: readonly string[],
): Promise<void> {
  const target = historyDir(workspaceRoot, toRunId);
  if (!hasHistory(workspaceRoot, fromRunId)) {
    await ensureHistory(workspaceRoot, toRunId);
    return;
  }
  await mkdir(path.dirname(target), { recursive: true });
  await rm(target, { recursive: true, force: true });
  const source = historyDir(workspaceRoot, fromRunId);
  await git(['clone', '--bare', '--mirror', '--no-hardlinks', '--quiet', source, target], {
    gitDir: source,
    cwd: path.dirname(target),
    noGitDir: true,
  });
  const keep = new Set(keepCommits);
  const refs = await gitText(['for-each-ref', '--format=%(refname)', 'refs/'], { gitDir: target });
  const drop = refs
    .split('\n')
    .filter(
      (ref) => ref && !(ref.startsWith('refs/fd/') && keep.has(ref.slice('refs/fd/'.length))),
    );
  if (drop.length)
    await git(['update-ref', '--stdin'], {
      gitDir: target,
      input: drop.map((ref) => `delete ${ref}\n`).join(''),
    });
}

/** The run's history as a git bundle (every recorded commit), or null when it has none. */
export async function exportHistoryBundle(
  workspaceRoot: string,
  runId: string,
): Promise<Buffer | null> {
  if (!hasHistory(workspaceRoot, runId)) return null;
  const gitDir = historyDir(workspaceRoot, runId);
  const refs = await gitText(['for-each-ref', '--format=%(refname)', 'refs/fd/'], { gitDir });
  if (!refs) return null;
  const file = path.join(gitDir, `fd-export-${randomUUID()}.bundle`);
  try {
    await git(['bundle', 'create', '--quiet', file, '--all'], { gitDir });
    return await readFile(file);
  } finally {
    await rm(file, { force: true });
  }
}

/** Loads a bundle made by exportHistoryBundle into a (new) run's history. */
export async function importHistoryBundle(
  workspaceRoot: string,
  runId: string,
  bundle: Buffer,
): Promise<void> {
  const gitDir = await ensureHistory(workspaceRoot, runId);
  const file = path.join(gitDir, `fd-import-${randomUUID()}.bundle`);
  await writeFile(file, bundle);
  try {
    await git(['bundle', 'verify', '--quiet', file], { gitDir }).catch((error: unknown) => {
      throw new DomainError(
        'INVALID_INPUT',
        `The workspace history is not a valid git bundle: ${error instanceof Error ? error.message : ''}`,
      );
    });
    await git(['fetch', '--quiet', '--no-tags', file, 'refs/fd/*:refs/fd/*'], { gitDir });
  } finally {
    await rm(file, { force: true });
  }
}
