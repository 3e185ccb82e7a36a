'use client';

import { EMPTY_WORKSPACE_TREE } from '@flightdeck/domain';
import { useQuery } from '@tanstack/react-query';
import {
  FileIcon,
  FileTextIcon,
  FolderIcon,
  FolderOpenIcon,
  LoaderCircleIcon,
  TriangleAlertIcon,
} from 'lucide-react';
import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { formatClock, formatCount } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';
import { changesByPath, type FileChange } from './changes';
import { DiffTable } from './diff-table';
import { collapseContext, diffLines, diffStats } from './line-diff';
import { stepAt, type WorkspaceStep } from './steps';
import { StepBar, StepFileDiff, StepList } from './workspace-steps';

export interface WorkspaceSelection {
  /** The file shown; null: none picked yet. */
  file: string | null;
  /** The seq of the change whose diff is shown (its `tool.call.dispatched`); null: the file's current content. */
  change: number | null;
  /** The recorded step whose files are shown (seq of its workspace event); null: now, or the replayed moment. */
  step?: number | null;
}

interface WorkspaceViewProps {
  runId: string;
  changes: readonly FileChange[];
  agentName: (agentId: string | null) => string;
  selection: WorkspaceSelection;
  onSelect: (selection: WorkspaceSelection) => void;
  /** The workspace's recorded steps (commits and rollbacks) up to the moment shown. */
  steps?: readonly WorkspaceStep[];
  /** Replay: the seq shown; the workspace as it was then (from its history). */
  replayAt?: number | null;
  /** Why the workspace cannot be restored now (null: it can). */
  restoreBlocked?: string | null;
}

/** Past this many rows a diff or a file shows its start and says how much is left out. */
const MAX_RENDERED_LINES = 3_000;

/**
 * The run's workspace folder: the files on disk (refetched when a write lands),
 * the selected file's content, and each change an agent made to it (from the log)
 * as a line diff.
 */
