/**
 * The benchmark report, from the figures of one `npm run bench -- all`: pure
 * functions from the collected JSON (docs/benchmarks.json) to the markdown of
 * docs/benchmarks.md and the SVG charts it embeds (docs/bench/*.svg).
 */
import { barChart, lineChart, type LineSeries } from './svg-chart';
import { BASELINES, judge, TARGETS, type Verdict } from './targets';

export type Figures = Record<string, number | string>;

export interface BenchRecord {
  /** The benchmark's last-line JSON (without `bench`), when it finished. */
  figures?: Figures;
  /** Why it did not finish. */
  error?: string;
  seconds: number;
}

export interface MachineFacts {
  cpus: number;
  cpu_model: string;
  memory_gib: number;
  node: string;
  os: string;
  load_before: [number, number, number];
  load_after: [number, number, number];
  started_at: string;
  finished_at: string;
  commit: string;
}

export interface BenchmarksFile {
  quick: boolean;
  machine: MachineFacts;
  results: Record<string, BenchRecord>;
  /** Per benchmark, what it saved beyond its figures (load steps, sampled series) for the charts. */
  details: Record<string, unknown>;
}

export interface Chart {
  /** File name under docs/bench/. */
  file: string;
  title: string;
  svg: string;
}

const HAND_START = '<!-- hand-written: kept as is by `npm run bench -- all` -->';
const HAND_END = '<!-- /hand-written -->';
const HAND_PLACEHOLDER =
  '(Diagnoses and remarks on this run go here; this section survives the next run.)';

