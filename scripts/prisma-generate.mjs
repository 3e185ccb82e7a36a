#!/usr/bin/env node
// Generates the Prisma 7 client (packages/db/src/generated/prisma) without
// downloading anything. `prisma generate` wants a schema-engine binary it never
// runs for generation; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file
// makes it skip the download. Works from any working directory.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const prismaCli = require.resolve('prisma/build/index.js');
const schemaEngineStandIn = process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath;

if (!existsSync(schemaEngineStandIn)) {
  console.error(
    `prisma-generate: PRISMA_SCHEMA_ENGINE_BINARY points at a missing file: ${schemaEngineStandIn}`,
  );
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  [
    prismaCli,
    'generate',
    '--config',
    path.join(root, 'prisma.config.ts'),
    ...process.argv.slice(2),
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: schemaEngineStandIn,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  },
);
if (result.error) {
  console.error(`prisma-generate: could not start the Prisma CLI: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