export function WorkspaceView({
  runId,
  changes,
  agentName,
  selection,
  onSelect,
  steps = [],
  replayAt = null,
  restoreBlocked = null,
}: WorkspaceViewProps) {
  const trpc = useTRPC();
  // What is shown: a picked step's commit, the replayed moment's, or the folder on disk now.
  const pickedStep =
    selection.step == null ? null : (steps.find((s) => s.seq === selection.step) ?? null);
  const historical = pickedStep !== null || replayAt !== null;
  const viewStep = pickedStep ?? (replayAt !== null ? stepAt(steps, replayAt) : null);
  const atSeq = pickedStep?.seq ?? replayAt ?? 0;
  const commit = historical ? (viewStep?.commit ?? EMPTY_WORKSPACE_TREE) : null;
  const diskFiles = useQuery({
    ...trpc.runs.workspaceFiles.queryOptions({ runId }, { refetchInterval: false }),
    enabled: commit === null,
  });
  const commitFiles = useQuery({
    ...trpc.runs.workspaceFilesAt.queryOptions(
      { runId, commit: commit ?? EMPTY_WORKSPACE_TREE },
      { refetchInterval: false, staleTime: Infinity, retry: false },
    ),
    enabled: commit !== null,
  });
  const files = commit === null ? diskFiles : commitFiles;
  const byPath = useMemo(() => changesByPath(changes), [changes]);
  const [stepDiff, setStepDiff] = useState(true);

  // A write landed: the listing is stale.
  const { refetch: refetchFiles } = diskFiles;
  const seenWrites = useRef(changes.length);
  const seenSteps = useRef(steps.length);
  useEffect(() => {
    if (changes.length === seenWrites.current && steps.length === seenSteps.current) return;
    seenWrites.current = changes.length;
    seenSteps.current = steps.length;
    if (commit === null) void refetchFiles();
  }, [changes.length, steps.length, commit, refetchFiles]);

  const selectedChange =
    selection.change === null ? null : (changes.find((c) => c.seq === selection.change) ?? null);
  const path = selectedChange?.path ?? selection.file;

  // Every path on disk, plus any the log wrote that the listing does not have yet (a step: its files only).
  const entries = useMemo(() => {
    const map = new Map<string, { path: string; size: number | null; modifiedAt: string | null }>();
    if (commit !== null) {
      for (const f of commitFiles.data ?? [])
        map.set(f.path, { path: f.path, size: f.size, modifiedAt: null });
    } else {
      for (const f of diskFiles.data ?? []) map.set(f.path, f);
      // Writes a rollback undid are not waiting to be listed: they are gone.
      const rolledBackAt = steps.findLast((s) => s.kind === 'rollback')?.seq ?? 0;
      for (const [p, list] of byPath)
        if (!map.has(p) && (list.at(-1)?.finishedSeq ?? 0) > rolledBackAt)
          map.set(p, { path: p, size: null, modifiedAt: null });
    }
    return [...map.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }, [commit, commitFiles.data, diskFiles.data, byPath, steps]);

  // Nothing picked yet: open the first file (report.md-like files first would be guesswork).
  const firstPath = entries[0]?.path ?? null;
  useEffect(() => {
    if (selection.file === null && selection.change === null && firstPath)
      onSelect({ file: firstPath, change: null, step: selection.step ?? null });
  }, [selection.file, selection.change, selection.step, firstPath, onSelect]);

  const pick = (next: Partial<WorkspaceSelection>) =>
    onSelect({
      file: selection.file,
      change: selection.change,
      step: selection.step ?? null,
      ...next,
    });
  const stepChanged = viewStep && path ? viewStep.files.some((f) => f.path === path) : false;

  const history = path ? (byPath.get(path) ?? []) : [];

  return (
    <div
      className="grid h-full min-h-0 grid-cols-[minmax(180px,240px)_minmax(0,1fr)]"
      data-testid="workspace"
    >
      <div className="flex min-h-0 flex-col border-r">
        <div className="flex items-center justify-between border-b px-3 py-1.5 text-xs text-muted-foreground">
          <span className="font-medium text-foreground">Files</span>
          <span className="tabular">
            {files.isFetching && <LoaderCircleIcon className="mr-1 inline size-3 animate-spin" />}
            {formatCount(entries.length)}
          </span>
        </div>
        <div className="min-h-0 flex-1 overflow-y-auto py-1">
          {files.error ? (
            <p className="flex items-center gap-1.5 p-3 text-xs text-status-failed">
              <TriangleAlertIcon className="size-3.5" /> {files.error.message}
            </p>
          ) : entries.length === 0 ? (
            <p className="p-3 text-xs text-muted-foreground">
              {files.isPending ? 'Loading…' : 'No files yet. What the agents write shows up here.'}
            </p>
          ) : (
            <FileTree
              entries={entries}
              byPath={byPath}
              selected={path}
              onSelect={(p) => pick({ file: p, change: null })}
            />
          )}
        </div>
        <StepList
          steps={steps}
          selected={pickedStep?.seq ?? null}
          current={replayAt !== null ? (viewStep?.seq ?? 0) : null}
          agentName={agentName}
          onSelect={(seq) => {
            setStepDiff(true);
            pick({ step: seq, change: null });
          }}
        />
      </div>

      <div className="flex min-h-0 min-w-0 flex-col">
        {historical && (
          <StepBar
            runId={runId}
            step={viewStep}
            atSeq={atSeq}
            agentName={agentName}
            restoreBlocked={restoreBlocked}
            onShowFile={(p) => {
              setStepDiff(true);
              pick({ file: p, change: null });
            }}
          />
        )}
        {!path ? (
          <div className="flex flex-1 items-center justify-center p-6 text-sm text-muted-foreground">
            Pick a file.
          </div>
        ) : (
          <>
            <div className="flex min-w-0 flex-wrap items-baseline gap-x-3 gap-y-0.5 border-b px-3 py-1.5">
              <span
                className="truncate font-mono text-[13px] font-medium"
                data-testid="workspace-path"
              >
                {path}
              </span>
              <FileFacts
                entry={entries.find((e) => e.path === path) ?? null}
                changes={history.length}
              />
            </div>
            <ChangeHistory
              history={history}
              agentName={agentName}
              selected={selectedChange?.seq ?? null}
              onSelect={(seq) => pick({ file: path, change: seq })}
              onShowFile={() => pick({ file: path, change: null })}
            />
            {viewStep && stepChanged && !selectedChange && (
              <div className="flex gap-1 border-b px-3 py-1 text-xs">
                <Button
                  size="xs"
                  variant={stepDiff ? 'secondary' : 'ghost'}
                  onClick={() => setStepDiff(true)}
                  data-testid="workspace-step-show-diff"
                >
                  Change in step {viewStep.seq}
                </Button>
                <Button
                  size="xs"
                  variant={stepDiff ? 'ghost' : 'secondary'}
                  onClick={() => setStepDiff(false)}
                  data-testid="workspace-step-show-file"
                >
                  File at step {atSeq}
                </Button>
              </div>
            )}
            <div className="min-h-0 flex-1 overflow-auto">
              {selectedChange ? (
                <ChangeDiff change={selectedChange} agentName={agentName} />
              ) : viewStep && stepChanged && stepDiff ? (
                <StepFileDiff runId={runId} step={viewStep} path={path} />
              ) : (
                <FileViewer
                  runId={runId}
                  path={path}
                  commit={commit}
                  version={history.at(-1)?.finishedSeq ?? 0}
                  onDisk={files.data?.some((f) => f.path === path) ?? false}
                />
              )}
            </div>
          </>
        )}
      </div>
    </div>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function FileFacts({
  entry,
  changes,
}: {
  entry: { size: number | null; modifiedAt: string | null } | null;
  changes: number;
}) {
  const facts = [
    entry?.size != null ? formatBytes(entry.size) : null,
    entry?.modifiedAt ? `modified ${formatClock(entry.modifiedAt).slice(0, 8)}` : null,
    changes ? `${changes} change${changes === 1 ? '' : 's'} in the log` : 'not written by fs.write',
  ].filter(Boolean);
  return <span className="text-xs text-muted-foreground">{facts.join(' · ')}</span>;
}

interface TreeNode {
  name: string;
  path: string;
  entry: { path: string; size: number | null } | null;
  children: TreeNode[];
}

function buildTree(entries: ReadonlyArray<{ path: string; size: number | null }>): TreeNode[] {
  const root: TreeNode = { name: '', path: '', entry: null, children: [] };
  for (const entry of entries) {
    const parts = entry.path.split('/');
    let node = root;
    parts.forEach((part, i) => {
      const childPath = parts.slice(0, i + 1).join('/');
      const isFile = i === parts.length - 1;
      let child = node.children.find((c) => c.name === part && (c.entry !== null) === isFile);
      if (!child) {
        child = { name: part, path: childPath, entry: isFile ? entry : null, children: [] };
        node.children.push(child);
      }
      node = child;
    });
  }
  // Folders first, then files, each by name.
  const sort = (nodes: TreeNode[]) => {
    nodes.sort(
      (a, b) =>
        Number(a.entry !== null) - Number(b.entry !== null) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    nodes.forEach((n) => sort(n.children));
  };
  sort(root.children);
  return root.children;
}

function FileTree({
  entries,
  byPath,
  selected,
  onSelect,
}: {
  entries: ReadonlyArray<{ path: string; size: number | null }>;
  byPath: Map<string, FileChange[]>;
  selected: string | null;
  onSelect: (path: string) => void;
}) {
  const tree = useMemo(() => buildTree(entries), [entries]);
  const render = (nodes: TreeNode[], depth: number): ReactNode =>
    nodes.map((node) =>
      node.entry ? (
        <button
          key={`f:${node.path}`}
          type="button"
          onClick={() => onSelect(node.path)}
          data-testid="workspace-file"
          data-path={node.path}
          aria-current={selected === node.path ? 'true' : undefined}
          title={node.path}
          className={cn(
            'flex h-7 w-full items-center gap-1.5 pr-2 text-left text-[13px] hover:bg-muted/60',
            selected === node.path && 'bg-secondary font-medium text-foreground',
          )}
          style={{ paddingLeft: 10 + depth * 14 }}
        >
          {node.name.endsWith('.md') || node.name.endsWith('.txt') ? (
            <FileTextIcon className="size-3.5 shrink-0 text-muted-foreground" />
          ) : (
            <FileIcon className="size-3.5 shrink-0 text-muted-foreground" />
          )}
          <span className="min-w-0 flex-1 truncate">{node.name}</span>
          {(byPath.get(node.path)?.length ?? 0) > 0 && (
            <span
              className="shrink-0 rounded bg-muted px-1 text-[10.5px] text-muted-foreground tabular"
              title="changes in the log"
            >
              {byPath.get(node.path)!.length}
            </span>
          )}
        </button>
      ) : (
        <div key={`d:${node.path}`}>
          <div
            className="flex h-7 items-center gap-1.5 text-[13px] text-muted-foreground"
            style={{ paddingLeft: 10 + depth * 14 }}
          >
            {node.children.length ? (
              <FolderOpenIcon className="size-3.5 shrink-0" />
            ) : (
              <FolderIcon className="size-3.5 shrink-0" />
            )}
            <span className="truncate">{node.name}/</span>
          </div>
          {render(node.children, depth + 1)}
        </div>
      ),
    );
  return <div role="tree">{render(tree, 0)}</div>;
}

function ChangeHistory({
  history,
  agentName,
  selected,
  onSelect,
  onShowFile,
}: {
  history: readonly FileChange[];
  agentName: (agentId: string | null) => string;
  selected: number | null;
  onSelect: (seq: number) => void;
  onShowFile: () => void;
}) {
  return (
    <div className="max-h-44 shrink-0 overflow-y-auto border-b bg-muted/20 pb-1 text-xs">
      <div className="px-3 pt-1.5 pb-0.5 text-[10.5px] font-medium tracking-wide text-muted-foreground uppercase">
        History
      </div>
      <button
        type="button"
        onClick={onShowFile}
        className={cn(
          'flex h-7 w-full items-center gap-2 border-l-2 border-transparent px-3 text-left hover:bg-muted/60',
          selected === null && 'border-primary bg-secondary font-medium',
        )}
        data-testid="workspace-show-file"
      >
        <FileTextIcon className="size-3.5 text-muted-foreground" /> Current content
      </button>
      {history.length === 0 && (
        <div className="px-3 py-1 text-muted-foreground">No fs.write to this file in the log.</div>
      )}
      {history.map((change, i) => (
        <ChangeRow
          key={change.seq}
          change={change}
          index={i}
          name={change.agentName || agentName(change.agentId)}
          selected={selected === change.seq}
          onSelect={onSelect}
        />
      ))}
    </div>
  );
}

function ChangeRow({
  change,
  index,
  name,
  selected,
  onSelect,
}: {
  change: FileChange;
  index: number;
  name: string;
  selected: boolean;
  onSelect: (seq: number) => void;
}) {
  const stats = useMemo(
    () => diffStats(diffLines(change.before, change.after)),
    [change.before, change.after],
  );
  return (
    <button
      type="button"
      onClick={() => onSelect(change.seq)}
      data-testid="workspace-change"
      data-seq={change.seq}
      aria-current={selected ? 'true' : undefined}
      className={cn(
        'flex h-7 w-full items-center gap-2 border-l-2 border-transparent px-3 text-left hover:bg-muted/60',
        selected && 'border-primary bg-secondary',
      )}
    >
      <span className="w-14 shrink-0 text-muted-foreground tabular">seq {change.seq}</span>
      <span className="w-16 shrink-0 text-muted-foreground tabular" title={change.at}>
        {formatClock(change.at).slice(0, 8)}
      </span>
      <span className="min-w-0 flex-1 truncate">
        <span className="font-medium text-foreground">{name || 'unknown agent'}</span>{' '}
        <span className="text-muted-foreground">
          {index === 0 && change.before === '' ? 'created the file' : 'rewrote the file'}
        </span>
      </span>
      <span className="shrink-0 font-mono tabular">
        <span className="text-emerald-700 dark:text-emerald-400">+{stats.added}</span>{' '}
        <span className="text-red-700 dark:text-red-400">−{stats.removed}</span>
      </span>
    </button>
  );
}

function ChangeDiff({
  change,
  agentName,
}: {
  change: FileChange;
  agentName: (agentId: string | null) => string;
}) {
  const rows = useMemo(
    () => collapseContext(diffLines(change.before, change.after), 3),
    [change.before, change.after],
  );
  const shown = rows.slice(0, MAX_RENDERED_LINES);
  return (
    <div data-testid="workspace-diff" data-seq={change.seq}>
      <div className="sticky top-0 z-10 border-b bg-background/95 px-3 py-1.5 text-xs text-muted-foreground backdrop-blur">
        <span className="font-medium text-foreground">
          {change.agentName || agentName(change.agentId) || 'unknown agent'}
        </span>{' '}
        wrote <span className="font-mono">{change.path}</span> at seq {change.seq} (
        {formatClock(change.at).slice(0, 8)}) · fs.write call{' '}
        <span className="font-mono">{change.callId.slice(0, 12)}</span>
      </div>
      {rows.length === 0 ? (
        <p className="p-4 text-sm text-muted-foreground">An empty file was written.</p>
      ) : (
        <DiffTable rows={shown} />
      )}
      {rows.length > shown.length && (
        <p className="p-3 text-xs text-muted-foreground">
          {formatCount(rows.length - shown.length)} more rows not shown.
        </p>
      )}
    </div>
  );
}

function FileViewer({
  runId,
  path,
  commit,
  version,
  onDisk,
}: {
  runId: string;
  path: string;
  /** A step's commit to read the file from; null: the folder on disk. */
  commit: string | null;
  version: number;
  onDisk: boolean;
}) {
  const trpc = useTRPC();
  const fromDisk = useQuery({
    ...trpc.runs.workspaceFile.queryOptions(
      { runId, path },
      { refetchInterval: false, retry: false },
    ),
    enabled: commit === null,
  });
  const fromHistory = useQuery({
    ...trpc.runs.workspaceFileAt.queryOptions(
      { runId, commit: commit ?? EMPTY_WORKSPACE_TREE, path },
      { refetchInterval: false, retry: false, staleTime: Infinity },
    ),
    enabled: commit !== null,
  });
  const file = commit === null ? fromDisk : fromHistory;

  // A new write to this file landed: read it again.
  const { refetch } = fromDisk;
  const seen = useRef(version);
  useEffect(() => {
    if (version === seen.current) return;
    seen.current = version;
    if (commit === null) void refetch();
  }, [version, commit, refetch]);

  if (file.isPending) {
    return (
      <div
        className="flex items-center gap-2 p-4 text-sm text-muted-foreground"
        data-testid="workspace-viewer"
        data-state="loading"
      >
        <LoaderCircleIcon className="size-4 animate-spin" /> Loading {path}…
      </div>
    );
  }
  if (file.error) {
    const missing = file.error.data?.code === 'NOT_FOUND';
    return (
      <div
        className="p-4 text-sm text-muted-foreground"
        data-testid="workspace-viewer"
        data-state="error"
      >
        {missing
          ? onDisk
            ? 'This file is gone from the workspace.'
            : 'This file is not in the workspace (yet). Its changes are above.'
          : file.error.message}
      </div>
    );
  }
  const lines = file.data.content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const shown = lines.slice(0, MAX_RENDERED_LINES);
  return (
    <div
      data-testid="workspace-viewer"
      data-state="ready"
      data-path={path}
      data-commit={commit ?? ''}
    >
      {file.data.truncated && (
        <p className="border-b bg-status-paused-bg/50 px-3 py-1.5 text-xs">
          Showing the first {formatBytes(new TextEncoder().encode(file.data.content).length)} of{' '}
          {formatBytes(file.data.size)}.
        </p>
      )}
      {lines.length === 0 ? (
        <p className="p-4 text-sm text-muted-foreground">(empty file)</p>
      ) : (
        <table className="w-full border-collapse font-mono text-[12px] leading-5">
          <tbody>
            {shown.map((line, i) => (
              <tr key={i}>
                <td className="w-12 border-r border-border/50 px-2 text-right align-top text-muted-foreground select-none tabular">
                  {i + 1}
                </td>
                <td className="px-3 break-all whitespace-pre-wrap">{line || '\u00a0'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {lines.length > shown.length && (
        <p className="p-3 text-xs text-muted-foreground">
          {formatCount(lines.length - shown.length)} more lines not shown.
        </p>
      )}
    </div>
  );
}
