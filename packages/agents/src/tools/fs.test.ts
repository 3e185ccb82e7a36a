import { mkdtemp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fsList, fsRead, fsWrite } from './fs';

let workspace: string;
let outside: string;
const signal = new AbortController().signal;
const grant = { name: 'fs.read', paths: ['**'] } as const;

beforeEach(async () => {
  const base = await mkdtemp(path.join(tmpdir(), 'fd-fs-'));
  workspace = path.join(base, 'ws');
  outside = path.join(base, 'outside');
  await mkdir(workspace);
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
});

describe('fs tools', () => {
  it('write, list and read inside the workspace', async () => {
    expect(
      await fsWrite.run({ path: 'notes/a.md', content: 'hello' }, { workspace, signal, grant }),
    ).toMatchObject({ ok: true });
    expect(await readFile(path.join(workspace, 'notes/a.md'), 'utf8')).toBe('hello');
    expect(await fsList.run({ path: '.' }, { workspace, signal, grant })).toEqual({
      ok: true,
      output: 'notes/',
    });
    expect(await fsRead.run({ path: 'notes/a.md' }, { workspace, signal, grant })).toEqual({
      ok: true,
      output: 'hello',
    });
  });

  it('stay within the granted paths', async () => {
    const notesOnly = { name: 'fs.write', paths: ['notes/**'] } as const;
    expect(
      (
        await fsWrite.run(
          { path: 'notes/a.md', content: 'x' },
          { workspace, signal, grant: notesOnly },
        )
      ).ok,
    ).toBe(true);
    const outside = await fsWrite.run(
      { path: 'report.md', content: 'x' },
      { workspace, signal, grant: notesOnly },
    );
    expect(outside).toEqual({
      ok: false,
      output: expect.stringContaining("not within this agent's granted paths (notes/**)"),
    });
    expect((await fsList.run({ path: 'notes' }, { workspace, signal, grant: notesOnly })).ok).toBe(
      true,
    );
    expect((await fsList.run({ path: '.' }, { workspace, signal, grant: notesOnly })).ok).toBe(
      false,
    );
  });

  it('report a missing file without leaking host paths', async () => {
    const result = await fsRead.run({ path: 'nope.txt' }, { workspace, signal, grant });
    expect(result).toEqual({ ok: false, output: 'no such file or directory' });
  });

  it.each([
    ['../outside/secret.txt', /climbs out/],
    ['notes/../../outside/secret.txt', /climbs out/],
    ['/etc/passwd', /absolute paths/],
    ['a\0b', /NUL/],
  ])('refuse to escape with %s', async (requested, message) => {
    const read = await fsRead.run({ path: requested }, { workspace, signal, grant });
    expect(read.ok).toBe(false);
    expect(read.output).toMatch(message);
    const write = await fsWrite.run(
      { path: requested, content: 'x' },
      { workspace, signal, grant },
    );
    expect(write.ok).toBe(false);
  });

  it('refuse to follow symlinks, for files and folders', async () => {
    await symlink(path.join(outside, 'secret.txt'), path.join(workspace, 'link.txt'));
    await symlink(outside, path.join(workspace, 'linkdir'));
    expect((await fsRead.run({ path: 'link.txt' }, { workspace, signal, grant })).output).toMatch(
      /symlinks/,
    );
    expect(
      (await fsRead.run({ path: 'linkdir/secret.txt' }, { workspace, signal, grant })).output,
    ).toMatch(/symlinks/);
    expect(
      (await fsWrite.run({ path: 'linkdir/new.txt', content: 'x' }, { workspace, signal, grant }))
        .ok,
    ).toBe(false);
    expect((await fsList.run({ path: 'linkdir' }, { workspace, signal, grant })).ok).toBe(false);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });
});
