import { createHash, randomUUID } from 'node:crypto';
import {
  type BigIntStats,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { deflate, deflateSync, inflate } from 'node:zlib';

/**
 * Writes a workspace's snapshot into its history repository without running
 * git: blobs, trees and a commit as loose objects in git's own format, and
 * the commit's ref as a loose ref file. A snapshot after every tool call that
 * changed files was five git processes; spawning them cost a worker more
 * than the rest of the turn. Everything else (reading, diffing across packs,
 * checkout, bundles) still goes through git, which reads these objects like
 * its own: the tests compare every id with git's and run `git fsck`.
 *
 * What is recorded matches `git add --all --force`: regular files (mode
 * 100755 when executable by the owner, else 100644) and symlinks (120000, the
 * link's target as content); empty folders, other file types and any entry
 * named `.git` are left out.
 *
 * A snapshot is taken under the run's workspace lock, so its time is every
 * other writer's wait. Its file system calls are synchronous: a stat or a
 * small write takes microseconds, while its asynchronous form waits in
 * libuv's four-thread pool behind every other turn of the process (a
 * 50-file workspace took ~250 ms to walk under load that way). Only files
 * and objects over `LARGE_BYTES` are read and compressed asynchronously.
 */

const LARGE_BYTES = 256 * 1024;

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

/**
 * Blob ids of files already stored, by history and absolute path, with the stat they had
 * (like git's index): an unchanged file is not read again. Bounded; a miss
 * only costs a read.
 */
const hashed = new Map<string, { stamp: string; mode: TreeFile['mode']; blob: string }>();
const HASHED_FILES = 50_000;

const stampOf = (stat: BigIntStats) =>
  `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.mode}`;

/** A file in a tree, by its path from the workspace's root. */
export interface TreeFile {
  mode: '100644' | '100755' | '120000';
  blob: string;
}

/** Every file of a tree, keyed by path. */
export type FlatTree = ReadonlyMap<string, TreeFile>;

interface TreeEntry {
  name: string;
  mode: string;
  id: string;
  isTree: boolean;
}

const objectId = (type: string, body: Buffer) =>
  createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');

/** Stores one object (if git does not have it loose already) and returns its id. */
const objectPath = (gitDir: string, id: string) =>
  path.join(gitDir, 'objects', id.slice(0, 2), id.slice(2));

async function writeObject(gitDir: string, type: string, body: Buffer): Promise<string> {
  const id = objectId(type, body);
  const file = objectPath(gitDir, id);
  if (lstatSync(file, { throwIfNoEntry: false })) return id;
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const raw = Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]);
  const compressed = raw.length > LARGE_BYTES ? await deflateAsync(raw) : deflateSync(raw);
  const temp = path.join(dir, `tmp_obj_${randomUUID()}`);
  writeFileSync(temp, compressed, { mode: 0o444 });
  renameSync(temp, file);
  return id;
}

/** git's order of a tree's entries: by name, a folder compared as if its name ended in `/`. */
const treeOrder = (a: TreeEntry, b: TreeEntry) =>
  Buffer.compare(
    Buffer.from(a.isTree ? `${a.name}/` : a.name),
    Buffer.from(b.isTree ? `${b.name}/` : b.name),
  );

async function writeTreeObject(gitDir: string, entries: TreeEntry[]): Promise<string> {
  entries.sort(treeOrder);
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(Buffer.from(`${entry.mode} ${entry.name}\0`), Buffer.from(entry.id, 'hex'));
  }
  return writeObject(gitDir, 'tree', Buffer.concat(parts));
}

async function hashFile(gitDir: string, file: string): Promise<TreeFile> {
  const stat = lstatSync(file, { bigint: true });
  const stamp = stampOf(stat);
  const key = `${gitDir}\0${file}`;
  const known = hashed.get(key);
  // This process stored this very file state in this history already (objects are never removed).
  if (known?.stamp === stamp) return known;
  const mode = stat.mode & 0o100n ? '100755' : '100644';
  const content = stat.size > LARGE_BYTES ? await readFile(file) : readFileSync(file);
  const blob = await writeObject(gitDir, 'blob', content);
  hashed.delete(key);
  hashed.set(key, { stamp, mode, blob });
  if (hashed.size > HASHED_FILES) {
    const oldest = hashed.keys().next().value;
    if (oldest !== undefined) hashed.delete(oldest);
  }
  return { mode, blob };
}

