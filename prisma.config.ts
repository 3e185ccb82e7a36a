// Prisma 7 CLI configuration. Only `prisma generate` runs through it (see
// scripts/prisma-generate.mjs); migrations are written with the Prisma 6 CLI's
// offline diff and applied by our own migrator (packages/db/src/migrations).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
