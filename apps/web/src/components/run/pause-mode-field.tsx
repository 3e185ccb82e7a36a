'use client';

import type { PauseMode } from '@flightdeck/domain';
import { cn } from '@/lib/utils';

const MODES: Array<{ value: PauseMode; title: string; description: string }> = [
  {
    value: 'finish-turn',
    title: 'Let turns in flight finish',
    description: 'Model and tool calls under way complete and are recorded; no new turn starts.',
  },
  {
    value: 'abort-turn',
    title: 'Abort turns in flight',
    description: 'Stop now: calls under way are aborted and re-run from the log on resume.',
  },
];

/** The two ways to pause, as radio cards: an operator should not have to guess what each does. */
export function PauseModeField({
  value,
  onChange,
  name,
}: {
  value: PauseMode;
  onChange: (mode: PauseMode) => void;
  name: string;
}) {
  return (
    <fieldset className="grid gap-2">
      <legend className="mb-2 text-sm font-medium">Turns in flight</legend>
      {MODES.map((mode) => (
        <label
          key={mode.value}
          data-testid={`pause-mode-${mode.value}`}
          className={cn(
            'flex cursor-pointer gap-3 rounded-md border px-3 py-2.5 transition-colors',
            value === mode.value
              ? 'border-primary/60 bg-primary/[0.05] ring-1 ring-primary/30'
              : 'hover:bg-muted/50',
          )}
        >
          <input
            type="radio"
            name={name}
            value={mode.value}
            checked={value === mode.value}
            onChange={() => onChange(mode.value)}
            className="mt-0.5 size-4 shrink-0 accent-[var(--primary)]"
          />
          <span className="grid gap-0.5">
            <span className="text-sm font-medium">{mode.title}</span>
            <span className="text-xs text-muted-foreground">{mode.description}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
