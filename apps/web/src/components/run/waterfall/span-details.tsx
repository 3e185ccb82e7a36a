'use client';

import { formatUsd } from '@flightdeck/domain';
import { type DerivedSpan, Fd, GenAi, type SpanAttributeValue } from '@flightdeck/telemetry/spans';
import { XIcon } from 'lucide-react';
import type { ReactNode } from 'react';
import { formatDateTime, formatTokens } from '@/client/format';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';
import { formatSpanDuration, spanDurationMs } from './layout';
import { barClass, KIND_STYLE, splitName } from './span-style';

const str = (v: SpanAttributeValue | undefined): string | null =>
  v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
const num = (v: SpanAttributeValue | undefined): number | null =>
  typeof v === 'number' ? v : null;

/** Pretty-print a JSON string (tool arguments), or give it back as it is. */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

interface SpanDetailsProps {
  span: DerivedSpan;
  /** The trace's start (epoch ms), for offsets. */
  origin: number;
  now: number;
  /** Names of the agents by id, for the delegate targets. */
  agentName: (agentId: string) => string | null;
  onClose: () => void;
}

export function SpanDetails({ span, origin, now, agentName, onClose }: SpanDetailsProps) {
  const a = span.attributes;
  const [op, subject] = splitName(span.name);
  const open = span.endTime === null;
  const status =
    span.status.code === 'error'
      ? 'error'
      : open
        ? 'in progress'
        : span.status.code === 'ok'
          ? 'ok'
          : 'unset';
  const offset = Date.parse(span.startTime) - origin;

  const rows: Array<[string, ReactNode]> = [
    ['Status', <StatusText key="s" status={status} message={span.status.message} />],
    ['Duration', `${formatSpanDuration(spanDurationMs(span, now))}${open ? ' (so far)' : ''}`],
    ['Start', `+${formatSpanDuration(offset)} · ${formatDateTime(span.startTime)}`],
  ];
  const agent = str(a[Fd.agentName]);
  if (agent) rows.push(['Agent', agent]);

  if (span.kind === 'llm') {
    rows.push([
      'Model',
      [str(a[GenAi.providerName]), str(a[GenAi.requestModel])].filter(Boolean).join(' / ') || '—',
    ]);
    const tin = num(a[GenAi.usageInputTokens]);
    const tout = num(a[GenAi.usageOutputTokens]);
    if (tin !== null || tout !== null)
      rows.push(['Tokens', `${formatTokens(tin ?? 0)} in · ${formatTokens(tout ?? 0)} out`]);
    const cost = num(a[Fd.costMicroUsd]);
    if (cost !== null) rows.push(['Cost', formatUsd(cost)]);
    const finish = str(a[GenAi.responseFinishReasons]);
    if (finish) rows.push(['Finish reason', finish]);
    const tools = num(a[Fd.llmToolCallCount]);
    if (tools !== null) rows.push(['Tool calls asked', String(tools)]);
  }
  if (span.kind === 'tool') {
    rows.push(['Tool', str(a[GenAi.toolName]) ?? '—']);
    const ok = a[Fd.toolOk];
    if (typeof ok === 'boolean') rows.push(['Result', ok ? 'ok' : 'failed']);
    const resolution = str(a[Fd.toolResolution]);
    if (resolution) rows.push(['Resolution', resolution]);
    const targets = a[Fd.delegateAgentIds];
    if (Array.isArray(targets) && targets.length) {
      rows.push([
        'Delegated to',
        (targets as string[]).map((id) => agentName(id) ?? id).join(', '),
      ]);
    }
  }
  if (span.kind === 'agent' || span.kind === 'run') {
    const role = str(a[Fd.agentRole]);
    if (role) rows.push(['Role', role]);
    const model = str(a[GenAi.requestModel]);
    if (model && span.kind === 'agent') rows.push(['Model', model]);
    const tin = num(a[GenAi.usageInputTokens]);
    if (tin !== null)
      rows.push([
        'Tokens',
        `${formatTokens(tin)} in · ${formatTokens(num(a[GenAi.usageOutputTokens]) ?? 0)} out`,
      ]);
    const cost = num(a[Fd.costMicroUsd]);
    if (cost !== null) rows.push(['Cost', formatUsd(cost)]);
    const turns = num(a[Fd.turns]);
    if (turns !== null)
      rows.push([
        'Turns · model · tool calls',
        `${turns} · ${num(a[Fd.llmCalls]) ?? 0} · ${num(a[Fd.toolCalls]) ?? 0}`,
      ]);
  }

  const args = str(a[GenAi.toolCallArguments]);
  const output = str(a[GenAi.toolCallResult]);
  const reply = str(a[GenAi.outputMessages]);

  return (
    <aside
      className="flex h-full min-h-0 flex-col bg-card"
      data-testid="span-details"
      data-span-id={span.spanId}
      aria-label="Span details"
    >
      <div className="flex items-start gap-2 border-b px-3 py-2.5">
        <span className={cn('mt-1 size-2.5 shrink-0 rounded-[3px]', barClass(span))} />
        <div className="min-w-0 flex-1">
          <div className="text-[11px] font-medium tracking-wide text-muted-foreground uppercase">
            {KIND_STYLE[span.kind].label} span
          </div>
          <div
            className="truncate text-sm font-semibold"
            title={span.name}
            data-testid="span-details-name"
          >
            <span className="font-mono font-normal text-muted-foreground">{op}</span> {subject}
          </div>
        </div>
        <Button
          variant="ghost"
          size="icon-sm"
          className="-mr-1 size-7"
          onClick={onClose}
          aria-label="Close span details"
        >
          <XIcon className="size-4" />
        </Button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-3 py-2.5 text-xs">
        <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1.5">
          {rows.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-muted-foreground">{k}</dt>
              <dd className="min-w-0 break-words tabular">{v}</dd>
            </div>
          ))}
        </dl>
        {args && <Block title="Arguments" text={pretty(args)} testId="span-args" />}
        {output && <Block title="Output" text={output} testId="span-output" />}
        {reply && <Block title="Response" text={pretty(reply)} testId="span-response" />}
        {span.events.length > 0 && (
          <section className="mt-3">
            <h3 className="mb-1 font-medium">Events ({span.events.length})</h3>
            <ol className="grid gap-1">
              {span.events.map((e) => (
                <li key={`${e.seq}-${e.name}`} className="rounded border bg-muted/30 px-2 py-1">
                  <div className="flex justify-between gap-2">
                    <span className="font-mono">{e.name}</span>
                    <span className="text-muted-foreground tabular">
                      +{formatSpanDuration(Date.parse(e.time) - origin)}
                    </span>
                  </div>
                  <AttributeList
                    attributes={Object.entries(e.attributes).filter(([k]) => k !== Fd.seq)}
                  />
                </li>
              ))}
            </ol>
          </section>
        )}
        <details className="mt-3">
          <summary className="cursor-pointer font-medium select-none">All attributes</summary>
          <AttributeList
            attributes={Object.entries(a).filter(
              ([k]) =>
                k !== GenAi.toolCallArguments &&
                k !== GenAi.toolCallResult &&
                k !== GenAi.outputMessages,
            )}
          />
          <div className="mt-1 font-mono text-[11px] text-muted-foreground">
            span {span.spanId}
            {span.parentSpanId ? ` · parent ${span.parentSpanId}` : ''}
          </div>
        </details>
      </div>
    </aside>
  );
}