/** The hand-written section of an existing report (between its markers), to carry over. */
export function handWrittenSection(markdown: string | null): string {
  if (!markdown) return '';
  const start = markdown.indexOf(HAND_START);
  const end = markdown.indexOf(HAND_END);
  if (start < 0 || end < start) return '';
  const text = markdown.slice(start + HAND_START.length, end).trim();
  return text === HAND_PLACEHOLDER ? '' : text;
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'number')
    return value === undefined || value === null ? '—' : JSON.stringify(value);
  if (!Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Number(value.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

const verdictText = (v: Verdict) => (v === 'missed' ? '**missed**' : v);

function targetText(op: string, value: number, unit: string): string {
  const shown =
    unit === '×'
      ? `${Number(value.toFixed(3))}×`
      : `${formatValue(value)}${unit ? ` ${unit}` : ''}`;
  return `${op === '==' ? '=' : op === '<=' ? '≤' : '≥'} ${shown}`;
}

interface PipelineStep {
  scenario: string;
  offered: number;
  deliveries_per_s: number;
  committed_per_s: number;
  p99_ms: number;
}

interface ScaleDetail {
  series: Array<{ name: string; t: number[]; cpuPct: number[]; rssMb: number[] }>;
  liveSeries?: Array<[number, number]>;
}

/** The charts the figures allow (a benchmark that did not run simply has none). */
export function buildCharts(file: BenchmarksFile): Chart[] {
  const charts: Chart[] = [];
  const pipeline = file.details.pipeline as { steps?: PipelineStep[] } | undefined;
  if (pipeline?.steps?.length) {
    const scenarios = [...new Set(pipeline.steps.map((s) => s.scenario))];
    const byScenario = (pick: (s: PipelineStep) => number): LineSeries[] =>
      scenarios.map((scenario) => ({
        name: scenario,
        dashed: scenario.startsWith('raw'),
        points: pipeline
          .steps!.filter((s) => s.scenario === scenario)
          .map((s) => [s.offered, pick(s)] as const),
      }));
    charts.push(
      {
        file: 'pipeline-throughput.svg',
        title: 'pipeline: committed events/s against offered load (raw relay dashed)',
        svg: lineChart({
          title: 'Pipeline: events/s committed vs offered',
          xLabel: 'offered events/s',
          yLabel: 'committed events/s',
          logX: true,
          logY: true,
          series: byScenario((s) => s.committed_per_s),
        }),
      },
      {
        file: 'pipeline-p99.svg',
        title: 'pipeline: delivery p99 against offered load (raw relay dashed)',
        svg: lineChart({
          title: 'Pipeline: commit → client p99 vs offered load',
          xLabel: 'offered events/s',
          yLabel: 'p99 ms',
          logX: true,
          logY: true,
          series: byScenario((s) => s.p99_ms),
        }),
      },
    );
  }
  const pairs = BASELINES.map((b) => ({ b, figures: file.results[b.bench]?.figures })).filter(
    ({ b, figures }) => typeof figures?.[b.ours] === 'number' && typeof figures[b.raw] === 'number',
  );
  for (const kind of ['throughput', 'latency'] as const) {
    const chosen = pairs.filter(({ b }) => b.kind === kind);
    if (chosen.length === 0) continue;
    charts.push({
      file: `ours-vs-raw-${kind}.svg`,
      title: `ours vs the raw baseline, ${kind} (log scale)`,
      svg: barChart({
        title: `Flightdeck vs raw infrastructure: ${kind === 'throughput' ? 'per second (higher is better)' : 'p99 ms (lower is better)'}`,
        yLabel: kind === 'throughput' ? 'per second' : 'p99 ms',
        logY: true,
        categories: chosen.map(({ b }) => `${b.bench}: ${b.label}`),
        series: [
          {
            name: 'Flightdeck',
            values: chosen.map(({ b, figures }) => figures![b.ours] as number),
          },
          {
            name: 'raw baseline',
            values: chosen.map(({ b, figures }) => figures![b.raw] as number),
          },
        ],
        width: Math.max(720, 200 * chosen.length),
      }),
    });
  }
  const scale = file.details.scale as ScaleDetail | undefined;
  if (scale?.series?.length) {
    const mine = scale.series.filter(
      (s) => !s.name.startsWith('machine') && !s.name.startsWith('redis'),
    );
    charts.push({
      file: 'scale-memory.svg',
      title: 'scale: resident memory per process over the window',
      svg: lineChart({
        title: 'Scale: RSS per process',
        xLabel: 'seconds into the window',
        yLabel: 'RSS MiB',
        series: mine.map((s) => ({
          name: s.name,
          points: s.t.map((t, i) => [t, s.rssMb[i]!] as const),
        })),
      }),
    });
    charts.push({
      file: 'scale-cpu.svg',
      title: 'scale: CPU per process and for the whole machine (dashed)',
      svg: lineChart({
        title: 'Scale: CPU, % of one core',
        xLabel: 'seconds into the window',
        yLabel: '% of a core',
        series: scale.series.map((s) => ({
          name: s.name,
          dashed: s.name.startsWith('machine'),
          points: s.t.map((t, i) => [t, s.cpuPct[i]!] as const),
        })),
      }),
    });
  }
  return charts;
}

function figuresTable(figures: Figures): string[] {
  return [
    '| figure | value |',
    '|---|---|',
    ...Object.entries(figures)
      .filter(([k]) => k !== 'bench')
      .map(([k, v]) => `| \`${k}\` | ${formatValue(v).replace(/\|/g, '\\|')} |`),
  ];
}

/** docs/benchmarks.md, from the figures, the charts' files and the hand-written section to keep. */
export function renderReport(
  file: BenchmarksFile,
  charts: readonly Chart[],
  handWritten = '',
): string {
  const m = file.machine;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const lines: string[] = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench -- all${file.quick ? ' --quick' : ''}\` — do not edit by hand outside the hand-written section at the end; the figures and charts are rewritten on every run. How each benchmark works and past diagnoses: [benchmarks-notes.md](benchmarks-notes.md). Raw baselines are measured in the same run; on a shared, noisy machine the ratios mean more than the absolute figures.`,
    '',
  ];
  if (file.quick)
    lines.push(
      '> **Quick run** (`--quick`): reduced versions for a fast check. Figures marked "not comparable (quick)" are not judged; the others are indicative only.',
      '',
    );
  lines.push(
    '## Machine',
    '',
    '| fact | value |',
    '|---|---|',
    `| CPUs | ${m.cpus} × ${m.cpu_model} |`,
    `| memory | ${m.memory_gib} GiB |`,
    `| OS · Node | ${m.os} · ${m.node} |`,
    `| load average (1 / 5 / 15 min) before | ${load(m.load_before)} |`,
    `| load average (1 / 5 / 15 min) after | ${load(m.load_after)} |`,
    `| started · finished | ${m.started_at} · ${m.finished_at} |`,
    `| commit | \`${m.commit}\` |`,
    '',
  );
  if (m.load_before[0] > m.cpus || m.load_after[0] > m.cpus)
    lines.push(
      `The load average was above the CPU count (${m.cpus}): other work shared the machine, so latencies' tails and ceilings are pessimistic.`,
      '',
    );

  lines.push(
    '## Targets',
    '',
    '| bench | target | figure | value | target | verdict |',
    '|---|---|---|---|---|---|',
  );
  const verdicts: Verdict[] = [];
  for (const t of TARGETS) {
    const record = file.results[t.bench];
    if (!record) continue;
    const value = record.figures?.[t.figure];
    const verdict = record.error ? 'not measured' : judge(t, value, file.quick);
    verdicts.push(verdict);
    lines.push(
      `| ${t.bench} | ${t.label} | \`${t.figure}\` | ${formatValue(value)} | ${targetText(t.op, t.value, t.unit)} | ${verdictText(verdict)} |`,
    );
  }
  const count = (v: Verdict) => verdicts.filter((x) => x === v).length;
  const failed = Object.entries(file.results).filter(([, r]) => r.error);
  lines.push(
    '',
    `**${count('met')} met, ${count('missed')} missed**${count('not measured') ? `, ${count('not measured')} not measured` : ''}${count('not comparable (quick)') ? `, ${count('not comparable (quick)')} not comparable in a quick run` : ''}.${failed.length ? ` Benchmarks that failed: ${failed.map(([n]) => n).join(', ')}.` : ''}`,
    '',
    '## Against the raw baselines',
    '',
    '| bench | measure | Flightdeck | raw | raw baseline | ratio (ours ÷ raw) |',
    '|---|---|---|---|---|---|',
  );
  for (const b of BASELINES) {
    const figures = file.results[b.bench]?.figures;
    const ours = figures?.[b.ours];
    const raw = figures?.[b.raw];
    if (typeof ours !== 'number' || typeof raw !== 'number') continue;
    const ratio = raw ? ours / raw : Number.NaN;
    lines.push(
      `| ${b.bench} | ${b.label} | ${formatValue(ours)} | ${formatValue(raw)} | ${b.rawLabel} | ${formatValue(ratio)}× |`,
    );
  }
  lines.push('');

  if (charts.length) {
    lines.push('## Charts', '');
    for (const chart of charts) lines.push(`![${chart.title}](bench/${chart.file})`, '');
  }

  lines.push('## Each benchmark', '');
  for (const [name, record] of Object.entries(file.results)) {
    lines.push(`### ${name} (${Math.round(record.seconds)} s)`, '');
    if (record.error) lines.push(`**Failed**: \`${record.error.replace(/`/g, "'")}\``, '');
    if (record.figures) {
      const mine = TARGETS.filter((t) => t.bench === name);
      for (const t of mine) {
        const verdict = record.error
          ? 'not measured'
          : judge(t, record.figures[t.figure], file.quick);
        lines.push(
          `- ${t.label}: ${formatValue(record.figures[t.figure])}${t.unit && t.unit !== '×' ? ` ${t.unit}` : ''} (target ${targetText(t.op, t.value, t.unit)}): ${verdictText(verdict)}`,
        );
      }
      if (typeof record.figures.saturation === 'string')
        lines.push(`- where it saturates: ${record.figures.saturation}`);
      if (mine.length || record.figures.saturation) lines.push('');
      lines.push(...figuresTable(record.figures), '');
      lines.push('```json', JSON.stringify({ bench: name, ...record.figures }), '```', '');
    }
  }
  lines.push('## Notes', '', HAND_START, '', handWritten || HAND_PLACEHOLDER, '', HAND_END, '');
  return lines.join('\n');
}
