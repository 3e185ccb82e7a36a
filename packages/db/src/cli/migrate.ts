// npm run migrate --workspace @flightdeck/db   (root: npm run db:migrate)
// Creates DATABASE_URL's database if missing, then applies pending migrations.
import { redactUrl } from '../connection';
import { ensureDatabase } from '../ensure-database';
import { readDbEnv } from '../env';
import { migrate } from '../migrations/migrator';

async function main(): Promise<void> {
  const { databaseUrl } = readDbEnv();
  const { created } = await ensureDatabase(databaseUrl);
  if (created) console.log(`Created database ${redactUrl(databaseUrl)}`);
  const result = await migrate(databaseUrl, { log: (line) => console.log(line) });
  for (const name of result.unknown) {
    console.warn(
      `warning: migration ${name} is applied but not on disk (is this code older than the database?)`,
    );
  }
  const total = result.alreadyApplied + result.applied.length;
  console.log(
    result.applied.length === 0
      ? `Database ${redactUrl(databaseUrl)} is up to date (${total} migrations).`
      : `Applied ${result.applied.length} migration(s); ${total} in all.`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
