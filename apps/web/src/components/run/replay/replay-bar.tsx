'use client';

import { type MomentIndex, type MomentKind, type RunEvent } from '@flightdeck/domain';
import {
  ChevronFirstIcon,
  ChevronLastIcon,
  ChevronLeftIcon,
  ChevronRightIcon,
  HistoryIcon,
  PauseIcon,
  PlayIcon,
  RadioIcon,
} from 'lucide-react';
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { formatClock } from '@/client/format';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';

export const REPLAY_SPEEDS = [1, 2, 5, 20, 100] as const;

const MOMENTS: ReadonlyArray<{ kind: MomentKind; label: string }> = [
  { kind: 'approval', label: 'Approval' },
  { kind: 'error', label: 'Error' },
  { kind: 'breaker', label: 'Breaker' },
  { kind: 'kill', label: 'Kill' },
];

/** Longest pause between two events while playing at 1×: idle stretches are compressed. */
const MAX_GAP_MS = 1_500;
const TICK_MS = 40;

/**
 * Play time, in milliseconds at 1×, of the step from `at` to `at + 1`: the
 * recorded gap between the two events, idle stretches compressed, and never
 * less than a few milliseconds so bursts still play visibly.
 */
export function stepCost(events: readonly RunEvent[], at: number): number {
  const from = events[at - 1];
  const to = events[at];
  if (!from || !to) return 8;
  return Math.max(8, Math.min(MAX_GAP_MS, Date.parse(to.at) - Date.parse(from.at)));
}

export interface ReplayBarProps {
  /** The seq shown; null: live. */
  at: number | null;
  /** Events available (the highest seq that can be shown). */
  total: number;
  events: readonly RunEvent[];
  moments: MomentIndex;
  onChange: (at: number | null) => void;
}

/**
 * The timeline scrubber: play, pause, speed, step, jump to a seq or to the next
 * (or previous) approval, error, breaker trip or kill. Everything on the run page
 * shows the run as it was at the chosen step.
 */
