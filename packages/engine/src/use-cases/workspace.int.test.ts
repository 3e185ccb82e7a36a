import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DomainError } from '@flightdeck/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine';
import { listWorkspaceFiles, MAX_WORKSPACE_FILE_BYTES, readWorkspaceFile } from './workspace';

// Only the config is used by these use cases: no database or Redis.
let base: string;
let engine: Engine;
const runId = randomUUID();
const otherRun = randomUUID();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DomainError ? error.code : `other: ${String(error)}`;
  }
}

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'fd-workspace-'));
  const root = path.join(base, 'workspaces');
  engine = { config: { workspaceRoot: root } } as Engine;
  const run = path.join(root, runId);
  await mkdir(path.join(run, 'notes', 'deep'), { recursive: true });
  await writeFile(path.join(run, 'report.md'), '# Report\n\nhello\n');
  await writeFile(path.join(run, 'notes', 'b.md'), 'b');
  await writeFile(path.join(run, 'notes', 'a.md'), 'aa');
  await writeFile(path.join(run, 'notes', 'deep', 'z.txt'), 'zzz');
  await writeFile(path.join(run, 'big.txt'), 'é'.repeat(MAX_WORKSPACE_FILE_BYTES)); // 2 bytes a character
  // Secrets outside the run's folder, and ways to reach them.
  await writeFile(path.join(base, 'secret.txt'), 'top secret');
  await mkdir(path.join(root, otherRun), { recursive: true });
  await writeFile(path.join(root, otherRun, 'theirs.md'), 'other run');
  await symlink(path.join(base, 'secret.txt'), path.join(run, 'link.txt'));
  await symlink(base, path.join(run, 'notes', 'escape'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('listWorkspaceFiles', () => {
  it('lists regular files recursively, sorted, skipping symlinks', async () => {
    const files = await listWorkspaceFiles(engine, { runId });
    expect(files.map((f) => f.path)).toEqual([
      'big.txt',
      'notes/a.md',
      'notes/b.md',
      'notes/deep/z.txt',
      'report.md',
    ]);
    expect(files.find((f) => f.path === 'notes/a.md')).toMatchObject({ size: 2 });
    expect(Number.isNaN(Date.parse(files[0]!.modifiedAt))).toBe(false);
  });

  it('answers [] for a run with no folder yet, or a missing root', async () => {
    expect(await listWorkspaceFiles(engine, { runId: randomUUID() })).toEqual([]);
    const nowhere = { config: { workspaceRoot: path.join(base, 'nope') } } as Engine;
    expect(await listWorkspaceFiles(nowhere, { runId })).toEqual([]);
  });

  it('refuses a run id that is not a uuid', async () => {
    expect(await codeOf(listWorkspaceFiles(engine, { runId: '..' }))).toBe('INVALID_INPUT');
  });
});

describe('readWorkspaceFile', () => {
  it('reads a file', async () => {
    expect(await readWorkspaceFile(engine, { runId, path: 'report.md' })).toEqual({
      path: 'report.md',
      content: '# Report\n\nhello\n',
      size: 16,
      truncated: false,
    });
    expect((await readWorkspaceFile(engine, { runId, path: './notes/deep/z.txt' })).content).toBe(
      'zzz',
    );
  });

  it('truncates a large file at a character boundary', async () => {
    const file = await readWorkspaceFile(engine, { runId, path: 'big.txt' });
    expect(file.truncated).toBe(true);
    expect(file.size).toBe(2 * MAX_WORKSPACE_FILE_BYTES);
    expect(file.content).toBe('é'.repeat(MAX_WORKSPACE_FILE_BYTES / 2));
  });

  it('refuses escapes: .., absolute paths, NUL, symlinks', async () => {
    for (const p of [
      '../' + otherRun + '/theirs.md',
      '../../secret.txt',
      'notes/../../secret.txt',
      '..',
      path.join(base, 'secret.txt'),
      '/etc/passwd',
      'report.md\0',
      'link.txt',
      'notes/escape/secret.txt',
      'notes',
    ]) {
      expect(await codeOf(readWorkspaceFile(engine, { runId, path: p })), p).toBe('INVALID_INPUT');
    }
  });

  it('answers NOT_FOUND for a missing file or run', async () => {
    expect(await codeOf(readWorkspaceFile(engine, { runId, path: 'nope.md' }))).toBe('NOT_FOUND');
    expect(await codeOf(readWorkspaceFile(engine, { runId, path: 'report.md/x' }))).toBe(
      'NOT_FOUND',
    );
    expect(
      await codeOf(readWorkspaceFile(engine, { runId: randomUUID(), path: 'report.md' })),
    ).toBe('NOT_FOUND');
  });
});
