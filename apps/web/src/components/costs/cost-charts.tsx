'use client';

import { BarChart3Icon } from 'lucide-react';
import { useMemo, type ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatTokens, formatUsd } from '@/client/format';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { AXIS_TICK, formatUsdTick, GRID_STROKE, seriesColor, TOOLTIP_STYLE } from './chart-theme';
import type { AgentCostRow, CostTimeseries, ModelCostRow } from './types';

const INITIAL = { width: 600, height: 280 };

/** A tooltip label (typed as a React node) as text. */
const text = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : '';

function ChartCard({
  testId,
  title,
  description,
  total,
  height,
  loading,
  empty,
  children,
}: {
  testId: string;
  title: string;
  description: ReactNode;
  /** Exposed as data-total for tests and tools: the sum the chart shows. */
  total: number | undefined;
  height: number;
  loading: boolean;
  empty: boolean;
  children: ReactNode;
}) {
  return (
    <Card data-testid={testId} data-total={total ?? ''} className="min-w-0">
      <CardHeader className="items-start">
        <div className="min-w-0 space-y-1">
          <CardTitle>{title}</CardTitle>
          <CardDescription>{description}</CardDescription>
        </div>
      </CardHeader>
      <CardContent className="pt-3" style={{ height }}>
        {loading ? (
          <Skeleton className="size-full" />
        ) : empty ? (
          <div className="flex size-full flex-col items-center justify-center gap-2 text-sm text-muted-foreground">
            <BarChart3Icon className="size-5 opacity-60" />
            No model calls finished in this range.
          </div>
        ) : (
          children
        )}
      </CardContent>
    </Card>
  );
}

function legendText(value: string) {
  return <span className="text-xs text-muted-foreground">{value}</span>;
}

function bucketLabel(iso: string, bucketSeconds: number): string {
  const d = new Date(iso);
  const time = d.toLocaleTimeString('en-US', { hour: '2-digit', minute: '2-digit', hour12: false });
  const day = d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
  if (bucketSeconds >= 86_400) return day;
  if (bucketSeconds >= 6 * 3600) return `${day} ${time}`;
  return time;
}

