/**
 * `npm run chaos [-- --quick] [--seed N] [--only NAME[,NAME]]`: the chaos
 * suite (worker crashes, Redis losing its keys, Redis restarting, PostgreSQL
 * stopping under load, malformed input everywhere). Prints its seed, what
 * happened in each scenario and a JSON line per scenario; exits non-zero when
 * an invariant broke.
 */
import { crashWorkers } from './crash-workers';
import { fuzz } from './fuzz';
import { loseRedis } from './lose-redis';
import { restartRedis } from './restart-redis';
import { stopPostgres } from './stop-postgres';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const seedArg = args[args.indexOf('--seed') + 1];
const seed =
  args.includes('--seed') && seedArg ? Number(seedArg) : Math.floor(Math.random() * 2 ** 31);
const onlyArg = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const only = onlyArg ? new Set(onlyArg.split(',')) : null;

interface Report {
  problems: string[];
}

const SCENARIOS: Array<{ name: string; title: string; run: () => Promise<Report> }> = [
  {
    name: 'crash-workers',
    title: 'crash-workers',
    run: () =>
      crashWorkers({
        runs: quick ? 6 : 20,
        seed,
        minShareHitInTool: quick ? 0 : 1 / 3,
        killForMs: quick ? 45_000 : 120_000,
        // Each crash costs its runs a lock expiry, and a crash inside a sink call its lease too.
        timeoutMs: quick ? 150_000 : 300_000,
      }),
  },
  {
    name: 'lose-redis',
    title: 'lose-redis (every key of the stack deleted, twice, mid-run)',
    run: () => loseRedis({ seed, runs: quick ? 4 : 12, timeoutMs: quick ? 90_000 : 180_000 }),
  },
  {
    name: 'restart-redis',
    title: 'restart-redis (the stack’s own Redis killed and started again, empty, mid-run)',
    run: () =>
      restartRedis({
        seed,
        runs: quick ? 4 : 12,
        restarts: quick ? 2 : 3,
        timeoutMs: quick ? 60_000 : 180_000,
      }),
  },
  {
    name: 'stop-postgres',
    title: `stop-postgres (the stack’s own PostgreSQL stopped ${quick ? 8 : 30} s under load)`,
    run: () =>
      stopPostgres({
        seed,
        runs: quick ? 4 : 12,
        outageMs: quick ? 8_000 : 30_000,
        timeoutMs: quick ? 60_000 : 180_000,
      }),
  },
  {
    name: 'fuzz',
    title: 'fuzz (malformed input at every boundary)',
    run: () => fuzz({ seed, inputs: quick ? 300 : 1_000 }),
  },
];

async function main(): Promise<void> {
  console.log(`chaos: seed ${seed}${quick ? ' (quick)' : ''}`);
  if (only)
    for (const name of only)
      if (!SCENARIOS.some((s) => s.name === name)) throw new Error(`no chaos scenario "${name}"`);
  let failed = 0;
  for (const scenario of SCENARIOS) {
    if (only && !only.has(scenario.name)) continue;
    console.log(`chaos: ${scenario.title}`);
    const { problems, ...figures } = await scenario.run();
    for (const [key, value] of Object.entries(figures))
      console.log(`  ${key.padEnd(24)} ${String(value)}`);
    for (const problem of problems) console.log(`  PROBLEM: ${problem}`);
    console.log(JSON.stringify({ chaos: scenario.name, ...figures, problems: problems.length }));
    failed += problems.length;
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
