'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LoaderCircleIcon, OctagonXIcon } from 'lucide-react';
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

export function KillRunDialog({
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
  const [reason, setReason] = useState('');
  const [refused, setRefused] = useState<string | null>(null);
  const kill = useMutation(
    trpc.runs.kill.mutationOptions({
      onSuccess: async ({ status }) => {
        if (status === 'already-ended' && !disabled) {
          // The server found nothing to kill while this view shows the run live: say so, do not pretend.
          setRefused(
            'Nothing was killed: the server reports this run as already ended. Reload the page to see its latest state.',
          );
          return;
        }
        setOpen(false);
        setReason('');
        await queryClient.invalidateQueries(trpc.runs.pathFilter());
      },
    }),
  );
  const error = kill.error ? describeError(kill.error).message : refused;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return;
    setRefused(null);
    kill.mutate({ runId, reason: reason.trim() });
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          kill.reset();
          setRefused(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="destructive" size="sm" disabled={disabled} data-testid="kill-run">
          <OctagonXIcon /> Kill run
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={submit} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Kill this run?</DialogTitle>
            <DialogDescription>
              Every agent stops now: in-flight model and tool calls are aborted and nothing more is
              dispatched
              {activeAgents > 0
                ? ` (${activeAgents} agent${activeAgents === 1 ? '' : 's'} still active)`
                : ''}
              . This cannot be undone; the reason is recorded in the run’s log.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor="kill-reason">Reason</Label>
            <Textarea
              id="kill-reason"
              data-testid="kill-reason"
              rows={3}
              maxLength={2000}
              placeholder="e.g. runaway spend, wrong goal, stuck in a loop"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              autoFocus
            />
          </div>
          <FormError message={error} />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              type="submit"
              variant="destructive"
              disabled={!reason.trim() || kill.isPending}
              data-testid="kill-confirm"
            >
              {kill.isPending ? <LoaderCircleIcon className="animate-spin" /> : <OctagonXIcon />}
              Kill run
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
