'use client';

import {
  type AgentState,
  isTerminalAgentStatus,
  type PauseMode,
  type RunState,
} from '@flightdeck/domain';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  EllipsisVerticalIcon,
  LoaderCircleIcon,
  MessageSquarePlusIcon,
  OctagonXIcon,
  PauseIcon,
  PlayIcon,
} from 'lucide-react';
import { type FormEvent, useRef, useState } from 'react';
import { describeError } from '@/client/errors';
import { useTRPC } from '@/client/trpc';
import { isControllableAgent } from '@/components/status';
import { Button } from '@/components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '@/components/ui/dialog';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '@/components/ui/dropdown-menu';
import { Label } from '@/components/ui/label';
import { Textarea } from '@/components/ui/textarea';
import { FormError } from '@/components/ui/form-error';
import { PauseModeField } from './pause-mode-field';

interface AgentActionsProps {
  runId: string;
  state: RunState;
  agent: AgentState;
  /** Open the steer box for this agent. */
  onSteer: (agentId: string) => void;
}

/** Per-agent controls in the team tree: steer, pause or resume, kill (with its subagents). */
export function AgentActions({ runId, state, agent, onSteer }: AgentActionsProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<'pause' | 'kill' | null>(null);
  /** The chosen item moves focus on (the steer box, a dialog): the menu must not pull it back to its trigger. */
  const focusMoves = useRef(false);
  const open = (next: () => void) => () => {
    focusMoves.current = true;
    next();
  };
  const resume = useMutation(
    trpc.agents.resume.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.runs.pathFilter()),
    }),
  );
  const controllable = isControllableAgent(agent, state);
  const isLead = agent.parentId === null;

  return (
    <>
      <DropdownMenu modal={false}>
        <DropdownMenuTrigger asChild>
          <Button
            variant="ghost"
            size="xs"
            className="size-6 px-0 text-muted-foreground hover:text-foreground data-[state=open]:bg-accent"
            disabled={!controllable}
            aria-label={`Actions for ${agent.name}`}
            title={
              controllable
                ? `Actions for ${agent.name}`
                : `${agent.name} has ended: nothing to control`
            }
            data-testid="agent-actions"
            data-agent-name={agent.name}
          >
            {resume.isPending ? (
              <LoaderCircleIcon className="animate-spin" />
            ) : (
              <EllipsisVerticalIcon />
            )}
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent
          align="end"
          className="w-52"
          onCloseAutoFocus={(e) => {
            if (focusMoves.current) e.preventDefault();
            focusMoves.current = false;
          }}
        >
          <DropdownMenuLabel>{agent.name}</DropdownMenuLabel>
          <DropdownMenuItem
            onSelect={open(() => onSteer(agent.id))}
            data-testid="agent-action-steer"
          >
            <MessageSquarePlusIcon /> Steer…
          </DropdownMenuItem>
          {agent.pause ? (
            <DropdownMenuItem
              onSelect={() => resume.mutate({ runId, agentId: agent.id })}
              data-testid="agent-action-resume"
            >
              <PlayIcon /> Resume agent
            </DropdownMenuItem>
          ) : (
            <DropdownMenuItem
              onSelect={open(() => setDialog('pause'))}
              data-testid="agent-action-pause"
            >
              <PauseIcon /> Pause agent…
            </DropdownMenuItem>
          )}
          <DropdownMenuSeparator />
          <DropdownMenuItem
            variant="destructive"
            onSelect={open(() => setDialog('kill'))}
            data-testid="agent-action-kill"
          >
            <OctagonXIcon /> {isLead ? 'Kill lead (ends the run)…' : 'Kill agent…'}
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
      {resume.error && (
        <button
          type="button"
          role="alert"
          onClick={() => resume.reset()}
          title="Dismiss"
          className="absolute top-8 right-1 z-10 w-60 rounded-md border border-destructive/40 bg-popover px-2.5 py-1.5 text-left text-xs text-destructive shadow-md"
        >
          Could not resume {agent.name}: {describeError(resume.error).message}
        </button>
      )}
      <PauseAgentDialog
        runId={runId}
        agent={agent}
        open={dialog === 'pause'}
        onOpenChange={(open) => setDialog(open ? 'pause' : null)}
      />
      <KillAgentDialog
        runId={runId}
        state={state}
        agent={agent}
        open={dialog === 'kill'}
        onOpenChange={(open) => setDialog(open ? 'kill' : null)}
      />
    </>
  );
}

