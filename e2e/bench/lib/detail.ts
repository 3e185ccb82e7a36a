/**
 * A benchmark's details beyond its last-line figures (load steps, sampled
 * series), for the charts of `npm run bench -- all`: written to
 * `$FLIGHTDECK_BENCH_DETAIL_DIR/<bench>.json` when `all` sets that variable,
 * nowhere otherwise.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export const DETAIL_DIR_ENV = 'FLIGHTDECK_BENCH_DETAIL_DIR';

export function saveDetail(bench: string, data: unknown): void {
  const dir = process.env[DETAIL_DIR_ENV];
  if (dir) writeFileSync(path.join(dir, `${bench}.json`), JSON.stringify(data));
}