export function SpendOverTimeChart({
  data,
  rangeLabel,
  total,
}: {
  data: CostTimeseries | undefined;
  rangeLabel: string;
  total: number | undefined;
}) {
  const { rows, teams, sum } = useMemo(() => {
    if (!data) return { rows: [], teams: [], sum: 0 };
    const byTeam = new Map<string, { slug: string; name: string; cost: number }>();
    const cells = new Map<string, Record<string, number | string>>();
    for (const bucket of data.buckets) cells.set(bucket, { bucket });
    let sum = 0;
    for (const p of data.points) {
      const team = byTeam.get(p.teamSlug) ?? { slug: p.teamSlug, name: p.teamName, cost: 0 };
      team.cost += p.costMicroUsd;
      byTeam.set(p.teamSlug, team);
      sum += p.costMicroUsd;
      const row = cells.get(p.bucket) ?? { bucket: p.bucket };
      row[p.teamSlug] = p.costMicroUsd;
      cells.set(p.bucket, row);
    }
    const rows = [...cells.values()].sort((a, b) =>
      String(a.bucket).localeCompare(String(b.bucket)),
    );
    return { rows, teams: [...byTeam.values()].sort((a, b) => b.cost - a.cost), sum };
  }, [data]);
  const step = data?.bucketSeconds ?? 3600;
  const per = step >= 86_400 ? 'day' : step >= 6 * 3600 ? '6 hours' : 'hour';
  return (
    <ChartCard
      testId="chart-spend-over-time"
      title="Spend over time"
      description={
        <>
          {formatUsd(total ?? sum)} in the {rangeLabel}, per {per}, stacked by team
        </>
      }
      total={data ? sum : undefined}
      height={300}
      loading={!data}
      empty={teams.length === 0}
    >
      <ResponsiveContainer width="100%" height="100%" initialDimension={INITIAL}>
        <BarChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 4 }}>
          <CartesianGrid vertical={false} stroke={GRID_STROKE} />
          <XAxis
            dataKey="bucket"
            tickFormatter={(v: string) => bucketLabel(v, step)}
            tick={AXIS_TICK}
            tickLine={false}
            axisLine={{ stroke: GRID_STROKE }}
            minTickGap={24}
          />
          <YAxis
            tickFormatter={formatUsdTick}
            tick={AXIS_TICK}
            tickLine={false}
            axisLine={false}
            width={64}
          />
          <Tooltip
            {...TOOLTIP_STYLE}
            labelFormatter={(v) => bucketLabel(text(v), step === 3600 ? 3600 * 6 : step)}
            formatter={(value, name) => [
              formatUsd(Number(value)),
              teams.find((t) => t.slug === name)?.name ?? name,
            ]}
          />
          <Legend
            iconType="circle"
            iconSize={8}
            formatter={(value: string) =>
              legendText(teams.find((t) => t.slug === value)?.name ?? value)
            }
          />
          {teams.map((t, i) => (
            <Bar
              key={t.slug}
              dataKey={t.slug}
              name={t.slug}
              stackId="spend"
              fill={seriesColor(i)}
              maxBarSize={36}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}

export function TokensByModelChart({ data }: { data: ModelCostRow[] | undefined }) {
  const total = data?.reduce((n, m) => n + m.inputTokens + m.outputTokens, 0);
  const height = Math.max(300, (data?.length ?? 0) * 56 + 70);
  return (
    <ChartCard
      testId="chart-tokens-by-model"
      title="Tokens by model"
      description={
        data && data.length > 0
          ? `${formatTokens(total ?? 0)} tokens across ${data.length} model${data.length === 1 ? '' : 's'}, most expensive first · hover for cost`
          : 'Input and output tokens per model'
      }
      total={total}
      height={height}
      loading={!data}
      empty={!data || data.length === 0}
    >
      <ResponsiveContainer width="100%" height="100%" initialDimension={INITIAL}>
        <BarChart
          data={data}
          layout="vertical"
          margin={{ top: 4, right: 16, bottom: 0, left: 4 }}
          barGap={2}
        >
          <CartesianGrid horizontal={false} stroke={GRID_STROKE} />
          <XAxis
            type="number"
            tickFormatter={formatTokens}
            tick={AXIS_TICK}
            tickLine={false}
            axisLine={false}
          />
          <YAxis
            type="category"
            dataKey="model"
            tick={AXIS_TICK}
            tickLine={false}
            axisLine={{ stroke: GRID_STROKE }}
            width={180}
            interval={0}
          />
          <Tooltip
            {...TOOLTIP_STYLE}
            formatter={(value, name) => [formatTokens(Number(value)), name]}
            labelFormatter={(label) => {
              const row = data?.find((m) => m.model === label);
              return row
                ? `${text(label)} · ${formatUsd(row.costMicroUsd)} · ${row.calls} calls`
                : text(label);
            }}
          />
          <Legend iconType="circle" iconSize={8} formatter={legendText} />
          <Bar
            dataKey="inputTokens"
            name="Input"
            fill="var(--chart-1)"
            radius={[0, 3, 3, 0]}
            maxBarSize={16}
            isAnimationActive={false}
          />
          <Bar
            dataKey="outputTokens"
            name="Output"
            fill="var(--chart-3)"
            radius={[0, 3, 3, 0]}
            maxBarSize={16}
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}

export function CostByAgentChart({ data }: { data: AgentCostRow[] | undefined }) {
  const multiTeam = new Set(data?.map((a) => a.teamSlug)).size > 1;
  const rows = data?.map((a) => ({
    ...a,
    label: multiTeam ? `${a.agentName} · ${a.teamName}` : a.agentName,
  }));
  const total = data?.reduce((n, a) => n + a.costMicroUsd, 0);
  const height = Math.max(300, (rows?.length ?? 0) * 30 + 60);
  return (
    <ChartCard
      testId="chart-cost-by-agent"
      title="Cost by agent"
      description="Top 10 agent names by spend, across their runs"
      total={total}
      height={height}
      loading={!data}
      empty={!data || data.length === 0}
    >
      <ResponsiveContainer width="100%" height="100%" initialDimension={INITIAL}>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 4 }}>
          <CartesianGrid horizontal={false} stroke={GRID_STROKE} />
          <XAxis
            type="number"
            tickFormatter={formatUsdTick}
            tick={AXIS_TICK}
            tickLine={false}
            axisLine={false}
          />
          <YAxis
            type="category"
            dataKey="label"
            tick={AXIS_TICK}
            tickLine={false}
            axisLine={{ stroke: GRID_STROKE }}
            width={multiTeam ? 180 : 110}
            interval={0}
          />
          <Tooltip
            {...TOOLTIP_STYLE}
            formatter={(value) => [formatUsd(Number(value)), 'Spend']}
            labelFormatter={(label) => {
              const row = rows?.find((r) => r.label === label);
              return row
                ? `${text(label)} · ${row.calls} calls · ${formatTokens(row.inputTokens + row.outputTokens)} tokens`
                : text(label);
            }}
          />
          <Bar
            dataKey="costMicroUsd"
            name="Spend"
            fill="var(--chart-2)"
            radius={[0, 3, 3, 0]}
            maxBarSize={20}
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
