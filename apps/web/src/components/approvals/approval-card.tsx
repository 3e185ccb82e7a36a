'use client';

import type { RouterOutputs } from '@flightdeck/api';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  CheckIcon,
  ClockIcon,
  LoaderCircleIcon,
  PencilIcon,
  ShieldQuestionIcon,
  TriangleAlertIcon,
  XIcon,
} from 'lucide-react';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { describeError } from '@/client/errors';
import { useCan } from '@/client/session';
import { formatDateTime, truncate } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { useNow } from '@/client/use-now';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { FormError } from '@/components/ui/form-error';
import { Label } from '@/components/ui/label';
import { Textarea } from '@/components/ui/textarea';
import { DiffTable } from '@/components/workspace/diff-table';
import { collapseContext, diffLines } from '@/components/workspace/line-diff';
import { cn } from '@/lib/utils';

export type Approval = RouterOutputs['approvals']['list'][number];

const OUTCOME_STYLE: Record<Approval['status'], string> = {
  pending: 'bg-amber-100 text-amber-900 dark:bg-amber-500/20 dark:text-amber-200',
  approved: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-500/20 dark:text-emerald-200',
  denied: 'bg-red-100 text-red-900 dark:bg-red-500/20 dark:text-red-200',
  expired: 'bg-zinc-200 text-zinc-900 dark:bg-zinc-500/25 dark:text-zinc-200',
  cancelled: 'bg-zinc-100 text-zinc-600 dark:bg-zinc-500/15 dark:text-zinc-400',
};

