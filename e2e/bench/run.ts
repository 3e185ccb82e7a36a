/**
 * `npm run bench -- <name> [--quick]`: runs one benchmark (or `all`), prints a
 * human-readable table and, as its last line, one JSON object of figures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BENCHMARKS, type BenchResult } from './registry';

const [name = 'list', ...rest] = process.argv.slice(2);
const quick = rest.includes('--quick');

async function main(): Promise<void> {
  const run = BENCHMARKS[name];
  if (name !== 'all' && !run) {
    console.log(
      `usage: npm run bench -- <${[...Object.keys(BENCHMARKS), 'all'].join('|')}> [--quick]`,
    );
    process.exit(name === 'list' ? 0 : 2);
  }
  if (run) {
    console.log(JSON.stringify({ bench: name, ...(await run({ quick })) }));
    return;
  }
  const results: Record<string, BenchResult> = {};
  for (const [bench, benchmark] of Object.entries(BENCHMARKS)) {
    console.log(`\n=== ${bench} ===`);
    results[bench] = await benchmark({ quick });
  }
  const docs = path.join(import.meta.dirname, '..', '..', 'docs');
  await mkdir(docs, { recursive: true });
  await writeFile(path.join(docs, 'benchmarks.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify({ bench: 'all', ...results }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
