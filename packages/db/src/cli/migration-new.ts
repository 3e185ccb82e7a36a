// npm run migration:new --workspace @flightdeck/db -- <name>
// Writes prisma/migrations/<timestamp>_<name>/ from the change to prisma/schema.prisma.
import { readDbEnv } from '../env';
import { writeNewMigration } from '../migrations/new-migration';

async function main(): Promise<number> {
  const name = process.argv.slice(2).join(' ').trim();
  if (!name || name.startsWith('-')) {
    console.error('Usage: npm run db:migration:new -- <name>   (e.g. add_run_tags)');
    return 64;
  }
  const result = await writeNewMigration({ name, serverUrl: readDbEnv().schemaDiffDatabaseUrl });
  if (!result.written) {
    console.error(`No migration written: ${result.reason}`);
    return 1;
  }
  console.log(result.sql.trimEnd());
  console.log(`\nWrote ${result.directory}/migration.sql (and its schema.prisma snapshot).`);
  console.log('Review the SQL, then apply it with: npm run db:migrate');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
