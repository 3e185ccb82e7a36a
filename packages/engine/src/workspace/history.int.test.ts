import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_TREE } from './git';
import {
  commitExistingTree,
  copyHistory,
  exportHistoryBundle,
  historyDir,
  importHistoryBundle,
  listTreeFiles,
  materializeTree,
  readTreeFile,
  snapshotWorkspace,
  treeOf,
  workspaceDir,
} from './history';

let root: string;
const runId = randomUUID();

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fd-history-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function listAll(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listAll(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('workspace history', () => {
  const ws = () => workspaceDir(root, runId);

  it('records one commit per change, none when nothing changed, each a full snapshot', async () => {
    // Nothing written yet: no commit.
    expect(await snapshotWorkspace(root, runId, { parent: null, message: 'nothing' })).toBeNull();

    await mkdir(path.join(ws(), 'notes'), { recursive: true });
    await writeFile(path.join(ws(), 'report.md'), '# one\n');
    await writeFile(path.join(ws(), 'notes', 'a.md'), 'a\n');
    // An ignore file written by an agent hides nothing from the history.
    await writeFile(path.join(ws(), '.gitignore'), '*.md\n');
    const first = await snapshotWorkspace(root, runId, { parent: null, message: 'c1' });
    expect(first).not.toBeNull();
    expect(first!.parent).toBeNull();
    expect(first!.files).toEqual([
      { path: '.gitignore', change: 'added' },
      { path: 'notes/a.md', change: 'added' },
      { path: 'report.md', change: 'added' },
    ]);

    expect(await snapshotWorkspace(root, runId, { parent: first, message: 'same' })).toBeNull();

    await writeFile(path.join(ws(), 'report.md'), '# two\n');
    await rm(path.join(ws(), 'notes', 'a.md'));
    const second = await snapshotWorkspace(root, runId, { parent: first, message: 'c2' });
    expect(second!.parent).toBe(first!.commit);
    expect(second!.files).toEqual([
      { path: 'notes/a.md', change: 'deleted' },
      { path: 'report.md', change: 'modified' },
    ]);

    expect((await listTreeFiles(root, runId, first!.commit)).map((f) => f.path)).toEqual([
      '.gitignore',
      'notes/a.md',
      'report.md',
    ]);
    expect((await readTreeFile(root, runId, first!.commit, 'report.md'))?.content).toBe('# one\n');
    expect((await readTreeFile(root, runId, second!.commit, './report.md'))?.content).toBe(
      '# two\n',
    );
    expect(await readTreeFile(root, runId, second!.commit, 'notes/a.md')).toBeNull();
    expect(await treeOf(root, runId, second!.commit)).toBe(second!.tree);
  });

  it('keeps the history outside the workspace folder', async () => {
    expect(historyDir(root, runId).startsWith(ws())).toBe(false);
    expect(await listAll(ws())).not.toContain('.git/HEAD');
  });

  it('refuses paths that leave the tree, and unknown commits', async () => {
    const files = await listTreeFiles(root, runId, EMPTY_TREE);
    expect(files).toEqual([]);
    await expect(readTreeFile(root, runId, 'a'.repeat(40), '../x')).rejects.toThrow(/\.\./);
    await expect(listTreeFiles(root, runId, 'b'.repeat(40))).rejects.toThrow(/No such commit/);
    await expect(listTreeFiles(root, runId, 'HEAD')).rejects.toThrow(/Not a commit id/);
  });

  it('materializes any step into a folder, and commits an old tree as the newest state', async () => {
    const first = await snapshotWorkspace(root, runId, {
      parent: null,
      message: 'again from empty',
    });
    // The workspace differs from the empty tree: a commit of what is there now.
    expect(first).not.toBeNull();
    await writeFile(path.join(ws(), 'later.md'), 'later\n');
    const later = await snapshotWorkspace(root, runId, { parent: first, message: 'later' });
    const target = path.join(root, 'restore');
    await materializeTree(root, runId, first!.tree, target);
    expect(await listAll(target)).toEqual(['.gitignore', 'report.md']);
    expect(await readFile(path.join(target, 'report.md'), 'utf8')).toBe('# two\n');

    const rolled = await commitExistingTree(root, runId, {
      tree: first!.tree,
      parent: later,
      message: 'rollback',
    });
    expect(rolled.tree).toBe(first!.tree);
    expect(rolled.parent).toBe(later!.commit);
    expect(rolled.files).toEqual([{ path: 'later.md', change: 'deleted' }]);

    const empty = await commitExistingTree(root, runId, {
      tree: EMPTY_TREE,
      parent: rolled,
      message: 'to the start',
    });
    expect(await listTreeFiles(root, runId, empty.commit)).toEqual([]);
  });

  it('does not follow symlinks out of the workspace into the history', async () => {
    const other = randomUUID();
    await mkdir(workspaceDir(root, other), { recursive: true });
    await writeFile(path.join(root, 'secret.txt'), 'secret');
    await symlink(path.join(root, 'secret.txt'), path.join(workspaceDir(root, other), 'link'));
    const snap = await snapshotWorkspace(root, other, { parent: null, message: 'link' });
    // The link is recorded as a link, never as the content it points to …
    expect(snap!.files).toEqual([{ path: 'link', change: 'added' }]);
    expect(await readTreeFile(root, other, snap!.commit, 'link')).not.toMatchObject({
      content: 'secret',
    });
    // … and is not listed as a file.
    expect(await listTreeFiles(root, other, snap!.commit)).toEqual([]);
  });

  it('copies a history for a fork, and exports and imports it as a bundle', async () => {
    const from = randomUUID();
    await mkdir(workspaceDir(root, from), { recursive: true });
    await writeFile(path.join(workspaceDir(root, from), 'a.md'), 'a');
    const one = await snapshotWorkspace(root, from, { parent: null, message: 'one' });
    await writeFile(path.join(workspaceDir(root, from), 'a.md'), 'b');
    const two = await snapshotWorkspace(root, from, { parent: one, message: 'two' });

    const fork = randomUUID();
    await copyHistory(root, from, fork, [one!.commit]);
    expect((await readTreeFile(root, fork, one!.commit, 'a.md'))?.content).toBe('a');

    const bundle = await exportHistoryBundle(root, from);
    expect(bundle).not.toBeNull();
    const imported = randomUUID();
    await importHistoryBundle(root, imported, bundle!);
    expect((await readTreeFile(root, imported, two!.commit, 'a.md'))?.content).toBe('b');
    expect((await readTreeFile(root, imported, one!.commit, 'a.md'))?.content).toBe('a');
    await expect(importHistoryBundle(root, randomUUID(), Buffer.from('nope'))).rejects.toThrow(
      /not a valid git bundle/,
    );
  });
});
