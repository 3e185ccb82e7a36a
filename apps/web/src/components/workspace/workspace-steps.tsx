'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { GitCommitVerticalIcon, LoaderCircleIcon, RotateCcwIcon, Undo2Icon } from 'lucide-react';
import { type FormEvent, useMemo, useState } from 'react';
import { describeError } from '@/client/errors';
import { formatClock } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { IfCan } from '@/components/if-can';
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
import { cn } from '@/lib/utils';
import { DiffTable } from './diff-table';
import { collapseContext, diffLines } from './line-diff';
import type { WorkspaceStep } from './steps';

const CHANGE_MARK = { added: '+', modified: '~', deleted: '−' } as const;

function describeStep(step: WorkspaceStep, agentName: (id: string | null) => string): string {
  if (step.kind === 'rollback')
    return `${step.by ?? 'someone'} rolled back to step ${step.toSeq ?? '?'}`;
  if (!step.callId) return 'changes made outside tool calls';
  return `${agentName(step.agentId) || 'agent'} · ${step.tool ?? 'tool call'}`;
}

/** The workspace's recorded steps, newest last: pick one to see its files and what it changed. */
export function StepList({
  steps,
  selected,
  current,
  agentName,
  onSelect,
}: {
  steps: readonly WorkspaceStep[];
  /** The step picked (its seq). */
  selected: number | null;
  /** The step in force at the moment shown (replay), highlighted when nothing is picked. */
  current: number | null;
  agentName: (id: string | null) => string;
  onSelect: (seq: number | null) => void;
}) {
  return (
    <div className="flex min-h-0 flex-col border-t" data-testid="workspace-steps">
      <div className="flex items-center justify-between px-3 py-1.5 text-xs text-muted-foreground">
        <span className="font-medium text-foreground">History</span>
        <span className="tabular">
          {steps.length} step{steps.length === 1 ? '' : 's'}
        </span>
      </div>
      <div className="max-h-64 min-h-0 overflow-y-auto pb-1 text-xs">
        <button
          type="button"
          onClick={() => onSelect(null)}
          className={cn(
            'flex h-7 w-full items-center gap-2 border-l-2 border-transparent px-3 text-left hover:bg-muted/60',
            selected === null && current === null && 'border-primary bg-secondary font-medium',
          )}
          data-testid="workspace-step-now"
        >
          <GitCommitVerticalIcon className="size-3.5 text-muted-foreground" />
          {current === null ? 'Now (on disk)' : `As at the replayed step`}
        </button>
        {steps.length === 0 && (
          <p className="px-3 py-1 text-muted-foreground">
            Nothing recorded yet: every tool call that changes files adds a step.
          </p>
        )}
        {steps.map((step) => {
          const isSelected = selected === step.seq || (selected === null && current === step.seq);
          return (
            <button
              key={step.seq}
              type="button"
              onClick={() => onSelect(step.seq)}
              data-testid="workspace-step"
              data-seq={step.seq}
              data-kind={step.kind}
              aria-current={isSelected ? 'true' : undefined}
              title={step.files.map((f) => `${CHANGE_MARK[f.change]} ${f.path}`).join('\n')}
              className={cn(
                'flex h-7 w-full items-center gap-2 border-l-2 border-transparent px-3 text-left hover:bg-muted/60',
                isSelected && 'border-primary bg-secondary',
              )}
            >
              <span className="w-12 shrink-0 text-muted-foreground tabular">#{step.seq}</span>
              {step.kind === 'rollback' ? (
                <Undo2Icon className="size-3.5 shrink-0 text-status-paused" />
              ) : null}
              <span className="min-w-0 flex-1 truncate">{describeStep(step, agentName)}</span>
              <span className="shrink-0 text-muted-foreground tabular">
                {step.files.length + step.moreFiles} file
                {step.files.length + step.moreFiles === 1 ? '' : 's'}
              </span>
            </button>
          );
        })}
      </div>
    </div>
  );
}

