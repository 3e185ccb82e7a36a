'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  CheckCircle2Icon,
  DownloadIcon,
  LoaderCircleIcon,
  RepeatIcon,
  TriangleAlertIcon,
  UploadIcon,
} from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type ChangeEvent, useRef, useState } from 'react';
import { describeError } from '@/client/errors';
import { shortId } from '@/client/format';
import { useTRPC, useTRPCClient } from '@/client/trpc';
import { IfCan } from '@/components/if-can';
import { Button } from '@/components/ui/button';

/** Download the run as JSON Lines, and (operators, ended runs) re-run it deterministically. */
export function RunRecordActions({ runId, ended }: { runId: string; ended: boolean }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [exporting, setExporting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const rerun = useMutation(
    trpc.runs.rerun.mutationOptions({
      onSuccess: async ({ runId: rerunId }) => {
        await queryClient.invalidateQueries(trpc.runs.pathFilter());
        router.push(`/runs/${rerunId}`);
      },
    }),
  );
  const download = async () => {
    setExporting(true);
    setError(null);
    try {
      const { filename, jsonl } = await client.runs.export.query({ runId });
      const url = URL.createObjectURL(new Blob([jsonl], { type: 'application/x-ndjson' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      link.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The export failed.');
    } finally {
      setExporting(false);
    }
  };
  const failure = error ?? (rerun.error ? describeError(rerun.error).message : null);
  return (
    <div className="flex items-center gap-2">
      <Button
        variant="outline"
        size="sm"
        onClick={() => void download()}
        disabled={exporting}
        title="Download this run (events and workspace history) as JSON Lines"
        data-testid="run-export"
      >
        {exporting ? <LoaderCircleIcon className="animate-spin" /> : <DownloadIcon />} Export
      </Button>
      <IfCan permission="runs.control">
        <Button
          variant="outline"
          size="sm"
          onClick={() => rerun.mutate({ runId })}
          disabled={!ended || rerun.isPending}
          title={
            ended
              ? 'Execute this run again with its recorded model responses and tool results, and compare'
              : 'A run can be re-run once it has ended'
          }
          data-testid="run-rerun"
        >
          {rerun.isPending ? <LoaderCircleIcon className="animate-spin" /> : <RepeatIcon />} Re-run
        </Button>
      </IfCan>
      {failure && (
        <span role="alert" className="text-xs text-status-failed">
          {failure}
        </span>
      )}
    </div>
  );
}

/** On a re-run's page: identical to its recording, or where it went another way. */
export function RerunVerdict({ runId, originRunId }: { runId: string; originRunId: string }) {
  const trpc = useTRPC();
  const verdict = useQuery(
    trpc.runs.rerunReport.queryOptions(
      { runId },
      { refetchInterval: (query) => (query.state.data ? false : 1500) },
    ),
  );
  const report = verdict.data;
  if (!report)
    return (
      <div
        className="flex items-center gap-2 rounded-md border px-3 py-2 text-sm text-muted-foreground"
        data-testid="rerun-verdict"
        data-state="running"
      >
        <LoaderCircleIcon className="size-4 animate-spin" /> Re-running with the recorded model
        responses and tool results…
      </div>
    );
  if (report.identical)
    return (
      <div
        className="flex items-center gap-2 rounded-md border border-status-completed/30 bg-status-completed-bg/50 px-3 py-2 text-sm"
        data-testid="rerun-verdict"
        data-state="identical"
      >
        <CheckCircle2Icon className="size-4 text-status-completed" />
        <span>
          Identical to{' '}
          <Link href={`/runs/${originRunId}`} className="font-mono text-primary hover:underline">
            {shortId(originRunId)}
          </Link>
          : {report.matched?.toLocaleString('en-US')} events, {report.replayedModelCalls} model
          responses and {report.replayedToolCalls} tool results replayed, no live call.
        </span>
      </div>
    );
  const difference = report.firstDifference;
  return (
    <div
      className="flex flex-col gap-1 rounded-md border border-status-failed/40 bg-status-failed-bg/50 px-3 py-2 text-sm"
      data-testid="rerun-verdict"
      data-state="different"
    >
      <span className="flex items-center gap-2 font-medium text-status-failed">
        <TriangleAlertIcon className="size-4" />
        {difference
          ? `Differs at step ${difference.seq}: ${difference.reason}`
          : `The re-run failed: ${report.error ?? 'unknown error'}`}
      </span>
      {difference && (
        <span className="grid gap-0.5 font-mono text-xs">
          <span>
            recorded:{' '}
            <Link
              href={`/runs/${originRunId}?at=${difference.seq}`}
              className="text-primary hover:underline"
            >
              {difference.expected?.type ?? '(nothing)'}
            </Link>{' '}
            {difference.expected?.payload.slice(0, 200)}
          </span>
          <span>
            re-run: {difference.actual?.type ?? '(nothing)'}{' '}
            {difference.actual?.payload.slice(0, 200)}
          </span>
        </span>
      )}
    </div>
  );
}

/** Import a run exported by a Flightdeck (a .jsonl file): it opens as a new, ended run. */
export function ImportRunButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  const importRun = useMutation(
    trpc.runs.import.mutationOptions({
      onSuccess: ({ runId }) => router.push(`/runs/${runId}`),
    }),
  );
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (file) importRun.mutate({ jsonl: await file.text() });
  };
  return (
    <span className="flex items-center gap-2">
      <input
        ref={input}
        type="file"
        accept=".jsonl,application/x-ndjson,application/jsonl"
        className="hidden"
        onChange={(e) => void onFile(e)}
        data-testid="import-run-file"
      />
      <Button
        variant="outline"
        size="sm"
        onClick={() => input.current?.click()}
        disabled={importRun.isPending}
        data-testid="import-run"
      >
        {importRun.isPending ? <LoaderCircleIcon className="animate-spin" /> : <UploadIcon />}{' '}
        Import run
      </Button>
      {importRun.error && (
        <span role="alert" className="text-xs text-status-failed">
          {describeError(importRun.error).message}
        </span>
      )}
    </span>
  );
}
