import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, formatTick, lineChart, logTicks, niceTicks } from './svg-chart';

describe('svg charts', () => {
  it('picks round ticks covering the range', () => {
    expect(niceTicks(0, 95)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.2, 0.9, 4)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(logTicks(3, 4_500)).toEqual([1, 10, 100, 1_000, 10_000]);
  });

  it('labels ticks shortly', () => {
    expect(formatTick(1_500)).toBe('1.5k');
    expect(formatTick(2_500_000)).toBe('2.5M');
    expect(formatTick(0.05)).toBe('0.05');
  });

  it('draws a line per series, escapes text and skips points a log axis cannot show', () => {
    const svg = lineChart({
      title: 'p99 <ms> & load',
      xLabel: 'offered',
      yLabel: 'ms',
      logX: true,
      series: [
        {
          name: 'ours',
          points: [
            [1_000, 5],
            [5_000, 9],
            [0, 3],
          ],
        },
        {
          name: 'raw',
          points: [
            [1_000, 2],
            [5_000, Number.NaN],
          ],
          dashed: true,
        },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('p99 &lt;ms&gt; &amp; load');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="6 4"');
    // ours: two points (x = 0 has no place on a log axis), raw: one.
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).not.toContain('NaN');
  });

  it('draws a bar per measured value, none for a missing one', () => {
    const svg = barChart({
      title: 'ours vs raw',
      yLabel: 'per s',
      logY: true,
      categories: ['pipeline', 'turns'],
      series: [
        { name: 'Flightdeck', values: [14_000, 8] },
        { name: 'raw', values: [35_000, null] },
      ],
    });
    expect(svg.match(/<rect x=/g)).toHaveLength(3);
    expect(svg).toContain('>pipeline</tspan>');
    expect(svg).not.toContain('NaN');
  });

  it('copes with no data at all', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [] });
    expect(svg).toContain('</svg>');
    expect(escapeXml('"a"')).toBe('&quot;a&quot;');
  });
});
