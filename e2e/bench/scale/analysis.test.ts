import { describe, expect, it } from 'vitest';
import { MACHINE } from '../lib/process-stats';
import { assignRuns, diagnose } from './analysis';

const cpu = (name: string, pct: number, wait = 0) => ({
  name,
  cpu_mean_pct: pct,
  cpu_peak_pct: pct,
  runq_wait_mean_pct: wait,
  rss_mean_mb: 1,
  rss_peak_mb: 1,
});

describe('scale analysis', () => {
  it('has every run watched by two clients, one on each web instance', () => {
    for (const runs of [10, 100]) {
      const ids = Array.from({ length: runs }, (_, i) => `r${i}`);
      const clients = assignRuns(ids, 20);
      for (const id of ids) {
        const watching = clients.flatMap((list, c) => (list.includes(id) ? [c] : []));
        expect(watching).toHaveLength(2);
        expect(watching[0]! % 2).not.toBe(watching[1]! % 2);
      }
      expect(clients.every((list) => list.length === runs / 10)).toBe(true);
    }
  });

  it('says when the machine was CPU-bound and by whom', () => {
    const verdict = diagnose(
      [cpu('worker-1', 60, 45), cpu('postgres (this db)', 40, 10), cpu(MACHINE, 195)],
      2,
    );
    expect(verdict).toMatch(/^CPU-bound: the machine was 195% busy of 200%/);
    expect(verdict).toContain('this stack 100%, other processes 95%');
    expect(verdict).toContain('busiest worker-1 60%');
    expect(verdict).toContain('waiting for a CPU while runnable: worker-1 45%');
  });

  it('names a single process that saturates its core, or says it is not CPU-bound', () => {
    expect(diagnose([cpu('web-1', 97), cpu(MACHINE, 120)], 2)).toMatch(
      /^one process saturates its core: web-1/,
    );
    expect(diagnose([cpu('worker-1', 30), cpu(MACHINE, 60)], 2)).toMatch(/^not CPU-bound/);
  });
});
