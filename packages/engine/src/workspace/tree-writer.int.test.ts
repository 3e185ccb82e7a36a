import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, gitText } from './git';
import { changedFiles } from './history';
import { diffFlatTrees, readFlatTree, writeCommit, writeWorkspaceTree } from './tree-writer';

let root: string;
let gitDir: string;
let ws: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fd-tree-writer-'));
  gitDir = path.join(root, 'history.git');
  ws = path.join(root, 'ws');
  await git(['init', '--bare', '--quiet', gitDir], { gitDir, noGitDir: true, cwd: root });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** git's own answer for the folder: `add --all --force` into a private index, then `write-tree`. */
async function gitTreeOf(dir: string): Promise<string> {
  const index = path.join(root, `index-${Math.random()}`);
  await git(['add', '--all', '--force', '--', '.'], { gitDir, workTree: dir, index });
  return gitText(['write-tree'], { gitDir, workTree: dir, index });
}

describe('tree writer (git objects without git)', () => {
  it('writes the same tree id as git for names, modes, symlinks and binary content', async () => {
    // Names whose order differs between plain sorting and git's (folders sort as `name/`).
    await mkdir(path.join(ws, 'a', 'deep', 'er'), { recursive: true });
    await mkdir(path.join(ws, 'empty', 'inside'), { recursive: true });
    await writeFile(path.join(ws, 'a', 'b.md'), '# b\n');
    await writeFile(path.join(ws, 'a', 'deep', 'er', 'x.txt'), 'x');
    await writeFile(path.join(ws, 'a-b'), 'dash');
    await writeFile(path.join(ws, 'a.txt'), 'dot');
    await writeFile(path.join(ws, 'a0'), 'zero');
    await writeFile(path.join(ws, 'résumé ✓.md'), 'unicode');
    await writeFile(path.join(ws, 'blob.bin'), Buffer.from([0, 1, 2, 255, 254, 0, 10]));
    await writeFile(path.join(ws, 'empty.txt'), '');
    await writeFile(path.join(ws, 'run.sh'), '#!/bin/sh\necho hi\n');
    await chmod(path.join(ws, 'run.sh'), 0o755);
    await symlink('a/b.md', path.join(ws, 'link-to-b'));
    await symlink('/nowhere/at/all', path.join(ws, 'dangling'));

    const written = await writeWorkspaceTree(gitDir, ws);
    expect(written.tree).toBe(await gitTreeOf(ws));
    expect(written.files.get('run.sh')?.mode).toBe('100755');
    expect(written.files.get('link-to-b')?.mode).toBe('120000');
    expect(written.files.has('empty/inside')).toBe(false);
    // Every object is one git accepts.
    await git(['fsck', '--strict', '--no-dangling'], { gitDir });
  });

  it('writes the empty tree for a missing or empty folder', async () => {
    const missing = await writeWorkspaceTree(gitDir, path.join(root, 'missing'));
    expect(missing.tree).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
    expect(missing.files.size).toBe(0);
  });

  it('commits with a ref git resolves, and diffs like git diff-tree', async () => {
    const first = await writeWorkspaceTree(gitDir, ws);
    const c1 = await writeCommit(gitDir, { tree: first.tree, parent: null, message: 'one' });
    await writeFile(path.join(ws, 'a', 'b.md'), '# b changed\n');
    await rm(path.join(ws, 'a0'));
    await writeFile(path.join(ws, 'new.md'), 'new');
    await chmod(path.join(ws, 'run.sh'), 0o644);
    const second = await writeWorkspaceTree(gitDir, ws);
    const c2 = await writeCommit(gitDir, { tree: second.tree, parent: c1, message: 'two\n' });

    expect(await gitText(['rev-parse', `refs/fd/${c2}`], { gitDir })).toBe(c2);
    expect(await gitText(['rev-parse', `${c2}^`], { gitDir })).toBe(c1);
    expect(await gitText(['rev-parse', `${c2}^{tree}`], { gitDir })).toBe(second.tree);
    expect(await gitText(['log', '--format=%an <%ae>|%s', c2], { gitDir })).toBe(
      'Flightdeck <workspace@flightdeck.invalid>|two\nFlightdeck <workspace@flightdeck.invalid>|one',
    );
    const ours = diffFlatTrees(first.files, second.files);
    expect(ours).toEqual((await changedFiles(gitDir, first.tree, second.tree)).files);
    expect(ours).toEqual([
      { path: 'a/b.md', change: 'modified' },
      { path: 'a0', change: 'deleted' },
      { path: 'new.md', change: 'added' },
      { path: 'run.sh', change: 'modified' },
    ]);
    await git(['fsck', '--strict', '--no-dangling'], { gitDir });
  });

  it('reads a stored tree back, and sees a same-size rewrite of a file', async () => {
    const before = await writeWorkspaceTree(gitDir, ws);
    expect(await readFlatTree(gitDir, before.tree)).toEqual(before.files);
    // Same length, written right after the previous snapshot hashed it.
    await writeFile(path.join(ws, 'a.txt'), 'DOT');
    const after = await writeWorkspaceTree(gitDir, ws);
    expect(after.tree).toBe(await gitTreeOf(ws));
    expect(diffFlatTrees(before.files, after.files)).toEqual([
      { path: 'a.txt', change: 'modified' },
    ]);
    expect(await readFlatTree(gitDir, 'f'.repeat(40))).toBeNull();
  });
});
