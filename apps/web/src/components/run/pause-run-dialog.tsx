'use client';

import type { PauseMode } from '@flightdeck/domain';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LoaderCircleIcon, PauseIcon, PlayIcon } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { describeError } from '@/client/errors';
import { useTRPC } from '@/client/trpc';
import { Button } from '@/components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from '@/components/ui/dialog';
import { Label } from '@/components/ui/label';
import { Textarea } from '@/components/ui/textarea';
import { FormError } from '@/components/ui/form-error';
import { PauseModeField } from './pause-mode-field';

/** Pause the whole team: choose what happens to the turns in flight, say why (optional). */
export function PauseRunDialog({
  runId,
  disabled,
  activeAgents,
}: {
  runId: string;
  disabled: boolean;
  activeAgents: number;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [mode, setMode] = useState<PauseMode>('finish-turn');
  const [reason, setReason] = useState('');
  const pause = useMutation(
    trpc.runs.pause.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        setReason('');
        await queryClient.invalidateQueries(trpc.runs.pathFilter());
      },
    }),
  );
  const error = pause.error ? describeError(pause.error) : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    pause.mutate({ runId, mode, reason: reason.trim() });
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) pause.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" disabled={disabled} data-testid="pause-run">
          <PauseIcon /> Pause
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={submit} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Pause this run?</DialogTitle>
            <DialogDescription>
              No agent starts a new turn until you resume
              {activeAgents > 0
                ? ` (${activeAgents} agent${activeAgents === 1 ? '' : 's'} active)`
                : ''}
              . Nothing is lost: the team carries on from its log. The pause is recorded with your
              name.
            </DialogDescription>
          </DialogHeader>
          <PauseModeField name="run-pause-mode" value={mode} onChange={setMode} />
          <div className="grid gap-2">
            <Label htmlFor="pause-reason">
              Reason <span className="font-normal text-muted-foreground">(optional)</span>
            </Label>
            <Textarea
              id="pause-reason"
              data-testid="pause-reason"
              rows={2}
              maxLength={2000}
              placeholder="e.g. check the spend, review the plan before it writes"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
          <FormError message={error?.message} />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={pause.isPending} data-testid="pause-confirm">
              {pause.isPending ? <LoaderCircleIcon className="animate-spin" /> : <PauseIcon />}
              Pause run
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** Resume a paused run: no confirmation, it only lets the team go on. */
export function ResumeRunButton({
  runId,
  testId = 'resume-run',
}: {
  runId: string;
  testId?: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const resume = useMutation(
    trpc.runs.resume.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.runs.pathFilter()),
    }),
  );
  const error = resume.error ? describeError(resume.error) : null;
  return (
    <div className="relative">
      <Button
        size="sm"
        onClick={() => resume.mutate({ runId })}
        disabled={resume.isPending}
        data-testid={testId}
        title="Let the team go on"
      >
        {resume.isPending ? <LoaderCircleIcon className="animate-spin" /> : <PlayIcon />}
        Resume
      </Button>
      {error && (
        <div
          role="alert"
          className="absolute top-full right-0 z-10 mt-1.5 w-72 rounded-md border border-destructive/40 bg-popover px-3 py-2 text-xs text-destructive shadow-md"
        >
          Could not resume: {error.message}
        </div>
      )}
    </div>
  );
}
