'use client';

import {
  BREAKER_KINDS,
  BREAKER_LABELS,
  type BreakerKind,
  type BreakerOverrides,
  type BreakerThresholds,
} from '@flightdeck/domain';
import { Input } from '@/components/ui/input';
import { cn } from '@/lib/utils';

/** The parameters a person sets for each breaker, in the order they read. */
export const THRESHOLD_FIELDS: Record<
  BreakerKind,
  Array<{ name: string; label: string; step?: number }>
> = {
  consecutiveErrors: [{ name: 'max', label: 'failures in a row' }],
  windowedErrors: [
    { name: 'max', label: 'failures' },
    { name: 'window', label: 'in last calls' },
  ],
  repeatedCall: [
    { name: 'max', label: 'times' },
    { name: 'window', label: 'in last calls' },
  ],
  cycle: [
    { name: 'repeats', label: 'repeats' },
    { name: 'maxPeriod', label: 'longest cycle' },
  ],
  noProgress: [{ name: 'turns', label: 'team turns' }],
  bounce: [{ name: 'max', label: 'times' }],
  costVelocity: [
    { name: 'maxUsdPerMinute', label: 'USD per minute', step: 0.01 },
    { name: 'windowSeconds', label: 'window (s)' },
  ],
  spawnFailures: [
    { name: 'max', label: 'failures' },
    { name: 'window', label: 'in last spawns' },
  ],
  provider: [
    { name: 'failures', label: 'failures in a row' },
    { name: 'cooldownSeconds', label: 'cool-down (s)' },
  ],
};

/** What a form holds: per breaker, enabled and its fields as typed. */
export type ThresholdsDraft = Record<
  BreakerKind,
  { enabled: boolean; fields: Record<string, string> }
>;

export function draftOf(thresholds: BreakerThresholds): ThresholdsDraft {
  const draft = {} as ThresholdsDraft;
  for (const kind of BREAKER_KINDS) {
    const current = thresholds[kind] as Record<string, number | boolean>;
    draft[kind] = {
      enabled: current.enabled === true,
      fields: Object.fromEntries(
        THRESHOLD_FIELDS[kind].map((f) => [f.name, String(current[f.name] ?? '')]),
      ),
    };
  }
  return draft;
}

/**
 * The overrides that turn `base` into what the draft says: only what differs
 * (a field left blank keeps the base). Numbers the server will validate.
 */
export function overridesOf(draft: ThresholdsDraft, base: BreakerThresholds): BreakerOverrides {
  const out: Record<string, Record<string, unknown>> = {};
  for (const kind of BREAKER_KINDS) {
    const current = base[kind] as Record<string, number | boolean>;
    const patch: Record<string, unknown> = {};
    if (draft[kind].enabled !== current.enabled) patch.enabled = draft[kind].enabled;
    for (const field of THRESHOLD_FIELDS[kind]) {
      const text = draft[kind].fields[field.name]?.trim() ?? '';
      if (text === '') continue;
      const value = Number(text);
      if (value !== current[field.name]) patch[field.name] = Number.isFinite(value) ? value : text;
    }
    if (Object.keys(patch).length) out[kind] = patch;
  }
  return out;
}

/** A grid to read or edit every breaker's thresholds. */
export function ThresholdsFields({
  draft,
  onChange,
  readOnly = false,
  issues = [],
}: {
  draft: ThresholdsDraft;
  onChange?: (next: ThresholdsDraft) => void;
  readOnly?: boolean;
  issues?: ReadonlyArray<{ path: string; message: string }>;
}) {
  const issueFor = (kind: BreakerKind, field: string) =>
    issues.find((i) => i.path.endsWith(`${kind}.${field}`))?.message;
  return (
    <div className="divide-y rounded-md border" data-testid="thresholds-fields">
      {BREAKER_KINDS.map((kind) => {
        const row = draft[kind];
        return (
          <div
            key={kind}
            className="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-1 px-3 py-2 sm:grid-cols-[12rem_minmax(0,1fr)]"
            data-testid="threshold-row"
            data-breaker={kind}
          >
            <label className="flex items-center gap-2 text-sm font-medium">
              <input
                type="checkbox"
                className="size-3.5 accent-primary"
                checked={row.enabled}
                disabled={readOnly}
                onChange={(e) =>
                  onChange?.({ ...draft, [kind]: { ...row, enabled: e.target.checked } })
                }
                data-testid={`threshold-${kind}-enabled`}
              />
              <span title={BREAKER_LABELS[kind].description}>{BREAKER_LABELS[kind].title}</span>
            </label>
            <div className="col-span-2 flex flex-wrap items-center gap-3 sm:col-span-1">
              {THRESHOLD_FIELDS[kind].map((field) => {
                const issue = issueFor(kind, field.name);
                return (
                  <label
                    key={field.name}
                    className={cn(
                      'flex items-center gap-1.5 text-xs text-muted-foreground',
                      !row.enabled && 'opacity-50',
                    )}
                  >
                    <Input
                      type="number"
                      inputMode="decimal"
                      step={field.step ?? 1}
                      min={0}
                      className={cn('h-7 w-20 text-right tabular', issue && 'border-destructive')}
                      value={row.fields[field.name] ?? ''}
                      readOnly={readOnly}
                      onChange={(e) =>
                        onChange?.({
                          ...draft,
                          [kind]: {
                            ...row,
                            fields: { ...row.fields, [field.name]: e.target.value },
                          },
                        })
                      }
                      aria-invalid={issue ? true : undefined}
                      title={issue}
                      data-testid={`threshold-${kind}-${field.name}`}
                    />
                    {field.label}
                    {issue && <span className="text-destructive">{issue}</span>}
                  </label>
                );
              })}
            </div>
          </div>
        );
      })}
    </div>
  );
}
