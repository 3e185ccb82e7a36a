import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { START_POSTGRES_HINT } from '../connection';
import { offlinePrismaCliEnv } from '../env';

/**
 * Migration SQL between two Prisma schemas, written by the Prisma 6 CLI's
 * `migrate diff` with its WebAssembly schema engine (Prisma 7's migrate needs
 * an engine binary we cannot download). The engine connects once to a
 * PostgreSQL server to learn its version (see prisma6.config.ts); it reads
 * and changes nothing there.
 */
export interface SchemaDiffInput {
  /** The schema to migrate from; null for an empty database. */
  fromSchemaPath: string | null;
  toSchemaPath: string;
  /** A database the engine may connect to; defaults to SCHEMA_DIFF_DATABASE_URL / DATABASE_URL's server. */
  serverUrl?: string;
}

export interface SchemaDiff {
  sql: string;
  /** True when the two schemas need no SQL to go from one to the other. */
  empty: boolean;
}

const require = createRequire(import.meta.url);
const prisma6Cli = require.resolve('prisma6/build/index.js');
const prisma6Config = fileURLToPath(new URL('../../prisma6.config.ts', import.meta.url));

export async function diffSchemas(input: SchemaDiffInput): Promise<SchemaDiff> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'flightdeck-schema-diff-'));
  try {
    const to = await writePrisma6Schema(input.toSchemaPath, path.join(workDir, 'to.prisma'));
    const from = input.fromSchemaPath
      ? [
          '--from-schema-datamodel',
          await writePrisma6Schema(input.fromSchemaPath, path.join(workDir, 'from.prisma')),
        ]
      : ['--from-empty'];
    const args = [prisma6Cli, 'migrate', 'diff', '--config', prisma6Config, ...from];
    args.push('--to-schema-datamodel', to, '--script', '--exit-code');
    const env = offlinePrismaCliEnv(
      input.serverUrl ? { SCHEMA_DIFF_DATABASE_URL: input.serverUrl } : {},
    );
    const { code, stdout, stderr } = await run(process.execPath, args, { cwd: workDir, env });
    // --exit-code: 0 = no difference, 2 = a difference, anything else = an error.
    if (code !== 0 && code !== 2) {
      const output = stderr.trim() || stdout.trim();
      const hint = /Can't reach database server/.test(output) ? `\n${START_POSTGRES_HINT}` : '';
      throw new Error(`prisma migrate diff failed (exit ${code}):\n${output}${hint}`);
    }
    return { sql: stdout, empty: code === 0 };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Prisma 7 schemas keep the connection URL out of the datasource block;
 * Prisma 6 insists on one. The copy gets a placeholder it never uses (the
 * engine connects through the config's adapter).
 */
export function toPrisma6Schema(schema: string): string {
  const datasource = /datasource\s+\w+\s*\{[^}]*\}/.exec(schema);
  if (!datasource) throw new Error('The Prisma schema has no datasource block');
  if (/^\s*url\s*=/m.test(datasource[0])) return schema;
  const withUrl = datasource[0].replace(
    /\}$/,
    '  url = "postgresql://schema-diff.invalid/unused"\n}',
  );
  return (
    schema.slice(0, datasource.index) +
    withUrl +
    schema.slice(datasource.index + datasource[0].length)
  );
}

async function writePrisma6Schema(sourcePath: string, targetPath: string): Promise<string> {
  await writeFile(targetPath, toPrisma6Schema(await readFile(sourcePath, 'utf8')));
  return targetPath;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { ...options, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`Could not run the Prisma 6 CLI: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}
