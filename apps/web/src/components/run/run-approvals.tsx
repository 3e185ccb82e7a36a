'use client';

import { ApprovalList } from '@/components/approvals/approvals-view';

/** The approvals of one run: what waits, then what was decided. */
export function RunApprovals({ runId }: { runId: string }) {
  return (
    <div className="flex h-full flex-col gap-4 overflow-y-auto p-3" data-testid="run-approvals">
      <section className="flex flex-col gap-2">
        <h3 className="text-xs font-medium tracking-wide text-muted-foreground uppercase">
          Waiting
        </h3>
        <ApprovalList state="pending" runId={runId} />
      </section>
      <section className="flex flex-col gap-2">
        <h3 className="text-xs font-medium tracking-wide text-muted-foreground uppercase">
          Decided
        </h3>
        <ApprovalList state="decided" runId={runId} />
      </section>
    </div>
  );
}