interface DialogProps {
  runId: string;
  agent: AgentState;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

function PauseAgentDialog({ runId, agent, open, onOpenChange }: DialogProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<PauseMode>('finish-turn');
  const [reason, setReason] = useState('');
  const pause = useMutation(
    trpc.agents.pause.mutationOptions({
      onSuccess: async () => {
        onOpenChange(false);
        setReason('');
        await queryClient.invalidateQueries(trpc.runs.pathFilter());
      },
    }),
  );
  const error = pause.error ? describeError(pause.error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    pause.mutate({ runId, agentId: agent.id, mode, reason: reason.trim() });
  };
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) pause.reset();
      }}
    >
      <DialogContent>
        <form onSubmit={submit} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Pause {agent.name}?</DialogTitle>
            <DialogDescription>
              {agent.name} starts no new turn until you resume it. The rest of the team, its own
              subagents included, goes on.
            </DialogDescription>
          </DialogHeader>
          <PauseModeField name={`agent-pause-mode-${agent.id}`} value={mode} onChange={setMode} />
          <div className="grid gap-2">
            <Label htmlFor={`agent-pause-reason-${agent.id}`}>
              Reason <span className="font-normal text-muted-foreground">(optional)</span>
            </Label>
            <Textarea
              id={`agent-pause-reason-${agent.id}`}
              rows={2}
              maxLength={2000}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
          <FormError message={error?.message} />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={pause.isPending} data-testid="pause-agent-confirm">
              {pause.isPending ? <LoaderCircleIcon className="animate-spin" /> : <PauseIcon />}
              Pause {agent.name}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** The agent and every live agent below it. */
function liveBelow(state: RunState, agent: AgentState): AgentState[] {
  return agent.children.flatMap((id) => {
    const child = state.agents[id];
    if (!child) return [];
    return [...(isTerminalAgentStatus(child.status) ? [] : [child]), ...liveBelow(state, child)];
  });
}

function KillAgentDialog({
  runId,
  state,
  agent,
  open,
  onOpenChange,
}: DialogProps & { state: RunState }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [refused, setRefused] = useState<string | null>(null);
  const kill = useMutation(
    trpc.agents.kill.mutationOptions({
      onSuccess: async (result) => {
        if (result.run === 'already-ended') {
          // The server found nothing to kill while this view shows the run live: say so, do not pretend.
          setRefused(
            'Nothing was killed: the server reports this run as already ended. Reload the page to see its latest state.',
          );
          return;
        }
        onOpenChange(false);
        setReason('');
        await queryClient.invalidateQueries(trpc.runs.pathFilter());
      },
    }),
  );
  const isLead = agent.parentId === null;
  const below = liveBelow(state, agent);
  const parent = agent.parentId ? state.agents[agent.parentId] : null;
  const active = Object.values(state.agents).filter((a) => !isTerminalAgentStatus(a.status)).length;
  const error = kill.error ? describeError(kill.error).message : refused;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return;
    setRefused(null);
    kill.mutate({ runId, agentId: agent.id, reason: reason.trim() });
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) {
          kill.reset();
          setRefused(null);
        }
      }}
    >
      <DialogContent>
        <form onSubmit={submit} className="grid gap-4" data-testid="kill-agent-form">
          <DialogHeader>
            <DialogTitle>
              {isLead ? `Kill the lead, ${agent.name}, and the whole run?` : `Kill ${agent.name}?`}
            </DialogTitle>
            <DialogDescription>
              {isLead ? (
                <>
                  {agent.name} leads the team: killing it kills the run. Every agent stops now
                  {active > 0 ? ` (${active} still active)` : ''}.
                </>
              ) : (
                <>
                  {below.length > 0
                    ? `${agent.name} and ${below.length === 1 ? 'its live subagent' : `its ${below.length} live subagents`} (${below.map((a) => a.name).join(', ')}) stop now`
                    : `${agent.name} stops now`}
                  : calls in flight are aborted.{' '}
                  {parent ? `${parent.name} is told the delegation failed, and ` : ''}the rest of
                  the team goes on.
                </>
              )}{' '}
              This cannot be undone; the reason is recorded in the run’s log.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor={`kill-agent-reason-${agent.id}`}>Reason</Label>
            <Textarea
              id={`kill-agent-reason-${agent.id}`}
              data-testid="kill-agent-reason"
              rows={3}
              maxLength={2000}
              placeholder="e.g. off track, looping, not needed any more"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              autoFocus
            />
          </div>
          <FormError message={error} />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button
              type="submit"
              variant="destructive"
              disabled={!reason.trim() || kill.isPending}
              data-testid="kill-agent-confirm"
            >
              {kill.isPending ? <LoaderCircleIcon className="animate-spin" /> : <OctagonXIcon />}
              {isLead ? 'Kill run' : `Kill ${agent.name}`}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
