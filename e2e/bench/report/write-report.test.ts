import { describe, expect, it } from 'vitest';
import { lastJsonLine } from './run-all';
import {
  type BenchmarksFile,
  buildCharts,
  formatValue,
  handWrittenSection,
  renderReport,
} from './write-report';

const fixture = (quick = false): BenchmarksFile => ({
  quick,
  machine: {
    cpus: 2,
    cpu_model: 'Test CPU',
    memory_gib: 24,
    node: 'v20.20.0',
    os: 'Linux 6.1',
    load_before: [3.5, 2, 1],
    load_after: [1, 1, 1],
    started_at: '2026-11-23T10:00:00.000Z',
    finished_at: '2026-11-23T10:20:00.000Z',
    commit: 'abc1234',
  },
  results: {
    pipeline: {
      seconds: 300,
      figures: {
        events_per_s: 14_000,
        raw_relay_events_per_s: 35_000,
        ratio_vs_raw: 0.4,
        p99_ms_at_5k: 80,
        fanout20_deliveries_per_s: 40_000,
        fanout20_p99_ms: 17,
        lost: 0,
      },
    },
    turns: { seconds: 12, error: 'exited with 1: Error: invalid team' },
    scale: {
      seconds: 150,
      figures: { agents: 1000, lost: 0, turns_per_s: 9.3, saturation: 'CPU-bound: test' },
    },
  },
  details: {
    pipeline: {
      steps: [
        {
          scenario: 'raw relay, 1 watcher',
          offered: 5_000,
          committed_per_s: 4_990,
          deliveries_per_s: 4_990,
          p99_ms: 3,
        },
        {
          scenario: 'pipeline, 1 watcher',
          offered: 5_000,
          committed_per_s: 4_960,
          deliveries_per_s: 4_960,
          p99_ms: 80,
        },
      ],
    },
    scale: {
      series: [
        { name: 'web-1', t: [1, 2], cpuPct: [10, 12], rssMb: [300, 310] },
        { name: 'machine (all processes)', t: [1, 2], cpuPct: [150, 190], rssMb: [0, 0] },
      ],
    },
  },
});

describe('the benchmark report', () => {
  it('states each target as met or missed, and a failed benchmark as not measured', () => {
    const md = renderReport(fixture(), []);
    expect(md).toMatch(
      /\| pipeline \| p99 at 5,000 events\/s[^\n]*\| 80 \| ≤ 50 ms \| \*\*missed\*\* \|/,
    );
    expect(md).toMatch(
      /\| pipeline \| persisted events\/s ÷ raw relay[^\n]*\| 0\.4 \| ≥ 0\.333× \| met \|/,
    );
    expect(md).toMatch(/\| turns \| dispatch p99 at 100 agents[^\n]*\| not measured \|/);
    expect(md).toContain('**Failed**: `exited with 1: Error: invalid team`');
    expect(md).toContain('Benchmarks that failed: turns.');
    expect(md).toContain('where it saturates: CPU-bound: test');
  });

  it('gives the machine facts and warns when the machine was loaded', () => {
    const md = renderReport(fixture(), []);
    expect(md).toContain('| CPUs | 2 × Test CPU |');
    expect(md).toContain('| load average (1 / 5 / 15 min) before | 3.50 / 2.00 / 1.00 |');
    expect(md).toContain('| commit | `abc1234` |');
    expect(md).toContain('load average was above the CPU count');
  });

  it('shows the raw baselines with the ratio', () => {
    const md = renderReport(fixture(), []);
    expect(md).toContain(
      '| pipeline | events/s, commit → client | 14,000 | 35,000 | Redis pub/sub → Socket.IO relay | 0.4× |',
    );
  });

  it('does not judge in a quick run what only a full run measures', () => {
    const file = fixture(true);
    file.results.pipeline!.figures!.fanout20_deliveries_per_s = 9_960;
    const md = renderReport(file, []);
    expect(md).toContain('**Quick run**');
    expect(md).toMatch(/20 clients on one run: deliveries\/s[^\n]*not comparable \(quick\)/);
  });

  it('embeds the charts and keeps the hand-written section of the previous report', () => {
    const file = fixture();
    const charts = buildCharts(file);
    expect(charts.map((c) => c.file)).toEqual([
      'pipeline-throughput.svg',
      'pipeline-p99.svg',
      'ours-vs-raw-throughput.svg',
      'scale-memory.svg',
      'scale-cpu.svg',
    ]);
    const first = renderReport(file, charts, 'Turns were slow because of X.');
    expect(first).toContain(
      '![pipeline: delivery p99 against offered load (raw relay dashed)](bench/pipeline-p99.svg)',
    );
    expect(handWrittenSection(first)).toBe('Turns were slow because of X.');
    expect(handWrittenSection(renderReport(file, charts, handWrittenSection(first)))).toBe(
      'Turns were slow because of X.',
    );
    expect(handWrittenSection(null)).toBe('');
    expect(handWrittenSection(renderReport(file, charts))).toBe('');
  });

  it('formats figures for people', () => {
    expect(formatValue(14234)).toBe('14,234');
    expect(formatValue(0.3333333)).toBe('0.333');
    expect(formatValue(Number.NaN)).toBe('—');
    expect(formatValue(undefined)).toBe('—');
  });

  it("finds a benchmark's last JSON line among its output", () => {
    expect(lastJsonLine('table\n{"bench":"x","a":1}\n')).toEqual({ bench: 'x', a: 1 });
    expect(lastJsonLine('{"bench":"x","a":1}\n{"not":"a bench"}\nbye')).toEqual({
      bench: 'x',
      a: 1,
    });
    expect(lastJsonLine('no json {')).toBeNull();
  });
});
