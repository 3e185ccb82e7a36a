import type { DerivedSpan, DerivedSpanKind } from '@flightdeck/telemetry/spans';

/** Bar and swatch colours by kind; errors are red whatever their kind. */
export const KIND_STYLE: Record<DerivedSpanKind, { bar: string; label: string }> = {
  run: { bar: 'bg-slate-400', label: 'Run' },
  agent: { bar: 'bg-violet-500', label: 'Agent' },
  turn: { bar: 'bg-sky-300', label: 'Turn' },
  llm: { bar: 'bg-blue-600', label: 'Model' },
  tool: { bar: 'bg-amber-500', label: 'Tool' },
};

export const ERROR_BAR = 'bg-red-500';

export function barClass(span: DerivedSpan): string {
  return span.status.code === 'error' ? ERROR_BAR : KIND_STYLE[span.kind].bar;
}

/** "invoke_agent researcher" → ["invoke_agent", "researcher"]. */
export function splitName(name: string): [string, string] {
  const i = name.indexOf(' ');
  return i < 0 ? [name, ''] : [name.slice(0, i), name.slice(i + 1)];
}

/** The operation as a short word for the rows (the full name stays in the title and data-name). */
const SHORT_OP: Record<string, string> = {
  invoke_workflow: 'workflow',
  invoke_agent: 'agent',
  execute_tool: 'tool',
};

export function shortOp(op: string): string {
  return SHORT_OP[op] ?? op;
}