export function ReplayBar({ at, total, events, moments, onChange }: ReplayBarProps) {
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(5);
  const [jump, setJump] = useState('');
  const replaying = at !== null;
  const seq = at ?? total;

  // Playing: advance by the recorded time between events, scaled by the speed.
  const live = useRef({ seq, total, speed, events, onChange });
  live.current = { seq, total, speed, events, onChange };
  useEffect(() => {
    if (!playing) return;
    let budget = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const current = live.current;
      budget += (now - last) * current.speed;
      last = now;
      let next = current.seq;
      while (next < current.total) {
        const cost = stepCost(current.events, next);
        if (budget < cost) break;
        budget -= cost;
        next += 1;
      }
      if (next !== current.seq) current.onChange(next);
      if (next >= current.total) setPlaying(false);
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [playing]);

  const go = (next: number) => {
    setPlaying(false);
    onChange(Math.max(0, Math.min(total, next)));
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (
      (e.target as HTMLElement).tagName === 'INPUT' &&
      (e.target as HTMLInputElement).type !== 'range'
    )
      return;
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      go(seq + (e.key === 'ArrowLeft' ? -1 : 1));
    } else if (e.key === ' ') {
      e.preventDefault();
      setPlaying((p) => !p);
    }
  };

  const submitJump = (e: FormEvent) => {
    e.preventDefault();
    const value = Number(jump);
    if (Number.isInteger(value) && value >= 0) go(value);
    setJump('');
  };

  if (!replaying) {
    return (
      <div className="flex items-center gap-2" data-testid="replay-bar" data-state="live">
        <Button
          variant="outline"
          size="sm"
          onClick={() => onChange(total)}
          disabled={total === 0}
          data-testid="replay-open"
          title="Step through this run as it happened"
        >
          <HistoryIcon /> Replay
        </Button>
      </div>
    );
  }

  const event = seq > 0 ? events[seq - 1] : undefined;
  return (
    <div
      className="flex flex-col gap-2 rounded-md border border-primary/30 bg-primary/5 px-3 py-2"
      data-testid="replay-bar"
      data-state="replay"
      data-at={seq}
      onKeyDown={onKeyDown}
      role="group"
      aria-label="Replay"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="inline-flex items-center gap-1.5 text-xs font-semibold tracking-wide text-primary uppercase">
          <HistoryIcon className="size-3.5" /> Replay
        </span>
        <div className="flex items-center gap-0.5">
          <Button
            variant="ghost"
            size="icon-sm"
            onClick={() => go(0)}
            title="First step"
            data-testid="replay-first"
          >
            <ChevronFirstIcon />
          </Button>
          <Button
            variant="ghost"
            size="icon-sm"
            onClick={() => go(seq - 1)}
            disabled={seq <= 0}
            title="Step back (←)"
            data-testid="replay-step-back"
          >
            <ChevronLeftIcon />
          </Button>
          <Button
            variant="outline"
            size="icon-sm"
            onClick={() => {
              if (seq >= total) onChange(0);
              setPlaying((p) => !p);
            }}
            title={playing ? 'Pause (space)' : 'Play (space)'}
            data-testid="replay-play"
            data-playing={playing}
          >
            {playing ? <PauseIcon /> : <PlayIcon />}
          </Button>
          <Button
            variant="ghost"
            size="icon-sm"
            onClick={() => go(seq + 1)}
            disabled={seq >= total}
            title="Step forward (→)"
            data-testid="replay-step-forward"
          >
            <ChevronRightIcon />
          </Button>
          <Button
            variant="ghost"
            size="icon-sm"
            onClick={() => go(total)}
            title="Last step"
            data-testid="replay-last"
          >
            <ChevronLastIcon />
          </Button>
        </div>
        <select
          className="h-8 rounded-md border bg-background px-1.5 text-xs"
          value={speed}
          onChange={(e) => setSpeed(Number(e.target.value))}
          aria-label="Speed"
          data-testid="replay-speed"
        >
          {REPLAY_SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
        <span className="text-sm tabular" data-testid="replay-position">
          {/* Exact numbers: a step is an address, never "100.4K". */}
          step <span className="font-semibold">{seq.toLocaleString('en-US')}</span> of{' '}
          {total.toLocaleString('en-US')}
          {event && (
            <span className="ml-2 text-xs text-muted-foreground">
              {formatClock(event.at)} · <span className="font-mono">{event.type}</span>
            </span>
          )}
        </span>
        <form onSubmit={submitJump} className="flex items-center gap-1">
          <input
            className="h-8 w-24 rounded-md border bg-background px-2 text-xs tabular"
            inputMode="numeric"
            placeholder="go to seq"
            value={jump}
            onChange={(e) => setJump(e.target.value.replace(/[^0-9]/g, ''))}
            aria-label="Go to seq"
            data-testid="replay-jump"
          />
        </form>
        <div className="ml-auto flex items-center gap-2">
          <Button
            variant="outline"
            size="sm"
            onClick={() => onChange(null)}
            data-testid="replay-live"
          >
            <RadioIcon /> Back to live
          </Button>
        </div>
      </div>
      <input
        type="range"
        min={0}
        max={total}
        step={1}
        value={seq}
        onChange={(e) => go(Number(e.target.value))}
        className="w-full accent-primary"
        aria-label="Step"
        data-testid="replay-slider"
      />
      <div className="flex flex-wrap items-center gap-1.5 text-xs">
        <span className="text-muted-foreground">Jump to</span>
        {MOMENTS.map(({ kind, label }) => {
          const prev = moments.next(kind, seq, -1);
          const next = moments.next(kind, seq, 1);
          const count = moments.seqs[kind].length;
          return (
            <span
              key={kind}
              className={cn(
                'inline-flex items-center rounded-md border bg-background',
                count === 0 && 'opacity-50',
              )}
            >
              <button
                type="button"
                className="px-1 py-0.5 hover:bg-muted disabled:opacity-40"
                disabled={prev === null}
                onClick={() => prev !== null && go(prev)}
                title={`Previous ${label.toLowerCase()}`}
                data-testid={`replay-prev-${kind}`}
              >
                <ChevronLeftIcon className="size-3.5" />
              </button>
              <span className="px-1 tabular">
                {label} <span className="text-muted-foreground">{count}</span>
              </span>
              <button
                type="button"
                className="px-1 py-0.5 hover:bg-muted disabled:opacity-40"
                disabled={next === null}
                onClick={() => next !== null && go(next)}
                title={`Next ${label.toLowerCase()}`}
                data-testid={`replay-next-${kind}`}
              >
                <ChevronRightIcon className="size-3.5" />
              </button>
            </span>
          );
        })}
      </div>
    </div>
  );
}
