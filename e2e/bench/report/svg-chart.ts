/**
 * Small dependency-free SVG charts for the benchmark report: a line chart
 * (series of x/y points, linear or log axes) and a grouped bar chart. Pure
 * functions from data to an SVG document; no fonts or scripts to load.
 */

export interface LineSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  categories: readonly string[];
  /** One value per category (null: not measured). */
  series: ReadonlyArray<{ name: string; values: ReadonlyArray<number | null> }>;
  logY?: boolean;
  width?: number;
  height?: number;
}

export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#4b5563',
  '#ca8a04',
  '#111827',
  '#db2777',
];

const MARGIN = { top: 40, right: 20, bottom: 70, left: 70 };

/** The chart's size and its plot area: inside the margins, above one legend line per series. */
function plotArea(options: { width?: number; height?: number; series: readonly unknown[] }) {
  const width = options.width ?? 720;
  const height = options.height ?? 400;
  const legendHeight = 16 * options.series.length;
  return {
    width,
    height,
    legendHeight,
    left: MARGIN.left,
    right: width - MARGIN.right,
    top: MARGIN.top,
    bottom: height - MARGIN.bottom - legendHeight,
  };
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** A short label: 1.5k, 12k, 2.5M, 0.05, 340. */
export function formatTick(value: number): string {
  const abs = Math.abs(value);
  const trim = (n: number) => String(Number(n.toPrecision(3)));
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

/** About `count` round ticks covering [min, max] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max === min) max = min + 1;
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  const last = Math.ceil(max / step - 1e-9) * step;
  for (let v = Math.floor(min / step) * step; v <= last + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Powers of ten covering [min, max] (both > 0). */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++)
    ticks.push(10 ** e);
  return ticks;
}

interface Axis {
  ticks: number[];
  scale: (v: number) => number;
}

function axis(values: number[], log: boolean, from: number, to: number, zero: boolean): Axis {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (finite.length === 0) return { ticks: [], scale: () => from };
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (log) {
    const ticks = logTicks(min, max);
    const lo = Math.log10(ticks[0]!);
    const hi = Math.log10(ticks.at(-1)!);
    const span = hi - lo || 1;
    return {
      ticks,
      scale: (v) => from + ((Math.log10(Math.max(v, ticks[0]!)) - lo) / span) * (to - from),
    };
  }
  if (zero) min = Math.min(0, min);
  if (max === min) max = min + 1;
  const ticks = niceTicks(min, max);
  const lo = ticks[0]!;
  const hi = ticks.at(-1)!;
  return { ticks, scale: (v) => from + ((v - lo) / (hi - lo)) * (to - from) };
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function legend(names: readonly string[], x: number, y: number, dashed: boolean[] = []): string[] {
  return names.map((name, i) => {
    const ly = y + i * 16;
    const color = PALETTE[i % PALETTE.length]!;
    return `<line x1="${x}" y1="${ly}" x2="${x + 18}" y2="${ly}" stroke="${color}" stroke-width="3"${dashed[i] ? ' stroke-dasharray="5 3"' : ''}/><text x="${x + 24}" y="${ly + 4}">${escapeXml(name)}</text>`;
  });
}

const f = (n: number) => n.toFixed(1);

export function lineChart(options: LineChartOptions): string {
  const { width, height, legendHeight, left, right, top, bottom } = plotArea(options);
  const points = options.series.flatMap((s) => s.points);
  const x = axis(
    points.map((p) => p[0]),
    options.logX ?? false,
    left,
    right,
    false,
  );
  const y = axis(
    points.map((p) => p[1]),
    options.logY ?? false,
    bottom,
    top,
    true,
  );
  const body: string[] = [];
  for (const t of y.ticks) {
    const py = f(y.scale(t));
    body.push(
      `<line x1="${left}" y1="${py}" x2="${right}" y2="${py}" stroke="#e5e7eb"/><text x="${left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`,
    );
  }
  for (const t of x.ticks) {
    const px = f(x.scale(t));
    body.push(
      `<line x1="${px}" y1="${bottom}" x2="${px}" y2="${bottom + 5}" stroke="#374151"/><text x="${px}" y="${bottom + 18}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  body.push(
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#374151"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#374151"/>`,
    `<text x="${(left + right) / 2}" y="${bottom + 38}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  options.series.forEach((series, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const valid = series.points.filter(
      ([px, py]) =>
        Number.isFinite(px) &&
        Number.isFinite(py) &&
        (!options.logX || px > 0) &&
        (!options.logY || py > 0),
    );
    if (valid.length === 0) return;
    const path = valid.map(([px, py]) => `${f(x.scale(px))},${f(y.scale(py))}`).join(' ');
    body.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''} points="${path}"/>`,
    );
    if (valid.length <= 30)
      for (const [px, py] of valid)
        body.push(
          `<circle cx="${f(x.scale(px))}" cy="${f(y.scale(py))}" r="3" fill="${color}"><title>${escapeXml(`${series.name}: ${formatTick(px)}, ${formatTick(py)}`)}</title></circle>`,
        );
  });
  body.push(
    ...legend(
      options.series.map((s) => s.name),
      left,
      height - legendHeight - 6,
      options.series.map((s) => s.dashed ?? false),
    ),
  );
  return frame(width, height, options.title, body);
}

export function barChart(options: BarChartOptions): string {
  const { width, height, legendHeight, left, right, top, bottom } = plotArea(options);
  const values = options.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const y = axis(values, options.logY ?? false, bottom, top, true);
  const base = options.logY ? bottom : y.scale(0);
  const body: string[] = [];
  for (const t of y.ticks) {
    const py = f(y.scale(t));
    body.push(
      `<line x1="${left}" y1="${py}" x2="${right}" y2="${py}" stroke="#e5e7eb"/><text x="${left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`,
    );
  }
  const group = (right - left) / Math.max(1, options.categories.length);
  const barWidth = (group * 0.8) / Math.max(1, options.series.length);
  options.categories.forEach((category, c) => {
    const gx = left + c * group + group * 0.1;
    options.series.forEach((series, s) => {
      const value = series.values[c];
      if (value === null || value === undefined || !Number.isFinite(value)) return;
      const py = y.scale(value);
      const bx = gx + s * barWidth;
      body.push(
        `<rect x="${f(bx)}" y="${f(Math.min(py, base))}" width="${f(barWidth * 0.92)}" height="${f(Math.abs(base - py))}" fill="${PALETTE[s % PALETTE.length]}"><title>${escapeXml(`${series.name} — ${category}: ${value}`)}</title></rect>`,
        `<text x="${f(bx + barWidth / 2)}" y="${f(Math.min(py, base) - 4)}" text-anchor="middle" font-size="10">${formatTick(value)}</text>`,
      );
    });
    // "bench: measure" on two lines, so neighbouring labels do not run into each other.
    const [head, ...tail] = category.split(': ');
    const lines = tail.length ? [`${head}:`, tail.join(': ')] : [category];
    const cx = f(left + c * group + group / 2);
    body.push(
      `<text x="${cx}" y="${bottom + 18}" text-anchor="middle">${lines.map((l, i) => `<tspan x="${cx}" dy="${i ? 14 : 0}">${escapeXml(l)}</tspan>`).join('')}</text>`,
    );
  });
  body.push(
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#374151"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#374151"/>`,
    `<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
    ...legend(
      options.series.map((s) => s.name),
      left,
      height - legendHeight - 6,
    ),
  );
  return frame(width, height, options.title, body);
}
