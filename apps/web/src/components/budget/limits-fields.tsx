'use client';

import { Input } from '@/components/ui/input';
import { FIELD_LABELS, type LimitField, type LimitsForm } from './limits-form-state';

/** One row per metric: soft (warn) and hard (stop) limits; empty is unlimited. */
export function LimitsFields({
  idPrefix,
  fields,
  value,
  onChange,
  disabled,
}: {
  idPrefix: string;
  fields: readonly LimitField[];
  value: LimitsForm;
  onChange: (next: LimitsForm) => void;
  disabled?: boolean;
}) {
  const set = (field: LimitField, which: 'soft' | 'hard', text: string) =>
    onChange({
      ...value,
      [field]: { soft: value[field]?.soft ?? '', hard: value[field]?.hard ?? '', [which]: text },
    });
  return (
    <div className="grid grid-cols-[minmax(0,1fr)_6.5rem_6.5rem] items-center gap-x-2 gap-y-1.5 text-sm">
      <span className="text-[11px] text-muted-foreground">metric</span>
      <span className="text-[11px] text-muted-foreground">warn at</span>
      <span className="text-[11px] text-muted-foreground">stop at</span>
      {fields.map((field) => (
        <div key={field} className="contents">
          <label htmlFor={`${idPrefix}-${field}-hard`} className="truncate text-xs">
            {FIELD_LABELS[field].name}{' '}
            <span className="text-muted-foreground">({FIELD_LABELS[field].unit})</span>
          </label>
          {(['soft', 'hard'] as const).map((which) => (
            <Input
              key={which}
              id={`${idPrefix}-${field}-${which}`}
              inputMode="decimal"
              className="h-8 px-2 font-mono text-xs"
              placeholder="—"
              value={value[field]?.[which] ?? ''}
              disabled={disabled}
              onChange={(e) => set(field, which, e.target.value)}
              data-testid={`${idPrefix}-${field}-${which}`}
              aria-label={`${FIELD_LABELS[field].name} ${which === 'soft' ? 'soft' : 'hard'} limit`}
            />
          ))}
        </div>
      ))}
    </div>
  );
}
