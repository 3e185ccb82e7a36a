/**
 * `npm run bench -- <name> [--quick]`: runs one benchmark (or `all`), prints a
 * human-readable table and, as its last line, one JSON object of figures.
 * `all` runs each benchmark in a child process and writes the report
 * (docs/benchmarks.md, docs/benchmarks.json, docs/bench/*.svg); `report`
 * writes the report again from docs/benchmarks.json.
 */
import { BENCHMARKS } from './registry';
import { rewriteReport, runAll } from './report/run-all';

const [name = 'list', ...rest] = process.argv.slice(2);
const quick = rest.includes('--quick');

async function main(): Promise<void> {
  const run = BENCHMARKS[name];
  if (name === 'report') return rewriteReport();
  if (name !== 'all' && !run) {
    console.log(
      `usage: npm run bench -- <${[...Object.keys(BENCHMARKS), 'all'].join('|')}> [--quick] | report`,
    );
    process.exit(name === 'list' ? 0 : 2);
  }
  if (run) {
    console.log(JSON.stringify({ bench: name, ...(await run({ quick })) }));
    return;
  }
  const { results } = await runAll(Object.keys(BENCHMARKS), quick);
  const summary = Object.fromEntries(
    Object.entries(results).map(([bench, r]) => [bench, r.figures ?? { error: r.error }]),
  );
  console.log(JSON.stringify({ bench: 'all', quick, ...summary }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