function remaining(ms: number): string {
  if (ms <= 0) return 'expiring now';
  const s = Math.ceil(ms / 1000);
  const m = Math.floor(s / 60);
  return m >= 60
    ? `${Math.floor(m / 60)} h ${m % 60} min`
    : `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** One approval: what exactly would happen, why it was asked, and the decision controls. */
export function ApprovalCard({
  approval,
  showRun = true,
}: {
  approval: Approval;
  showRun?: boolean;
}) {
  const now = useNow(1000);
  const canDecide = useCan('approvals.decide');
  const pending = approval.status === 'pending';
  const left = Date.parse(approval.expiresAt) - now;
  const warning = pending && now > 0 && (approval.warned || now >= Date.parse(approval.warnAt));
  return (
    <article
      className="rounded-lg border bg-card text-card-foreground shadow-xs"
      data-testid="approval-card"
      data-approval-id={approval.id}
      data-status={approval.status}
      data-tool={approval.tool}
    >
      <header className="flex flex-wrap items-center gap-2 border-b px-4 py-2.5">
        <ShieldQuestionIcon className="size-4 text-muted-foreground" />
        <span className="font-mono text-sm font-semibold">{approval.tool}</span>
        <span className="text-sm text-muted-foreground">
          asked by <span className="font-medium text-foreground">{approval.agentName}</span>
        </span>
        {showRun && (
          <Link
            href={`/runs/${approval.runId}`}
            className="truncate text-sm text-primary hover:underline"
            title={approval.goal}
          >
            {approval.teamName} · {truncate(approval.goal, 60)}
          </Link>
        )}
        <span className="ml-auto flex items-center gap-2">
          {pending && now > 0 && (
            <span
              className={cn(
                'flex items-center gap-1 text-xs tabular',
                warning
                  ? 'font-medium text-amber-700 dark:text-amber-300'
                  : 'text-muted-foreground',
              )}
              data-testid="approval-expiry"
              data-warning={warning ? 'true' : 'false'}
              title={`Expires ${formatDateTime(approval.expiresAt)}; then ${approval.settings.onExpiry === 'deny' ? 'the call is not run' : 'the call runs'}`}
            >
              <ClockIcon className="size-3.5" />
              {warning ? 'expires soon · ' : 'expires in '}
              {remaining(left)}
            </span>
          )}
          <Badge className={OUTCOME_STYLE[approval.status]} data-testid="approval-status">
            {approval.status}
          </Badge>
        </span>
      </header>

      <div className="flex flex-col gap-3 px-4 py-3 text-sm">
        <p className="text-muted-foreground">{approval.reason}</p>
        {approval.risk && (
          <div
            className="flex gap-2 rounded-md border border-amber-300/60 bg-amber-50 px-3 py-2 text-amber-950 dark:border-amber-500/30 dark:bg-amber-500/10 dark:text-amber-100"
            data-testid="approval-risk"
          >
            <TriangleAlertIcon className="mt-0.5 size-4 shrink-0" />
            <p>{approval.risk}</p>
          </div>
        )}
        <CallPreview approval={approval} />
        {approval.settings.quorum > 1 && (
          <p className="text-xs text-muted-foreground" data-testid="approval-votes">
            {approval.votes.length} of {approval.settings.quorum} approvals
            {approval.votes.length > 0 && `: ${approval.votes.map((v) => v.by.id).join(', ')}`}
          </p>
        )}
        {!pending ? (
          <DecisionSummary approval={approval} />
        ) : canDecide ? (
          <DecisionControls approval={approval} />
        ) : (
          <p className="text-xs text-muted-foreground" data-testid="approval-waiting">
            Waiting for an approver ({approval.settings.approverRoles.join(' or ')}).
          </p>
        )}
      </div>
    </article>
  );
}

/** What the call would do: a diff for file writes, the arguments otherwise. */
function CallPreview({ approval }: { approval: Approval }) {
  const content = approval.args.content;
  const diff = approval.diff;
  const rows = useMemo(
    () =>
      diff && typeof content === 'string'
        ? collapseContext(diffLines(diff.before ?? '', content), 3)
        : null,
    [diff, content],
  );
  if (diff && rows) {
    return (
      <div className="overflow-hidden rounded-md border" data-testid="approval-diff">
        <div className="border-b bg-muted/50 px-3 py-1.5 text-xs text-muted-foreground">
          <span className="font-mono text-foreground">{diff.path}</span>{' '}
          {diff.before === null ? '· a new file' : '· changes to the file as it is now'}
          {diff.truncated && ' (the current file is long: only its start is compared)'}
        </div>
        <div className="max-h-80 overflow-auto">
          {rows.length ? (
            <DiffTable rows={rows} />
          ) : (
            <p className="p-3 text-xs text-muted-foreground">No change: the content is the same.</p>
          )}
        </div>
      </div>
    );
  }
  return (
    <pre
      className="max-h-64 overflow-auto rounded-md border bg-muted/40 p-3 font-mono text-xs"
      data-testid="approval-args"
    >
      {JSON.stringify(approval.args, null, 2)}
    </pre>
  );
}

function DecisionSummary({ approval }: { approval: Approval }) {
  const d = approval.decision;
  if (approval.status === 'cancelled')
    return (
      <p className="text-xs text-muted-foreground">
        Cancelled: the agent or its run ended before anyone decided.
      </p>
    );
  if (!d) return null;
  return (
    <p className="text-xs text-muted-foreground" data-testid="approval-decision">
      {approval.status === 'expired' ? (
        <>
          Expired with no decision
          {approval.decidedAt && ` at ${formatDateTime(approval.decidedAt)}`}; the call was{' '}
          {d.applied === 'allow' ? 'run' : 'not run'}.
        </>
      ) : (
        <>
          {approval.status === 'approved' ? 'Approved' : 'Denied'}
          {d.edited && ' with edited arguments'} by{' '}
          <span className="font-medium text-foreground">{d.by?.id ?? 'nobody'}</span>
          {approval.decidedAt && ` at ${formatDateTime(approval.decidedAt)}`}
          {d.reason && <>: “{d.reason}”</>}
          {d.allowRuleForRun && ` · rule ${approval.ruleId ?? ''} allowed for the rest of the run`}
        </>
      )}
    </p>
  );
}

type Mode = 'idle' | 'edit' | 'deny';

function DecisionControls({ approval }: { approval: Approval }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>('idle');
  const [reason, setReason] = useState('');
  const [allowRule, setAllowRule] = useState(false);
  const isWrite = approval.tool === 'fs.write' && typeof approval.args.content === 'string';
  const [edited, setEdited] = useState(() =>
    isWrite ? String(approval.args.content) : JSON.stringify(approval.args, null, 2),
  );
  const [editError, setEditError] = useState<string | null>(null);

  const decide = useMutation(
    trpc.approvals.decide.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.approvals.pathFilter()),
    }),
  );
  const base = {
    runId: approval.runId,
    approvalId: approval.id,
    fingerprint: approval.fingerprint,
  };
  const busy = decide.isPending;

  const approve = (editedArgs?: Record<string, unknown>) =>
    decide.mutate({ ...base, decision: 'approve', reason, editedArgs, allowRuleForRun: allowRule });

  const approveEdited = () => {
    if (isWrite) return approve({ ...approval.args, content: edited });
    try {
      const value: unknown = JSON.parse(edited);
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return setEditError('The arguments must be a JSON object.');
      setEditError(null);
      approve(value as Record<string, unknown>);
    } catch {
      setEditError('Not valid JSON.');
    }
  };

  return (
    <div className="flex flex-col gap-2.5" data-testid="approval-controls">
      {mode === 'edit' && (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`edit-${approval.id}`}>
            {isWrite ? 'Content to write instead' : 'Arguments to run instead (JSON)'}
          </Label>
          <Textarea
            id={`edit-${approval.id}`}
            className="min-h-40 font-mono text-xs"
            value={edited}
            onChange={(e) => setEdited(e.target.value)}
            data-testid="approval-edit"
          />
          <FormError message={editError} />
        </div>
      )}
      {(mode === 'deny' || mode === 'edit') && (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`reason-${approval.id}`}>
            {mode === 'deny' ? 'Why (the agent reads this)' : 'Note (optional)'}
          </Label>
          <Textarea
            id={`reason-${approval.id}`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder={mode === 'deny' ? 'e.g. not before the release freeze ends' : ''}
            data-testid="approval-reason"
          />
        </div>
      )}
      {approval.ruleId && mode !== 'deny' && (
        <label className="flex items-center gap-2 text-xs text-muted-foreground">
          <input
            type="checkbox"
            checked={allowRule}
            onChange={(e) => setAllowRule(e.target.checked)}
            data-testid="approval-allow-rule"
          />
          Also allow rule <span className="font-mono text-foreground">{approval.ruleId}</span> for
          the rest of this run
        </label>
      )}
      <FormError message={decide.error ? describeError(decide.error).message : null} />
      <div className="flex flex-wrap gap-2">
        {mode === 'idle' && (
          <>
            <Button
              size="sm"
              onClick={() => approve()}
              disabled={busy}
              data-testid="approval-approve"
            >
              {busy ? <LoaderCircleIcon className="animate-spin" /> : <CheckIcon />}
              Approve
            </Button>
            <Button
              size="sm"
              variant="outline"
              onClick={() => setMode('edit')}
              data-testid="approval-edit-open"
            >
              <PencilIcon /> Edit and approve
            </Button>
            <Button
              size="sm"
              variant="outline"
              onClick={() => setMode('deny')}
              data-testid="approval-deny-open"
            >
              <XIcon /> Deny
            </Button>
          </>
        )}
        {mode === 'edit' && (
          <Button
            size="sm"
            onClick={approveEdited}
            disabled={busy}
            data-testid="approval-approve-edited"
          >
            {busy ? <LoaderCircleIcon className="animate-spin" /> : <CheckIcon />}
            Approve edited call
          </Button>
        )}
        {mode === 'deny' && (
          <Button
            size="sm"
            variant="destructive"
            disabled={busy || reason.trim() === ''}
            onClick={() => decide.mutate({ ...base, decision: 'deny', reason })}
            data-testid="approval-deny"
          >
            {busy ? <LoaderCircleIcon className="animate-spin" /> : <XIcon />}
            Deny
          </Button>
        )}
        {mode !== 'idle' && (
          <Button size="sm" variant="ghost" onClick={() => setMode('idle')} disabled={busy}>
            Cancel
          </Button>
        )}
      </div>
    </div>
  );
}
