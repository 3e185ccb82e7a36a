import { approvalBench } from './approval';
import { auditBench } from './audit';
import { killBench } from './kill';
import { pipelineBench } from './pipeline';
import { turnsBench } from './turns';
import { reserveBench } from './reserve';
import { replayBench } from './replay';
import { scaleBench } from './scale';

export interface BenchOptions {
  quick: boolean;
}
export type BenchResult = Record<string, number | string>;
export type Benchmark = (options: BenchOptions) => Promise<BenchResult>;

/** Every benchmark, by the name `npm run bench -- <name>` takes (see shared/design/BENCH.md). */
export const BENCHMARKS: Record<string, Benchmark> = {
  kill: killBench,
  audit: auditBench,
  approval: approvalBench,
  pipeline: pipelineBench,
  turns: turnsBench,
  reserve: reserveBench,
  replay: replayBench,
  scale: scaleBench,
};