/** What the workspace shows: a step's commit (or the replayed moment's), with what it changed, and a restore. */
export function StepBar({
  runId,
  step,
  atSeq,
  agentName,
  restoreBlocked,
  onShowFile,
}: {
  runId: string;
  /** The step whose commit is shown (null: nothing was recorded yet at `atSeq`: the empty workspace). */
  step: WorkspaceStep | null;
  /** The seq whose workspace is shown (the step's, or the replayed moment). */
  atSeq: number;
  agentName: (id: string | null) => string;
  /** Why the workspace cannot be restored now; null when it can. */
  restoreBlocked: string | null;
  onShowFile: (path: string) => void;
}) {
  return (
    <div
      className="flex flex-col gap-1 border-b bg-primary/5 px-3 py-1.5 text-xs"
      data-testid="workspace-step-bar"
      data-at={atSeq}
      data-commit={step?.commit ?? ''}
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">
          {step ? `Workspace after step ${step.seq}` : `Workspace at step ${atSeq}`}
        </span>
        <span className="text-muted-foreground">
          {step
            ? `${describeStep(step, agentName)} · ${formatClock(step.at).slice(0, 8)} · commit ${step.commit.slice(0, 8)}`
            : 'nothing written yet'}
        </span>
        <span className="ml-auto">
          <IfCan permission="runs.control">
            <RestoreDialog runId={runId} toSeq={atSeq} blocked={restoreBlocked} />
          </IfCan>
        </span>
      </div>
      {step && step.files.length > 0 && (
        <div className="flex flex-wrap gap-1" data-testid="workspace-step-files">
          {step.files.map((f) => (
            <button
              key={f.path}
              type="button"
              className="rounded bg-background px-1.5 py-0.5 font-mono hover:bg-muted"
              onClick={() => onShowFile(f.path)}
              disabled={f.change === 'deleted'}
            >
              {CHANGE_MARK[f.change]} {f.path}
            </button>
          ))}
          {step.moreFiles > 0 && (
            <span className="px-1 text-muted-foreground">+{step.moreFiles} more</span>
          )}
        </div>
      )}
    </div>
  );
}

/** Roll the run's workspace back to a step: a reason is required, the act is recorded and audited. */
function RestoreDialog({
  runId,
  toSeq,
  blocked,
}: {
  runId: string;
  toSeq: number;
  blocked: string | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const restore = useMutation(
    trpc.runs.rollbackWorkspace.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        setReason('');
        await queryClient.invalidateQueries(trpc.runs.pathFilter());
      },
    }),
  );
  const error = restore.error ? describeError(restore.error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    restore.mutate({ runId, toSeq, reason: reason.trim() });
  };
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) restore.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button
          variant="outline"
          size="xs"
          disabled={blocked !== null}
          title={blocked ?? `Restore the workspace as it was after step ${toSeq}`}
          data-testid="workspace-restore"
        >
          <RotateCcwIcon /> Restore this step
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={submit} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Restore the workspace to step {toSeq}?</DialogTitle>
            <DialogDescription>
              Every file goes back to how it was right after step {toSeq}. Nothing is lost: the
              current files stay in the history, and the rollback is recorded in the run’s log with
              your name and reason.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor="restore-reason">Reason</Label>
            <Textarea
              id="restore-reason"
              data-testid="restore-reason"
              rows={2}
              maxLength={2000}
              placeholder="e.g. the last edits broke the report"
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
              disabled={restore.isPending || !reason.trim()}
              data-testid="restore-confirm"
            >
              {restore.isPending ? (
                <LoaderCircleIcon className="animate-spin" />
              ) : (
                <RotateCcwIcon />
              )}
              Restore
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** What one step changed in one file: its content before (the parent commit) and after. */
export function StepFileDiff({
  runId,
  step,
  path,
}: {
  runId: string;
  step: WorkspaceStep;
  path: string;
}) {
  const trpc = useTRPC();
  const opts = { refetchInterval: false, retry: false, staleTime: Infinity } as const;
  const after = useQuery(
    trpc.runs.workspaceFileAt.queryOptions({ runId, commit: step.commit, path }, opts),
  );
  const before = useQuery({
    ...trpc.runs.workspaceFileAt.queryOptions(
      { runId, commit: step.parent ?? step.commit, path },
      opts,
    ),
    enabled: step.parent !== null,
  });
  const missing = (e: { data?: { code?: string } | null } | null) => e?.data?.code === 'NOT_FOUND';
  const beforeText = step.parent === null || missing(before.error) ? '' : before.data?.content;
  const afterText = missing(after.error) ? '' : after.data?.content;
  const rows = useMemo(
    () =>
      beforeText === undefined || afterText === undefined
        ? null
        : collapseContext(diffLines(beforeText, afterText), 3),
    [beforeText, afterText],
  );
  if (!rows) {
    return (
      <div className="flex items-center gap-2 p-4 text-sm text-muted-foreground">
        <LoaderCircleIcon className="size-4 animate-spin" /> Loading the change…
      </div>
    );
  }
  return (
    <div data-testid="workspace-step-diff" data-seq={step.seq} data-path={path}>
      <div className="sticky top-0 z-10 border-b bg-background/95 px-3 py-1.5 text-xs text-muted-foreground backdrop-blur">
        What step {step.seq} changed in <span className="font-mono">{path}</span>
      </div>
      {rows.length === 0 ? (
        <p className="p-4 text-sm text-muted-foreground">No change to this file in this step.</p>
      ) : (
        <DiffTable rows={rows.slice(0, 3_000)} />
      )}
    </div>
  );
}