/** The tree of `dir` (null when it holds no file), filling `files` with every file below it. */
async function writeDir(
  gitDir: string,
  dir: string,
  prefix: string,
  files: Map<string, TreeFile>,
): Promise<string | null> {
  const entries: TreeEntry[] = [];
  for (const dirent of readdirSync(dir, { withFileTypes: true })) {
    const name = dirent.name;
    if (name === '.git') continue;
    const full = path.join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (dirent.isDirectory()) {
      const id = await writeDir(gitDir, full, rel, files);
      if (id) entries.push({ name, mode: '40000', id, isTree: true });
    } else if (dirent.isSymbolicLink()) {
      const blob = await writeObject(gitDir, 'blob', Buffer.from(readlinkSync(full), 'utf8'));
      files.set(rel, { mode: '120000', blob });
      entries.push({ name, mode: '120000', id: blob, isTree: false });
    } else if (dirent.isFile()) {
      const { mode, blob } = await hashFile(gitDir, full);
      files.set(rel, { mode, blob });
      entries.push({ name, mode, id: blob, isTree: false });
    }
  }
  return entries.length ? writeTreeObject(gitDir, entries) : null;
}

/** Writes the tree of the folder `dir` (missing or empty: git's empty tree). */
export async function writeWorkspaceTree(
  gitDir: string,
  dir: string,
): Promise<{ tree: string; files: FlatTree }> {
  const files = new Map<string, TreeFile>();
  const exists = lstatSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const tree =
    (exists ? await writeDir(gitDir, dir, '', files) : null) ?? (await writeEmptyTree(gitDir));
  return { tree, files };
}

/** git's empty tree, stored (a commit of it needs the object). */
export function writeEmptyTree(gitDir: string): Promise<string> {
  return writeTreeObject(gitDir, []);
}

/** A commit of `tree` on `parent` by Flightdeck's fixed identity, kept reachable by `refs/fd/<id>`. */
export async function writeCommit(
  gitDir: string,
  input: { tree: string; parent: string | null; message: string; at?: Date },
): Promise<string> {
  const seconds = Math.floor((input.at ?? new Date()).getTime() / 1000);
  const who = `Flightdeck <workspace@flightdeck.invalid> ${seconds} +0000`;
  const message = input.message.endsWith('\n') ? input.message : `${input.message}\n`;
  const body = [
    `tree ${input.tree}`,
    ...(input.parent ? [`parent ${input.parent}`] : []),
    `author ${who}`,
    `committer ${who}`,
    '',
    message,
  ].join('\n');
  const commit = await writeObject(gitDir, 'commit', Buffer.from(body, 'utf8'));
  const ref = path.join(gitDir, 'refs', 'fd', commit);
  mkdirSync(path.dirname(ref), { recursive: true });
  const temp = `${ref}.${randomUUID()}.tmp`;
  writeFileSync(temp, `${commit}\n`);
  try {
    renameSync(temp, ref);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return commit;
}

/**
 * Every file of a stored tree, read from its loose objects; null when an
 * object is not loose (packed by a clone or an import: ask git instead).
 */
export async function readFlatTree(gitDir: string, tree: string): Promise<FlatTree | null> {
  const files = new Map<string, TreeFile>();
  const walk = async (id: string, prefix: string): Promise<boolean> => {
    let raw: Buffer;
    try {
      raw = await inflateAsync(await readFile(objectPath(gitDir, id)));
    } catch {
      return false;
    }
    let at = raw.indexOf(0) + 1;
    if (!raw.subarray(0, at).toString('latin1').startsWith('tree ')) return false;
    while (at < raw.length) {
      const space = raw.indexOf(0x20, at);
      const nul = raw.indexOf(0, space);
      const mode = raw.toString('latin1', at, space);
      const name = raw.toString('utf8', space + 1, nul);
      const entryId = raw.toString('hex', nul + 1, nul + 21);
      at = nul + 21;
      const rel = prefix ? `${prefix}/${name}` : name;
      if (mode === '40000') {
        if (!(await walk(entryId, rel))) return false;
      } else if (mode === '100644' || mode === '100755' || mode === '120000') {
        files.set(rel, { mode, blob: entryId });
      } else {
        return false; // a submodule or an unusual mode: git knows best
      }
    }
    return true;
  };
  return (await walk(tree, '')) ? files : null;
}

/** What changed between two flat trees, in git's path order. */
export function diffFlatTrees(
  from: FlatTree,
  to: FlatTree,
): Array<{ path: string; change: 'added' | 'modified' | 'deleted' }> {
  const changes: Array<{ path: string; change: 'added' | 'modified' | 'deleted' }> = [];
  for (const [file, entry] of to) {
    const before = from.get(file);
    if (!before) changes.push({ path: file, change: 'added' });
    else if (before.blob !== entry.blob || before.mode !== entry.mode)
      changes.push({ path: file, change: 'modified' });
  }
  for (const file of from.keys())
    if (!to.has(file)) changes.push({ path: file, change: 'deleted' });
  return changes.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}