function StatusText({ status, message }: { status: string; message?: string }) {
  return (
    <span
      className={cn(
        status === 'error' && 'font-medium text-status-failed',
        status === 'in progress' && 'text-status-running',
        status === 'ok' && 'text-status-completed',
      )}
    >
      {status}
      {message ? <span className="block font-normal text-muted-foreground">{message}</span> : null}
    </span>
  );
}

function Block({ title, text, testId }: { title: string; text: string; testId: string }) {
  return (
    <section className="mt-3">
      <h3 className="mb-1 font-medium">{title}</h3>
      <pre
        className="max-h-48 overflow-auto rounded border bg-muted/40 p-2 font-mono text-[11px] leading-relaxed whitespace-pre-wrap break-words"
        data-testid={testId}
      >
        {text}
      </pre>
    </section>
  );
}

function AttributeList({ attributes }: { attributes: Array<[string, SpanAttributeValue]> }) {
  if (!attributes.length) return null;
  return (
    <dl className="mt-1 grid grid-cols-[auto_minmax(0,1fr)] gap-x-2 font-mono text-[11px]">
      {attributes.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-muted-foreground">{k}</dt>
          <dd className="truncate" title={str(v) ?? ''}>
            {str(v)}
          </dd>
        </div>
      ))}
    </dl>
  );
}
