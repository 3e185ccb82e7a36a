/**
 * CPU and memory of the processes a benchmark runs, sampled from /proc (Linux):
 * CPU as a share of one core from the utime + stime deltas in /proc/PID/stat,
 * memory as VmRSS from /proc/PID/status (for a group, each member's Pss). A group (PostgreSQL's backends for one
 * database, say) is the sum over the processes it matches at each sample. The
 * series end with the whole machine's CPU (every process, ours or not).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second of utime/stime (almost always 100 on Linux). */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime, in clock ticks, from the text of /proc/PID/stat (the command may hold spaces or parentheses). */
export function parseCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state(0) ppid(1) … utime(11) stime(12).
  return Number(fields[11]) + Number(fields[12]);
}

/** VmRSS in MiB from the text of /proc/PID/status (0 when absent, e.g. a zombie). */
export function parseRssMb(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}

/** Share of one core (100 = one core busy) used between two tick readings. */
export function cpuPercent(ticksBefore: number, ticksAfter: number, elapsedMs: number): number {
  if (elapsedMs <= 0) return 0;
  return (((ticksAfter - ticksBefore) / CLOCK_TICKS) * 100_000) / elapsedMs;
}

/** Busy and total jiffies of all CPUs from the text of /proc/stat (busy: not idle, not waiting on I/O). */
export function parseMachineTicks(stat: string): { busy: number; total: number } {
  const fields = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/** The whole machine, every process of every user: % of one core, so 200 = 2 cores busy. */
export const MACHINE = 'machine (all processes)';

/** Pss (proportional set size) in MiB from /proc/PID/smaps_rollup: shared pages split between their users. */
export function parsePssMb(smapsRollup: string): number | null {
  const match = /^Pss:\s+(\d+)\s+kB/m.exec(smapsRollup);
  return match ? Number(match[1]) / 1024 : null;
}

/** Nanoseconds spent runnable but waiting for a CPU, from /proc/PID/schedstat (its main thread). */
export function parseRunQueueWaitNs(schedstat: string): number {
  return Number(schedstat.trim().split(/\s+/)[1] ?? 0) || 0;
}

/**
 * One process's CPU ticks, run-queue wait and memory: VmRSS, or for a group member its Pss
 * (PostgreSQL's backends share their buffers: summing their RSS would count
 * the shared memory once per backend).
 */
function read(
  pid: number,
  proportional: boolean,
): { ticks: number; waitNs: number; rssMb: number } | null {
  try {
    const ticks = parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    let waitNs = 0;
    try {
      waitNs = parseRunQueueWaitNs(readFileSync(`/proc/${pid}/schedstat`, 'utf8'));
    } catch {
      // a kernel without schedstats
    }
    let rssMb: number | null = null;
    if (proportional) {
      try {
        rssMb = parsePssMb(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      } catch {
        // not readable: fall back to VmRSS
      }
    }
    rssMb ??= parseRssMb(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { ticks, waitNs, rssMb };
  } catch {
    return null; // gone
  }
}

/** Pids whose command line (NULs as spaces) passes `test`: read-only, for groups like PostgreSQL backends. */
export function findPids(test: (cmdline: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmdline && test(cmdline)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** What to sample: one pid, or a group found again at every sample. */
export type Target = { name: string; pid: number } | { name: string; find: () => number[] };

export interface ProcessSeries {
  name: string;
  /** Seconds since the sampler started, one per sample. */
  t: number[];
  cpuPct: number[];
  /**
   * Share of the time the process's main thread was runnable but waiting for a
   * CPU (% of wall time): high when the machine's cores are taken by others.
   */
  waitPct: number[];
  rssMb: number[];
}

export interface ProcessSummary {
  name: string;
  cpu_mean_pct: number;
  cpu_peak_pct: number;
  /** Mean share of wall time its main thread waited for a CPU while runnable. */
  runq_wait_mean_pct: number;
  rss_mean_mb: number;
  rss_peak_mb: number;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** Mean and peak of a series (samples taken, not time-weighted: the interval is fixed). */
export function summarizeSeries(series: ProcessSeries): ProcessSummary {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    name: series.name,
    cpu_mean_pct: r1(mean(series.cpuPct)),
    cpu_peak_pct: r1(Math.max(0, ...series.cpuPct)),
    runq_wait_mean_pct: r1(mean(series.waitPct)),
    rss_mean_mb: r1(mean(series.rssMb)),
    rss_peak_mb: r1(Math.max(0, ...series.rssMb)),
  };
}

export interface ProcessSampler {
  /** Samples so far (the sampler keeps running). */
  series(): ProcessSeries[];
  /** Stop sampling (once; again returns the same): the series and their summaries. */
  stop(): { series: ProcessSeries[]; summary: ProcessSummary[] };
}

/** Sample every `intervalMs` (default 500 ms) until stopped. Cheap: two small reads per pid. */
export function sampleProcesses(targets: Target[], intervalMs = 500): ProcessSampler {
  const started = performance.now();
  const all: ProcessSeries[] = [...targets, { name: MACHINE }].map((t) => ({
    name: t.name,
    t: [],
    cpuPct: [],
    waitPct: [],
    rssMb: [],
  }));
  const cores = cpus().length;
  let machine = parseMachineTicks(readFileSync('/proc/stat', 'utf8'));
  // Last tick reading per target per pid; a pid seen for the first time counts from its reading.
  const last = targets.map(() => new Map<number, { ticks: number; waitNs: number }>());
  let lastAt = started;
  const tick = (first: boolean) => {
    const now = performance.now();
    targets.forEach((target, i) => {
      const pids = 'pid' in target ? [target.pid] : target.find();
      const seen = new Map<number, { ticks: number; waitNs: number }>();
      let ticks = 0;
      let waitNs = 0;
      let rss = 0;
      for (const pid of pids) {
        const reading = read(pid, !('pid' in target));
        if (!reading) continue;
        seen.set(pid, reading);
        // A group member that appeared since the last sample: its ticks so far are new work.
        const before = last[i]!.get(pid) ?? ('pid' in target ? reading : { ticks: 0, waitNs: 0 });
        ticks += reading.ticks - before.ticks;
        waitNs += reading.waitNs - before.waitNs;
        rss += reading.rssMb;
      }
      last[i] = seen;
      if (first) return;
      const series = all[i]!;
      series.t.push(r1((now - started) / 1000));
      series.cpuPct.push(r1(cpuPercent(0, ticks, now - lastAt)));
      series.waitPct.push(r1(now > lastAt ? waitNs / 1e4 / (now - lastAt) : 0));
      series.rssMb.push(r1(rss));
    });
    const reading = parseMachineTicks(readFileSync('/proc/stat', 'utf8'));
    if (!first) {
      const series = all.at(-1)!;
      const total = reading.total - machine.total;
      series.t.push(r1((now - started) / 1000));
      series.cpuPct.push(r1(total > 0 ? ((reading.busy - machine.busy) / total) * cores * 100 : 0));
      series.waitPct.push(0);
      series.rssMb.push(0);
    }
    machine = reading;
    lastAt = now;
  };
  tick(true);
  const timer = setInterval(() => tick(false), intervalMs);
  timer.unref();
  let result: { series: ProcessSeries[]; summary: ProcessSummary[] } | null = null;
  return {
    series: () => all,
    stop() {
      if (result) return result; // stopping again returns the same figures
      clearInterval(timer);
      tick(false);
      result = { series: all, summary: all.map(summarizeSeries) };
      return result;
    },
  };
}

/** PostgreSQL's backends serving one database (their titles name it), read-only. */
export const postgresBackendsOf = (database: string) => () =>
  findPids((cmd) => cmd.startsWith('postgres:') && cmd.split(' ').includes(database));

/** CPU time (user + system, ms) the processes have used so far; those gone are skipped. */
export function cpuMsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      ticks += parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      // gone meanwhile
    }
  }
  return (ticks / CLOCK_TICKS) * 1000;
}

/** The Redis server (shared with every stack on the machine), read-only. */
export const redisServer = () => findPids((cmd) => cmd.startsWith('redis-server'));

/** Peak and mean RSS (MiB) and mean CPU (% of a core) over a group of summaries, for a bench's JSON. */
export function memoryFigures(
  prefix: string,
  all: readonly ProcessSummary[],
): Record<string, number> {
  const summaries = all.filter((s) => s.name !== MACHINE);
  if (summaries.length === 0) return {};
  return {
    [`${prefix}_rss_peak_mb`]: r1(Math.max(...summaries.map((s) => s.rss_peak_mb))),
    [`${prefix}_rss_mean_mb`]: r1(
      summaries.reduce((a, s) => a + s.rss_mean_mb, 0) / summaries.length,
    ),
    [`${prefix}_cpu_mean_pct`]: r1(
      summaries.reduce((a, s) => a + s.cpu_mean_pct, 0) / summaries.length,
    ),
  };
}
