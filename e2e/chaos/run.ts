/**
 * `npm run chaos [-- --quick] [--seed N]`: the chaos suite (worker crashes,
 * Redis losing its keys, malformed input everywhere). Prints its seed, what
 * happened in each scenario and a JSON line per scenario; exits non-zero when
 * an invariant broke.
 */
import { crashWorkers } from './crash-workers';
import { fuzz } from './fuzz';
import { loseRedis } from './lose-redis';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const seedArg = args[args.indexOf('--seed') + 1];
const seed =
  args.includes('--seed') && seedArg ? Number(seedArg) : Math.floor(Math.random() * 2 ** 31);

async function main(): Promise<void> {
  console.log(`chaos: seed ${seed}${quick ? ' (quick)' : ''}`);
  let failed = 0;
  console.log('chaos: crash-workers');
  const report = await crashWorkers({
    runs: quick ? 6 : 20,
    seed,
    minShareHitInTool: quick ? 0 : 1 / 3,
    timeoutMs: quick ? 90_000 : 240_000,
  });
  const { problems, ...figures } = report;
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(24)} ${value}`);
  for (const problem of problems) console.log(`  PROBLEM: ${problem}`);
  console.log(JSON.stringify({ chaos: 'crash-workers', ...figures, problems: problems.length }));
  failed += problems.length;

  console.log('chaos: lose-redis (every key of the stack deleted, twice, mid-run)');
  const lost = await loseRedis({ seed, runs: quick ? 4 : 12, timeoutMs: quick ? 90_000 : 180_000 });
  const { problems: lostProblems, ...lostFigures } = lost;
  for (const [key, value] of Object.entries(lostFigures))
    console.log(`  ${key.padEnd(24)} ${value}`);
  for (const problem of lostProblems) console.log(`  PROBLEM: ${problem}`);
  console.log(
    JSON.stringify({ chaos: 'lose-redis', ...lostFigures, problems: lostProblems.length }),
  );
  failed += lostProblems.length;

  console.log('chaos: fuzz (malformed input at every boundary)');
  const fuzzed = await fuzz({ seed, inputs: quick ? 300 : 1_000 });
  const { problems: fuzzProblems, ...fuzzFigures } = fuzzed;
  for (const [key, value] of Object.entries(fuzzFigures))
    console.log(`  ${key.padEnd(24)} ${value}`);
  for (const problem of fuzzProblems) console.log(`  PROBLEM: ${problem}`);
  console.log(JSON.stringify({ chaos: 'fuzz', ...fuzzFigures, problems: fuzzProblems.length }));
  failed += fuzzProblems.length;
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
