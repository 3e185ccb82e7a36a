/**
 * Chart colours: CSS variables set on the costs page per theme (see
 * CHART_PALETTE_CLASSES), so Recharts' SVG follows light and dark mode
 * without re-rendering.
 */
export const SERIES_COLORS = Array.from({ length: 8 }, (_, i) => `var(--chart-${i + 1})`);

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? 'var(--chart-1)';
}

/** Tailwind arbitrary properties defining --chart-1…8 for light, then dark. */
export const CHART_PALETTE_CLASSES = [
  '[--chart-1:oklch(0.55_0.19_265)] dark:[--chart-1:oklch(0.68_0.16_265)]',
  '[--chart-2:oklch(0.62_0.15_160)] dark:[--chart-2:oklch(0.74_0.14_160)]',
  '[--chart-3:oklch(0.72_0.16_70)] dark:[--chart-3:oklch(0.8_0.14_75)]',
  '[--chart-4:oklch(0.6_0.2_340)] dark:[--chart-4:oklch(0.72_0.17_340)]',
  '[--chart-5:oklch(0.6_0.12_210)] dark:[--chart-5:oklch(0.74_0.11_210)]',
  '[--chart-6:oklch(0.55_0.18_300)] dark:[--chart-6:oklch(0.7_0.15_300)]',
  '[--chart-7:oklch(0.6_0.19_30)] dark:[--chart-7:oklch(0.72_0.16_30)]',
  '[--chart-8:oklch(0.6_0.03_260)] dark:[--chart-8:oklch(0.72_0.02_260)]',
].join(' ');

/** Shared axis / grid / tooltip styling from the design tokens. */
export const AXIS_TICK = { fill: 'var(--muted-foreground)', fontSize: 11 } as const;
export const GRID_STROKE = 'var(--border)';
export const TOOLTIP_STYLE = {
  contentStyle: {
    background: 'var(--popover)',
    border: '1px solid var(--border)',
    borderRadius: 6,
    color: 'var(--popover-foreground)',
    fontSize: 12,
    boxShadow: '0 4px 12px rgb(0 0 0 / 0.12)',
  },
  labelStyle: { color: 'var(--muted-foreground)', marginBottom: 4 },
  itemStyle: { color: 'var(--popover-foreground)', padding: 0 },
  cursor: { fill: 'var(--muted)', opacity: 0.6 },
} as const;

/** Axis ticks in dollars: $0, $0.0045, $0.015, $1.20, $1.2k (up to four decimals below a dollar). */
export function formatUsdTick(microUsd: number): string {
  const usd = microUsd / 1_000_000;
  if (usd === 0) return '$0';
  if (usd >= 1000) return `$${(usd / 1000).toFixed(1)}k`;
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  const fixed = usd.toFixed(4).replace(/0+$/, '');
  const decimals = fixed.split('.')[1]?.length ?? 0;
  return `$${decimals < 2 ? usd.toFixed(2) : fixed}`;
}
