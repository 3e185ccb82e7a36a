'use client';

import type { AgentState, RunState } from '@flightdeck/domain';
import { useMutation } from '@tanstack/react-query';
import { LoaderCircleIcon, SendHorizontalIcon } from 'lucide-react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { describeError } from '@/client/errors';
import { useTRPC } from '@/client/trpc';
import { agentPhase, isControllableAgent } from '@/components/status';
import { Button } from '@/components/ui/button';
import { Textarea } from '@/components/ui/textarea';

const MAX_STEER_CHARS = 8000;

/** When the message will reach the agent, in the words of what it is doing now. */
function deliveryHint(agent: AgentState, state: RunState): string {
  switch (agentPhase(agent, state)) {
    case 'paused':
      return `${agent.name} is paused: it reads this when it is resumed and starts its next turn.`;
    case 'pausing':
      return `${agent.name} is finishing a turn before a pause: it reads this at its first turn after the resume.`;
    case 'waiting':
      return `${agent.name} waits for its subagents: it reads this at its next turn, once they report.`;
    case 'blocked':
      return `${agent.name} waits for a decision on an interrupted call: it reads this at its next turn after that.`;
    case 'running':
      return `${agent.name} is mid-turn: it reads this at the start of its next turn.`;
    default:
      return `${agent.name} reads this at the start of its next turn.`;
  }
}

/**
 * Tell the selected agent something; the message is recorded and delivered at
 * its next turn. Keyed by agent in the parent: a draft belongs to one agent.
 */
export function SteerBox({
  runId,
  state,
  agent,
  focusKey,
}: {
  runId: string;
  state: RunState;
  agent: AgentState;
  focusKey: number;
}) {
  const trpc = useTRPC();
  const [message, setMessage] = useState('');
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const steer = useMutation(trpc.agents.steer.mutationOptions({ onSuccess: () => setMessage('') }));
  const controllable = isControllableAgent(agent, state);
  const error = steer.error ? describeError(steer.error) : null;

  // "Steer…" from the tree focuses the box.
  useEffect(() => {
    if (focusKey > 0) inputRef.current?.focus();
  }, [focusKey]);

  const send = (e?: FormEvent) => {
    e?.preventDefault();
    const text = message.trim();
    if (!text || steer.isPending || !controllable) return;
    steer.mutate({ runId, agentId: agent.id, message: text });
  };

  if (!controllable) {
    return (
      <div
        className="border-t px-4 py-2.5 text-xs text-muted-foreground"
        data-testid="steer-closed"
      >
        {state.status === 'running' || state.status === 'paused'
          ? `${agent.name} has ended (${agent.status}): it can no longer be steered.`
          : `The run has ${state.status === 'pending' ? 'not started yet' : 'ended'}: nothing can be steered.`}
      </div>
    );
  }

  return (
    <form
      onSubmit={send}
      className="grid grid-cols-1 gap-1.5 border-t bg-muted/20 px-3 py-2.5"
      data-testid="steer-box"
    >
      <div className="flex items-end gap-2">
        <Textarea
          ref={inputRef}
          data-testid="steer-input"
          aria-label={`Message to ${agent.name}`}
          title="Enter sends · Shift+Enter adds a line"
          rows={2}
          maxLength={MAX_STEER_CHARS}
          className="max-h-40 min-h-[52px] resize-y bg-background text-sm dark:bg-input/20"
          placeholder={`Steer ${agent.name}: e.g. “cite two sources”, “stop researching and write it up”`}
          value={message}
          onChange={(e) => setMessage(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) send(e);
          }}
        />
        <Button
          type="submit"
          size="sm"
          disabled={!message.trim() || steer.isPending}
          data-testid="steer-send"
        >
          {steer.isPending ? <LoaderCircleIcon className="animate-spin" /> : <SendHorizontalIcon />}
          Send
        </Button>
      </div>
      {error ? (
        <div role="alert" className="text-xs text-destructive">
          Not sent: {error.message}
        </div>
      ) : (
        <div className="text-[11px] leading-snug text-muted-foreground">
          {deliveryHint(agent, state)}
        </div>
      )}
    </form>
  );
}
