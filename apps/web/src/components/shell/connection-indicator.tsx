'use client';

import { useSocket } from '@/client/socket';
import { Tooltip, TooltipContent, TooltipTrigger } from '@/components/ui/tooltip';
import { cn } from '@/lib/utils';

const LABEL = {
  connected: {
    text: 'Live',
    hint: 'Receiving live updates',
    dot: 'bg-status-completed text-status-completed animate-pulse-dot',
  },
  connecting: {
    text: 'Connecting',
    hint: 'Opening the live connection…',
    dot: 'bg-status-waiting text-status-waiting',
  },
  reconnecting: {
    text: 'Reconnecting',
    hint: 'Live connection lost; retrying. Missed events are filled in from the log once back.',
    dot: 'bg-status-waiting text-status-waiting animate-pulse',
  },
  offline: {
    text: 'Offline',
    hint: 'Cannot reach the server',
    dot: 'bg-status-failed text-status-failed',
  },
} as const;

export function ConnectionIndicator() {
  const { status } = useSocket();
  const l = LABEL[status];
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <span
          data-testid="connection-status"
          data-status={status}
          className="inline-flex h-7 items-center gap-2 rounded-full border px-2.5 text-xs font-medium text-muted-foreground"
        >
          <span className={cn('size-2 rounded-full', l.dot)} />
          {l.text}
        </span>
      </TooltipTrigger>
      <TooltipContent>{l.hint}</TooltipContent>
    </Tooltip>
  );
}
