/** The scale benchmark's pure parts: which client watches which run, and where it saturates. */
import { MACHINE, type ProcessSummary } from '../lib/process-stats';

/** Each run goes to 2 clients of different parity, so one on each web instance. */
export function assignRuns(runIds: readonly string[], clients: number): string[][] {
  const out = Array.from({ length: clients }, () => [] as string[]);
  runIds.forEach((runId, r) => {
    out[(2 * r) % clients]!.push(runId);
    out[(2 * r + 1) % clients]!.push(runId);
  });
  return out;
}

/**
 * Where it saturates, in words, from the mean CPU per process and of the whole
 * machine (`MACHINE`, every process on it, ours or other people's).
 */
export function diagnose(summary: readonly ProcessSummary[], cores: number): string {
  const capacity = cores * 100;
  const machine = summary.find((s) => s.name === MACHINE)?.cpu_mean_pct ?? Number.NaN;
  const mine = summary.filter((s) => s.name !== MACHINE && s.name !== 'redis (shared)');
  const total = Math.round(mine.reduce((a, s) => a + s.cpu_mean_pct, 0));
  const ranked = [...mine].sort((a, b) => b.cpu_mean_pct - a.cpu_mean_pct);
  const top = ranked[0];
  if (!top) return 'no samples';
  const busiest = ranked
    .slice(0, 3)
    .map((s) => `${s.name} ${s.cpu_mean_pct}%`)
    .join(', ');
  const others = Math.max(0, Math.round(machine - total));
  // Time runnable but without a CPU: a process that waits a lot is starved, not idle.
  const waiting = [...mine]
    .sort((a, b) => b.runq_wait_mean_pct - a.runq_wait_mean_pct)
    .slice(0, 3)
    .map((s) => `${s.name} ${s.runq_wait_mean_pct}%`)
    .join(', ');
  if (machine >= 0.9 * capacity)
    return `CPU-bound: the machine was ${Math.round(machine)}% busy of ${capacity}% (${cores} cores), this stack ${total}%, other processes ${others}%; busiest ${busiest}; waiting for a CPU while runnable: ${waiting}`;
  if (top.cpu_mean_pct >= 85)
    return `one process saturates its core: ${top.name} at ${top.cpu_mean_pct}% (busiest ${busiest}; waiting for a CPU while runnable: ${waiting})`;
  return `not CPU-bound (machine ${Math.round(machine)}% of ${capacity}%, this stack ${total}%; waiting for a CPU while runnable: ${waiting}): turns wait on PostgreSQL round trips and row locks; busiest ${busiest}`;
}
