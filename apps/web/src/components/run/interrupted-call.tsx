'use client';

import type { AgentState, ToolCallResolution } from '@flightdeck/domain';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  CheckCheckIcon,
  LoaderCircleIcon,
  RotateCcwIcon,
  ShieldAlertIcon,
  SkipForwardIcon,
} from 'lucide-react';
import { useState } from 'react';
import { describeError } from '@/client/errors';
import { useTRPC } from '@/client/trpc';
import { Button } from '@/components/ui/button';
import { Label } from '@/components/ui/label';
import { Textarea } from '@/components/ui/textarea';

const MAX_OUTPUT_CHARS = 64_000;

/**
 * A tool call a crash interrupted: it may or may not have taken effect, so
 * the agent waits for a person. Retry runs it again, Skip tells the agent it
 * was not run, Mark done gives the agent the output you write.
 */
export function InterruptedCalls({ runId, agent }: { runId: string; agent: AgentState }) {
  if (agent.status !== 'blocked') return null;
  const calls = agent.turn?.toolCalls.filter((c) => c.status === 'interrupted') ?? [];
  return (
    <>
      {calls.map((call) => (
        <InterruptedCall
          key={call.callId}
          runId={runId}
          agent={agent}
          callId={call.callId}
          tool={call.tool}
          args={call.args}
        />
      ))}
    </>
  );
}

function InterruptedCall({
  runId,
  agent,
  callId,
  tool,
  args,
}: {
  runId: string;
  agent: AgentState;
  callId: string;
  tool: string;
  args: Record<string, unknown>;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [output, setOutput] = useState('');
  const resolve = useMutation(
    trpc.toolCalls.resolve.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.runs.pathFilter()),
    }),
  );
  const error = resolve.error ? describeError(resolve.error) : null;
  const decide = (resolution: ToolCallResolution) =>
    resolve.mutate({
      runId,
      agentId: agent.id,
      callId,
      resolution,
      ...(resolution === 'mark-done' && output.trim() ? { output: output.trim() } : {}),
    });
  const pending = (resolution: ToolCallResolution) =>
    resolve.isPending && resolve.variables?.resolution === resolution;

  return (
    <section
      className="grid grid-cols-1 gap-2.5 border-t border-status-failed/30 bg-status-failed-bg/40 px-4 py-3"
      data-testid="interrupted-call"
      data-call-id={callId}
      aria-label={`Interrupted call ${tool}`}
    >
      <div className="flex items-start gap-2">
        <ShieldAlertIcon className="mt-0.5 size-4 shrink-0 text-status-failed" />
        <div className="min-w-0 text-sm">
          <div className="font-medium text-status-failed">
            Needs your decision: {tool} was interrupted
          </div>
          <div className="text-xs text-muted-foreground">
            A worker stopped while this call ran. It may or may not have taken effect, so it is not
            run again without you. {agent.name} waits.
          </div>
        </div>
      </div>
      <pre className="max-h-32 overflow-auto rounded-md border bg-background px-2.5 py-1.5 font-mono text-[11.5px] break-all whitespace-pre-wrap">
        <span className="font-semibold">{tool}</span>
        {` ${JSON.stringify(args, null, 2)}`}
      </pre>
      <div className="grid gap-1.5">
        <Label htmlFor={`resolve-output-${callId}`} className="text-xs">
          Result to give {agent.name} if you mark it done{' '}
          <span className="font-normal text-muted-foreground">(optional)</span>
        </Label>
        <Textarea
          id={`resolve-output-${callId}`}
          data-testid="resolve-output"
          rows={2}
          maxLength={MAX_OUTPUT_CHARS}
          className="min-h-12 bg-background text-xs dark:bg-input/20"
          placeholder="e.g. the file was written; 3 rows inserted"
          value={output}
          onChange={(e) => setOutput(e.target.value)}
        />
      </div>
      {error && (
        <div role="alert" className="text-xs text-destructive">
          {error.message}
        </div>
      )}
      <div className="flex flex-wrap items-center gap-2">
        <Button
          size="sm"
          variant="outline"
          disabled={resolve.isPending}
          onClick={() => decide('retry')}
          data-testid="resolve-retry"
          title="Run the call again: only if you know it did not take effect"
        >
          {pending('retry') ? <LoaderCircleIcon className="animate-spin" /> : <RotateCcwIcon />}{' '}
          Retry
        </Button>
        <Button
          size="sm"
          variant="outline"
          disabled={resolve.isPending}
          onClick={() => decide('skip')}
          data-testid="resolve-skip"
          title={`Do not run it: ${agent.name} is told the call was not completed`}
        >
          {pending('skip') ? <LoaderCircleIcon className="animate-spin" /> : <SkipForwardIcon />}{' '}
          Skip
        </Button>
        <Button
          size="sm"
          disabled={resolve.isPending}
          onClick={() => decide('mark-done')}
          data-testid="resolve-mark-done"
          title={`It did take effect: ${agent.name} gets the result above`}
        >
          {pending('mark-done') ? (
            <LoaderCircleIcon className="animate-spin" />
          ) : (
            <CheckCheckIcon />
          )}{' '}
          Mark done
        </Button>
        <span className="text-[11px] text-muted-foreground">
          Retry only if you know it did not take effect.
        </span>
      </div>
    </section>
  );
}
