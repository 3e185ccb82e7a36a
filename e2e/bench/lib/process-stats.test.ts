import { describe, expect, it } from 'vitest';
import {
  CLOCK_TICKS,
  cpuPercent,
  MACHINE,
  memoryFigures,
  parseCpuTicks,
  parseMachineTicks,
  parsePssMb,
  parseRunQueueWaitNs,
  parseRssMb,
  sampleProcesses,
} from './process-stats';

describe('process stats from /proc', () => {
  it('reads utime + stime even when the command holds spaces and parentheses', () => {
    const stat =
      '4242 (node (web) 1) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 1 2 3';
    expect(parseCpuTicks(stat)).toBe(300);
  });

  it('reads VmRSS in MiB, 0 when absent', () => {
    expect(parseRssMb('Name:\tnode\nVmRSS:\t  204800 kB\nThreads: 11\n')).toBe(200);
    expect(parseRssMb('Name:\tzombie\n')).toBe(0);
  });

  it('reads Pss in MiB from smaps_rollup', () => {
    expect(
      parsePssMb('55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss: 9000 kB\nPss:  2048 kB\n'),
    ).toBe(2);
    expect(parsePssMb('Rss: 1 kB\n')).toBeNull();
  });

  it('reads the run-queue wait from schedstat', () => {
    expect(parseRunQueueWaitNs('123456 7890000 42\n')).toBe(7_890_000);
  });

  it('turns tick deltas into a share of one core', () => {
    expect(cpuPercent(0, CLOCK_TICKS, 1_000)).toBeCloseTo(100);
    expect(cpuPercent(0, CLOCK_TICKS, 2_000)).toBeCloseTo(50);
    expect(cpuPercent(5, 5, 0)).toBe(0);
  });

  it('reads the machine busy and total jiffies', () => {
    expect(parseMachineTicks('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n')).toEqual({
      busy: 150,
      total: 1_000,
    });
  });

  it('summarizes a group of processes for a JSON line, without the machine', () => {
    const figures = memoryFigures('worker', [
      {
        name: 'w0',
        cpu_mean_pct: 40,
        cpu_peak_pct: 90,
        runq_wait_mean_pct: 5,
        rss_mean_mb: 300,
        rss_peak_mb: 350,
      },
      {
        name: 'w1',
        cpu_mean_pct: 20,
        cpu_peak_pct: 50,
        runq_wait_mean_pct: 5,
        rss_mean_mb: 200,
        rss_peak_mb: 250,
      },
      {
        name: MACHINE,
        cpu_mean_pct: 190,
        cpu_peak_pct: 200,
        runq_wait_mean_pct: 0,
        rss_mean_mb: 0,
        rss_peak_mb: 0,
      },
    ]);
    expect(figures).toEqual({
      worker_rss_peak_mb: 350,
      worker_rss_mean_mb: 250,
      worker_cpu_mean_pct: 30,
    });
  });

  it('samples a live process (this one) and the machine', async () => {
    const sampler = sampleProcesses([{ name: 'me', pid: process.pid }], 20);
    const until = Date.now() + 80;
    while (Date.now() < until) Math.sqrt(Math.random()); // some CPU to see
    await new Promise((r) => setTimeout(r, 30));
    const { series, summary } = sampler.stop();
    expect(series.map((s) => s.name)).toEqual(['me', MACHINE]);
    expect(series[0]!.rssMb.every((mb) => mb > 10)).toBe(true);
    expect(summary[0]!.rss_peak_mb).toBeGreaterThan(10);
    expect(sampler.stop().summary).toBe(summary);
  });
});
