'use client';

import type { BreakerState } from '@flightdeck/domain';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LoaderCircleIcon, RotateCcwIcon } from 'lucide-react';
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
import { FormError } from '@/components/ui/form-error';
import { Label } from '@/components/ui/label';
import { Textarea } from '@/components/ui/textarea';

/** Close an open breaker, saying why: recorded with your name; it then counts afresh. */
export function ResetBreakerDialog({
  runId,
  breaker,
  title,
  size = 'xs',
}: {
  runId: string;
  breaker: BreakerState;
  title: string;
  size?: 'xs' | 'sm';
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const reset = useMutation(
    trpc.breakers.reset.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        setReason('');
        await queryClient.invalidateQueries(trpc.breakers.pathFilter());
      },
    }),
  );
  const error = reset.error ? describeError(reset.error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    reset.mutate({ runId, breaker: breaker.key, reason: reason.trim() });
  };
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) reset.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button
          size={size}
          variant="outline"
          data-testid="breaker-reset"
          data-breaker={breaker.key}
        >
          <RotateCcwIcon /> Reset
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={submit} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Reset the “{title}” breaker?</DialogTitle>
            <DialogDescription>
              It closes and counts afresh from now
              {breaker.kind === 'provider' ? ', for every run using this provider' : ''}. What it
              paused stays paused until you resume it. Your name and reason are recorded in the
              run&apos;s log and the audit trail.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor="breaker-reset-reason">Why is it safe to go on?</Label>
            <Textarea
              id="breaker-reset-reason"
              data-testid="breaker-reset-reason"
              rows={2}
              maxLength={2000}
              placeholder="e.g. the loop was a retry of a flaky source; I steered the agent"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
          <FormError message={error?.message} />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              type="submit"
              disabled={reset.isPending || reason.trim() === ''}
              data-testid="breaker-reset-confirm"
            >
              {reset.isPending ? <LoaderCircleIcon className="animate-spin" /> : <RotateCcwIcon />}
              Reset breaker
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
