/**
 * The targets set in the issues, each against one figure of a benchmark's
 * JSON line, and the raw-infrastructure baselines each benchmark measures in
 * the same run. The report states every target as met or missed from these.
 */

export interface Target {
  bench: string;
  /** The figure in the benchmark's JSON line. */
  figure: string;
  /** What the figure is, in words. */
  label: string;
  op: '<=' | '>=' | '==';
  value: number;
  unit: string;
  /** Only a full run measures what the target speaks of (a quick run's figure is not comparable). */
  fullOnly?: boolean;
}

export const TARGETS: readonly Target[] = [
  {
    bench: 'pipeline',
    figure: 'ratio_vs_raw',
    label: 'persisted events/s ÷ raw relay',
    op: '>=',
    value: 1 / 3,
    unit: '×',
  },
  { bench: 'pipeline', figure: 'lost', label: 'events lost', op: '==', value: 0, unit: '' },
  {
    bench: 'pipeline',
    figure: 'p99_ms_at_5k',
    label: 'p99 at 5,000 events/s, two web instances',
    op: '<=',
    value: 50,
    unit: 'ms',
  },
  {
    bench: 'pipeline',
    figure: 'fanout20_deliveries_per_s',
    label: '20 clients on one run: deliveries/s',
    op: '>=',
    value: 10_000,
    unit: '/s',
    fullOnly: true,
  },
  {
    bench: 'pipeline',
    figure: 'fanout20_p99_ms',
    label: '20 clients on one run: p99',
    op: '<=',
    value: 100,
    unit: 'ms',
  },
  {
    bench: 'turns',
    figure: 'ratio_vs_raw',
    label: 'turns/s ÷ raw BullMQ jobs/s',
    op: '>=',
    value: 0.25,
    unit: '×',
  },
  {
    bench: 'turns',
    figure: 'dispatch_p99_ms',
    label: 'dispatch p99 at 100 agents',
    op: '<=',
    value: 50,
    unit: 'ms',
  },
  {
    bench: 'reserve',
    figure: 'added_p99_ms',
    label: 'gate + reservation added, p99',
    op: '<=',
    value: 2,
    unit: 'ms',
  },
  {
    bench: 'reserve',
    figure: 'gated_per_s',
    label: 'gated calls/s',
    op: '>=',
    value: 5_000,
    unit: '/s',
  },
  { bench: 'reserve', figure: 'overspend', label: 'overspend', op: '==', value: 0, unit: '' },
  {
    bench: 'replay',
    figure: 'scrub_p99_ms',
    label: 'state at a random step, p99',
    op: '<=',
    value: 50,
    unit: 'ms',
  },
  {
    bench: 'replay',
    figure: 'first_screen_100k_ms',
    label: 'open a 100,000-event run: its first screen',
    op: '<=',
    value: 1_000,
    unit: 'ms',
    fullOnly: true,
  },
  {
    bench: 'approval',
    figure: 'appear_p99_ms',
    label: 'ask → visible to an approver, p99',
    op: '<=',
    value: 100,
    unit: 'ms',
  },
  {
    bench: 'approval',
    figure: 'resume_p99_ms',
    label: 'decision → agent running, p99',
    op: '<=',
    value: 100,
    unit: 'ms',
  },
  {
    bench: 'kill',
    figure: 'stop_p99_ms',
    label: 'kill → every agent stopped, p99',
    op: '<=',
    value: 100,
    unit: 'ms',
  },
  {
    bench: 'kill',
    figure: 'ui_p99_ms',
    label: 'kill → every run page shows it, p99',
    op: '<=',
    value: 250,
    unit: 'ms',
  },
  {
    bench: 'kill',
    figure: 'procs_gone_p99_ms',
    label: 'kill → every child process gone, p99',
    op: '<=',
    value: 2_000,
    unit: 'ms',
  },
  {
    bench: 'audit',
    figure: 'verify_s',
    label: 'verify 1,000,000 audit entries',
    op: '<=',
    value: 60,
    unit: 's',
    fullOnly: true,
  },
  {
    bench: 'scale',
    figure: 'lost',
    label: 'events lost at the watching clients',
    op: '==',
    value: 0,
    unit: '',
  },
];

/** A figure of ours beside the raw baseline measured in the same run. */
export interface Baseline {
  bench: string;
  label: string;
  ours: string;
  raw: string;
  rawLabel: string;
  /** Throughput (higher is better) or latency (lower is better). */
  kind: 'throughput' | 'latency';
}

export const BASELINES: readonly Baseline[] = [
  {
    bench: 'pipeline',
    label: 'events/s, commit → client',
    ours: 'events_per_s',
    raw: 'raw_relay_events_per_s',
    rawLabel: 'Redis pub/sub → Socket.IO relay',
    kind: 'throughput',
  },
  {
    bench: 'turns',
    label: 'turns/s',
    ours: 'turns_per_s',
    raw: 'raw_jobs_per_s',
    rawLabel: 'bare BullMQ job chains',
    kind: 'throughput',
  },
  {
    bench: 'turns',
    label: 'dispatch p99 ms',
    ours: 'dispatch_p99_ms',
    raw: 'raw_dispatch_p99_ms',
    rawLabel: 'bare BullMQ add → start',
    kind: 'latency',
  },
  {
    bench: 'kill',
    label: 'kill → stopped p99 ms',
    ours: 'stop_p99_ms',
    raw: 'raw_cancel_p99_ms',
    rawLabel: 'bare BullMQ cross-process cancel',
    kind: 'latency',
  },
  {
    bench: 'approval',
    label: 'decision → running p99 ms',
    ours: 'resume_p99_ms',
    raw: 'raw_resume_p99_ms',
    rawLabel: 'bare BullMQ park and resume',
    kind: 'latency',
  },
  {
    bench: 'reserve',
    label: 'added per call p99 ms',
    ours: 'added_p99_ms',
    raw: 'raw_p99_ms',
    rawLabel: 'bare Redis script round trip',
    kind: 'latency',
  },
];

export type Verdict = 'met' | 'missed' | 'not measured' | 'not comparable (quick)';

export function judge(target: Target, value: unknown, quick: boolean): Verdict {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'not measured';
  if (quick && target.fullOnly) return 'not comparable (quick)';
  const ok =
    target.op === '<='
      ? value <= target.value
      : target.op === '>='
        ? value >= target.value
        : value === target.value;
  return ok ? 'met' : 'missed';
}
