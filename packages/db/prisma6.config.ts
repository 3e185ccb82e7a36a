// Prisma 6 CLI configuration, used only to write migration SQL offline:
// `prisma6 migrate diff` between two schema files (src/migrations/schema-diff.ts).
// Prisma 6 can run its WebAssembly schema engine ("js") through a driver
// adapter, so no engine binary is downloaded. The engine connects once to ask
// the server's version; it reads and changes nothing there. `max: 1` and
// `allowExitOnIdle` let the CLI exit as soon as it is done.
import { PrismaPg } from '@prisma/adapter-pg-6';
import { defineConfig } from 'prisma6/config';
import { readDbEnv } from './src/env';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: '../../prisma/schema.prisma',
  adapter: () =>
    Promise.resolve(
      new PrismaPg({
        connectionString: readDbEnv().schemaDiffDatabaseUrl,
        max: 1,
        allowExitOnIdle: true,
      }),
    ),
});
