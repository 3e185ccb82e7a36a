import { describe, expect, it } from 'vitest';
import type { MigrationFile } from './files';
import { compareMigrations, describeBlockingProblems } from './history';
import { migrationSlug, migrationTimestamp } from './new-migration';
import { toPrisma6Schema } from './schema-diff';

const file = (name: string, checksum = `sum-${name}`): MigrationFile => ({
  name,
  checksum,
  sql: '',
  directory: `/m/${name}`,
});

describe('compareMigrations', () => {
  it('lists pending migrations in order and counts applied ones', () => {
    const status = compareMigrations(
      [file('1_a'), file('2_b'), file('3_c')],
      [{ name: '1_a', checksum: 'sum-1_a', finished: true }],
    );
    expect(status.pending.map((m) => m.name)).toEqual(['2_b', '3_c']);
    expect(status).toMatchObject({ changed: [], failed: [], unknown: [], appliedCount: 1 });
    expect(describeBlockingProblems(status)).toBeNull();
  });

  it('finds changed, unfinished and unknown migrations', () => {
    const status = compareMigrations(
      [file('1_a'), file('2_b')],
      [
        { name: '1_a', checksum: 'other', finished: true },
        { name: '2_b', checksum: 'sum-2_b', finished: false },
        { name: '9_z', checksum: 'x', finished: true },
      ],
    );
    expect(status).toMatchObject({
      changed: ['1_a'],
      failed: ['2_b'],
      unknown: ['9_z'],
      pending: [],
    });
    expect(describeBlockingProblems(status)).toMatch(/changed on disk.*1_a.*never finished: 2_b/s);
  });
});

describe('migration names', () => {
  it('normalizes words to snake case and rejects empty names', () => {
    expect(migrationSlug(' Add run-tags ')).toBe('add_run_tags');
    expect(() => migrationSlug('--')).toThrow(/not a usable migration name/);
  });

  it('stamps UTC seconds, always after the latest migration', () => {
    const now = new Date('2026-11-22T17:30:05.999Z');
    expect(migrationTimestamp(now)).toBe('20261122173005');
    expect(migrationTimestamp(now, '20261122173004_x')).toBe('20261122173005');
    expect(migrationTimestamp(now, '20261122173005_x')).toBe('20261122173006');
    expect(migrationTimestamp(now, '20991231235959_x')).toBe('21000101000000');
  });
});

describe('toPrisma6Schema', () => {
  it('adds a placeholder url to the datasource block only', () => {
    const schema =
      'generator client {\n  provider = "prisma-client"\n}\n\ndatasource db {\n  provider = "postgresql"\n}\n\nmodel A {\n  id Int @id\n}\n';
    const converted = toPrisma6Schema(schema);
    expect(converted).toContain(
      'datasource db {\n  provider = "postgresql"\n  url = "postgresql://schema-diff.invalid/unused"\n}',
    );
    expect(converted.replace('  url = "postgresql://schema-diff.invalid/unused"\n', '')).toBe(
      schema,
    );
    expect(toPrisma6Schema(converted)).toBe(converted);
    expect(() => toPrisma6Schema('model A {\n  id Int @id\n}\n')).toThrow(/no datasource block/);
  });
});
