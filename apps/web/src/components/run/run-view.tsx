'use client';

import { IfCan } from '@/components/if-can';
import {
  formatUsd,
  isTerminalAgentStatus,
  MomentIndex,
  type ReplayIndex,
  type RunState,
  type RunStatus,
} from '@flightdeck/domain';
import { useQuery } from '@tanstack/react-query';
import { ChevronRightIcon, LoaderCircleIcon, TriangleAlertIcon } from 'lucide-react';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  formatCount,
  formatDateTime,
  formatDuration,
  formatRelative,
  formatTokens,
  shortId,
} from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { useNow } from '@/client/use-now';
import { type RunWindowView, useRunEvents } from '@/client/use-run-events';
import { isActiveRun, RunStatusBadge } from '@/components/status';
import { Button } from '@/components/ui/button';
import { Card, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { FileChangeTracker } from '@/components/workspace/changes';
import { WorkspaceStepTracker } from '@/components/workspace/steps';
import { WorkspaceView, type WorkspaceSelection } from '@/components/workspace/workspace-view';
import { cn } from '@/lib/utils';
import { AgentTree } from './agent-tree';
import { Conversation } from './conversation';
import { EventFeed } from './event-feed';
import { InterruptedCalls } from './interrupted-call';
import { KillRunDialog } from './kill-run-dialog';
import { PauseRunDialog, ResumeRunButton } from './pause-run-dialog';
import { ForkRunDialog } from './replay/fork-dialog';
import { RunLineage } from './replay/lineage';
import { RerunVerdict, RunRecordActions } from './replay/record-actions';
import { ReplayBar } from './replay/replay-bar';
import {
  ApprovalsWaitingBanner,
  BudgetStopBanner,
  NeedsDecisionBanner,
  RunPausedBanner,
} from './run-alerts';
import { RunBudget } from './run-budget';
import { AgentPolicy } from './agent-policy';
import { BreakerAlert } from './breakers/breaker-alert';
import { BreakersPanel } from './breakers/breakers-panel';
import { RunApprovals } from './run-approvals';
import { SteerBox } from './steer-box';
import { TraceWaterfall } from './waterfall/trace-waterfall';

type MiddleTab = 'log' | 'trace' | 'workspace' | 'approvals' | 'policy' | 'breakers' | 'budget';

const parseTab = (value: string | null): MiddleTab =>
  value === 'trace' ||
  value === 'workspace' ||
  value === 'approvals' ||
  value === 'policy' ||
  value === 'breakers' ||
  value === 'budget'
    ? value
    : 'log';
const parseSeq = (value: string | null): number | null =>
  value && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : null;
/** `?at=` may name step 0 (before anything happened). */
const parseAt = (value: string | null): number | null =>
  value && /^(0|[1-9][0-9]{0,15})$/.test(value) ? Number(value) : null;

/** The state at a step, timed as a User Timing measure (`flightdeck:replay-state`) the replay benchmark reads. */
function stateAt(index: ReplayIndex, seq: number): RunState {
  const start = performance.now();
  const state = index.stateAt(seq);
  performance.measure(REPLAY_STATE_MEASURE, { start, end: performance.now(), detail: { seq } });
  if (performance.getEntriesByName(REPLAY_STATE_MEASURE).length > 1000)
    performance.clearMeasures(REPLAY_STATE_MEASURE);
  return state;
}
const REPLAY_STATE_MEASURE = 'flightdeck:replay-state';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function RunView({ runId }: { runId: string }) {
  if (!UUID.test(runId)) return <RunMissing message="That is not a run id." />;
  // Keyed: another run (a fork just opened) starts with fresh state, not this one's replay position.
  return <LiveRun key={runId} runId={runId} />;
}

function LiveRun({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const summary = useQuery(trpc.runs.get.queryOptions({ runId }, { refetchInterval: false }));
  const searchParams = useSearchParams();
  /** Replay: the step shown (`?at=<seq>`); null: live. Everything below shows the run as it was then. */
  const [replayAt, setReplayAt] = useState<number | null>(() => parseAt(searchParams.get('at')));
  // Opened live, a long run shows its state and newest events; a replay needs its whole log.
  const live = useRunEvents(runId, { windowed: replayAt === null });
  /** A long run not read whole (live view): its state and newest events, until the log is needed. */
  const runWindow = replayAt === null ? live.window : null;
  /** How much of the log the page shows: the step replayed, or all of it. */
  const logCount = replayAt === null ? live.count : Math.min(replayAt, live.count);
  const count = runWindow ? runWindow.seq : logCount;
  const events = live.events;
  const state = runWindow
    ? runWindow.state
    : replayAt === null
      ? live.state
      : stateAt(live.index, logCount);
  const replaying = replayAt !== null;
  const [moments] = useState(() => new MomentIndex());
  moments.extend(live.events, live.count);
  const [selected, setSelected] = useState<string | null>(null);
  const [feedAgent, setFeedAgent] = useState<string | null>(null);
  /**
   * The middle column: the event log, the trace waterfall or the workspace (those two take the
   * conversation's column too on wide screens). Kept in the URL: `?tab=workspace&change=<seq>`.
   */
  const [middle, setMiddle] = useState<MiddleTab>(() => parseTab(searchParams.get('tab')));
  // The trace, the workspace history, the budget's history and policy decisions come from the log.
  const tabNeedsLog = middle !== 'log' && middle !== 'approvals' && middle !== 'breakers';
  const windowed = live.window !== null;
  const { readLog } = live;
  useEffect(() => {
    if (windowed && tabNeedsLog) readLog();
  }, [windowed, tabNeedsLog, readLog]);
  const [workspace, setWorkspace] = useState<WorkspaceSelection>(() => ({
    file: searchParams.get('file'),
    change: parseSeq(searchParams.get('change')),
    step: parseSeq(searchParams.get('step')),
  }));
  useEffect(() => {
    const url = new URL(window.location.href);
    const set = (key: string, value: string | null) =>
      value === null ? url.searchParams.delete(key) : url.searchParams.set(key, value);
    set('at', replayAt === null ? null : String(replayAt));
    set('tab', middle === 'log' ? null : middle);
    set('file', middle === 'workspace' && workspace.change === null ? workspace.file : null);
    set(
      'change',
      middle === 'workspace' && workspace.change !== null ? String(workspace.change) : null,
    );
    set('step', middle === 'workspace' && workspace.step != null ? String(workspace.step) : null);
    if (url.href !== window.location.href)
      window.history.replaceState(window.history.state, '', url);
  }, [middle, workspace, replayAt]);
  // The files each agent wrote, from the log (read incrementally as it grows).
  const [changeTracker] = useState(() => new FileChangeTracker());
  const changes = useMemo(
    () => changeTracker.advance(events, logCount),
    [changeTracker, events, logCount],
  );
  const [stepTracker] = useState(() => new WorkspaceStepTracker());
  const steps = useMemo(
    () => stepTracker.advance(events, logCount),
    [stepTracker, events, logCount],
  );
  const changeSeqs = useMemo(() => new Set(changes.map((c) => c.seq)), [changes]);
  const showChange = useCallback((seq: number) => {
    setWorkspace({ file: null, change: seq, step: null });
    setMiddle('workspace');
  }, []);
  /** "Steer…" on an agent: select it and focus the steer box (a new token each time). */
  const [steerRequest, setSteerRequest] = useState<{ agentId: string; token: number } | null>(null);
  const clock = useNow(1000);
  // A replay's "now" is the time of the step shown.
  const shownAt = replaying && count > 0 ? events[count - 1]?.at : undefined;
  const now = shownAt ? Date.parse(shownAt) : clock;

  if (live.error === 'This run does not exist.' || summary.error?.data?.code === 'NOT_FOUND') {
    return <RunMissing message="No run with this id." />;
  }

  // The live state is the truth once events arrived; the summary fills in before that.
  const status: RunStatus = state.runId ? state.status : (summary.data?.status ?? 'pending');
  const teamName = state.teamName ?? summary.data?.teamName ?? '';
  const goal = state.goal || summary.data?.goal || '';
  const startedAt = state.startedAt ?? summary.data?.createdAt ?? null;
  // Only an ended run has an end: a summary row may carry a time for a pause.
  const endedAt =
    state.endedAt ??
    (!replaying && summary.data && !isActiveRun(summary.data.status) ? summary.data.endedAt : null);
  const duration =
    startedAt && now ? (endedAt ? Date.parse(endedAt) : now) - Date.parse(startedAt) : NaN;
  const selectedId = selected ?? state.leadAgentId;
  const selectedAgent = selectedId ? (state.agents[selectedId] ?? null) : null;
  const activeAgents = Object.values(state.agents).filter(
    (a) => !isTerminalAgentStatus(a.status),
  ).length;
  const eventAt = (seq: number) =>
    events[seq - 1] ?? runWindow?.tail.find((event) => event.seq === seq);
  const pausedAt = state.pause ? (eventAt(state.pause.seq)?.at ?? null) : null;

  const agentName = (agentId: string | null) =>
    agentId ? (state.agents[agentId]?.name ?? '') : '';

  const select = (id: string) => {
    setSelected(id);
    setSteerRequest(null);
    setFeedAgent((current) => (current ? id : current));
  };
  const steer = (id: string) => {
    select(id);
    setSteerRequest((current) => ({ agentId: id, token: (current?.token ?? 0) + 1 }));
  };

  return (
    <div
      className="flex h-full min-h-[720px] flex-col gap-4 p-6"
      data-testid="run-page"
      data-run-id={runId}
      data-source={runWindow ? 'window' : 'log'}
    >
      <header className="flex flex-col gap-3">
        <nav
          className="flex items-center gap-1 text-xs text-muted-foreground"
          aria-label="Breadcrumb"
        >
          <Link href="/" className="hover:text-foreground">
            Fleet
          </Link>
          <ChevronRightIcon className="size-3" />
          <span>{teamName || '…'}</span>
          <ChevronRightIcon className="size-3" />
          <span className="font-mono">{shortId(runId)}</span>
        </nav>
        <div className="flex flex-wrap items-start gap-x-6 gap-y-3">
          <div className="min-w-0 flex-1">
            <div className="flex items-center gap-2.5">
              <RunStatusBadge status={status} data-testid="run-status" />
              <span className="text-sm text-muted-foreground">{teamName}</span>
              {state.manifestVersion && (
                <span className="rounded border px-1.5 font-mono text-[11px] text-muted-foreground">
                  v{state.manifestVersion}
                </span>
              )}
              {live.syncing && (
                <span
                  className="inline-flex items-center gap-1 text-xs text-muted-foreground"
                  data-testid="run-syncing"
                >
                  <LoaderCircleIcon className="size-3 animate-spin" /> catching up
                </span>
              )}
            </div>
            {goal ? (
              <h1
                className="mt-1.5 line-clamp-2 text-lg leading-snug font-semibold tracking-tight"
                title={goal}
                data-testid="run-goal"
              >
                {goal}
              </h1>
            ) : (
              <Skeleton className="mt-1.5 h-6 w-96 max-w-full" />
            )}
            <div className="mt-1 text-xs text-muted-foreground">
              {startedAt && now ? (
                <>
                  Started {formatRelative(startedAt, now)} ({formatDateTime(startedAt)})
                  {endedAt ? ` · ended ${formatRelative(endedAt, now)}` : ''}
                  {state.killedBy ? ` · killed by ${state.killedBy}` : ''}
                </>
              ) : (
                '\u00a0'
              )}
            </div>
          </div>
          <IfCan permission="runs.control">
            <div
              className={cn('flex items-center gap-2', replaying && 'hidden')}
              data-testid="run-controls"
            >
              {status === 'paused' ? (
                <ResumeRunButton runId={runId} />
              ) : (
                <PauseRunDialog
                  runId={runId}
                  disabled={status !== 'running'}
                  activeAgents={activeAgents}
                />
              )}
              <KillRunDialog
                runId={runId}
                disabled={!isActiveRun(status)}
                activeAgents={activeAgents}
              />
            </div>
          </IfCan>
        </div>
        <RunLineage runId={runId} summary={summary.data} />
        <div className="flex flex-wrap items-start gap-2">
          <div className="min-w-0 flex-1">
            {runWindow ? (
              <LogLoading window={runWindow} read={live.count} onRead={readLog} />
            ) : (
              <ReplayBar
                at={replayAt === null ? null : count}
                total={live.count}
                events={events}
                moments={moments}
                onChange={setReplayAt}
              />
            )}
          </div>
          {live.loaded && (
            <div className="flex flex-wrap items-center gap-2">
              {!replaying && (
                <RunRecordActions runId={runId} ended={!isActiveRun(live.state.status)} />
              )}
              <IfCan permission="runs.control">
                <ForkRunDialog runId={runId} atSeq={count} state={state} />
              </IfCan>
            </div>
          )}
        </div>
        {summary.data?.origin === 'rerun' && summary.data.originRunId && (
          <RerunVerdict runId={runId} originRunId={summary.data.originRunId} />
        )}
        <Stats state={state} durationMs={duration} running={isActiveRun(status)} />
        <BreakerAlert
          runId={runId}
          state={state}
          now={now}
          onDetails={() => setMiddle('breakers')}
        />
        <BudgetStopBanner state={state} onRaise={() => setMiddle('budget')} />
        <RunPausedBanner state={state} pausedAt={pausedAt} now={now} />
        <NeedsDecisionBanner state={state} onReview={select} />
        <ApprovalsWaitingBanner state={state} onReview={() => setMiddle('approvals')} />
        <Outcome state={state} />
        {live.error && live.error !== 'This run does not exist.' && (
          <div
            role="alert"
            className="flex items-center gap-2 rounded-md border border-status-failed/40 bg-status-failed-bg/50 px-3 py-2 text-sm text-status-failed"
          >
            <TriangleAlertIcon className="size-4" /> {live.error}
          </div>
        )}
      </header>

      <div className="grid min-h-0 flex-1 grid-cols-1 gap-4 lg:grid-cols-[300px_minmax(0,1fr)] 2xl:grid-cols-[300px_minmax(0,1fr)_380px]">
        <Card className="min-h-[320px] overflow-hidden">
          <CardHeader>
            <CardTitle>Agents</CardTitle>
            <span className="text-xs text-muted-foreground tabular">
              {activeAgents} active · {state.agentOrder.length} total
            </span>
          </CardHeader>
          <div className="min-h-0 flex-1 overflow-y-auto">
            {!live.loaded && !runWindow ? (
              <TreeSkeleton />
            ) : (
              <AgentTree
                runId={runId}
                state={state}
                selected={selectedId}
                onSelect={select}
                onSteer={steer}
                readOnly={replaying}
              />
            )}
          </div>
          {selectedAgent && (
            <div className="border-t px-3 py-2 text-xs">
              <button
                className="text-primary hover:underline"
                onClick={() =>
                  setFeedAgent((current) =>
                    current === selectedAgent.id ? null : selectedAgent.id,
                  )
                }
                data-testid="feed-agent-toggle"
              >
                {feedAgent === selectedAgent.id
                  ? 'Show all agents in the feed'
                  : `Show only ${selectedAgent.name} in the feed`}
              </button>
            </div>
          )}
        </Card>

        <Card className={cn('min-h-[420px] overflow-hidden', middle !== 'log' && '2xl:col-span-2')}>
          <CardHeader className="py-2">
            <ViewTabs value={middle} onChange={setMiddle} />
            <span className="text-xs text-muted-foreground" data-testid="run-seq">
              seq {formatCount(count)}
              {replaying && count < live.count ? ` of ${formatCount(live.count)}` : ''}
            </span>
          </CardHeader>
          <div className="min-h-0 flex-1">
            {middle === 'log' ? (
              <EventFeed
                events={runWindow ? runWindow.tail : events}
                count={runWindow ? runWindow.tail.length : count}
                state={state}
                agentFilter={feedAgent}
                onClearAgentFilter={() => setFeedAgent(null)}
                changeSeqs={changeSeqs}
                onShowChange={showChange}
              />
            ) : runWindow && tabNeedsLog ? (
              <LogLoading window={runWindow} read={live.count} onRead={readLog} />
            ) : middle === 'trace' ? (
              <TraceWaterfall events={events} count={count} />
            ) : middle === 'approvals' ? (
              <RunApprovals runId={runId} />
            ) : middle === 'breakers' ? (
              <BreakersPanel runId={runId} state={state} now={now} />
            ) : middle === 'budget' ? (
              <RunBudget runId={runId} state={state} events={live.events} count={live.count} />
            ) : middle === 'policy' ? (
              <AgentPolicy runId={runId} agent={selectedAgent} events={events} count={count} />
            ) : (
              <WorkspaceView
                runId={runId}
                changes={changes}
                agentName={agentName}
                selection={workspace}
                onSelect={setWorkspace}
                steps={steps}
                replayAt={replaying ? count : null}
                restoreBlocked={
                  live.state.status === 'running'
                    ? 'Pause the run first: agents may be writing to the workspace.'
                    : live.state.status === 'pending'
                      ? 'The run has not started.'
                      : null
                }
              />
            )}
          </div>
        </Card>

        <Card
          className={cn(
            'min-h-[420px] overflow-hidden lg:col-span-2 2xl:col-span-1',
            middle !== 'log' && '2xl:hidden',
          )}
        >
          <CardHeader>
            <CardTitle>Conversation</CardTitle>
            <span className="text-xs text-muted-foreground">
              {selectedAgent
                ? `${formatCount(selectedAgent.messages.length)} message${selectedAgent.messages.length === 1 ? '' : 's'}`
                : ''}
            </span>
          </CardHeader>
          <div className="min-h-0 flex-1">
            <Conversation
              agent={selectedAgent}
              run={state}
              footer={
                selectedAgent &&
                !replaying && (
                  <IfCan permission="runs.control">
                    <InterruptedCalls runId={runId} agent={selectedAgent} />
                    <SteerBox
                      key={selectedAgent.id}
                      runId={runId}
                      state={state}
                      agent={selectedAgent}
                      focusKey={steerRequest?.agentId === selectedAgent.id ? steerRequest.token : 0}
                    />
                  </IfCan>
                )
              }
            />
          </div>
        </Card>
      </div>
    </div>
  );
}

/**
 * A long run shown on its state and newest events: replay, the trace and the
 * workspace history need its whole log, read when asked for (with progress).
 */
function LogLoading({
  window,
  read,
  onRead,
}: {
  window: RunWindowView;
  read: number;
  onRead: () => void;
}) {
  if (!window.reading)
    return (
      <div className="flex flex-wrap items-center gap-2 px-3 py-2 text-xs text-muted-foreground">
        <span>
          A long run: showing its state now and its newest {formatCount(window.tail.length)} events.
        </span>
        <Button size="xs" variant="outline" onClick={onRead} data-testid="run-read-log">
          Read all {formatCount(window.seq)} events to replay
        </Button>
      </div>
    );
  return (
    <div
      className="flex items-center gap-2 px-3 py-2 text-xs text-muted-foreground"
      role="status"
      data-testid="run-log-loading"
    >
      <LoaderCircleIcon className="size-3 animate-spin" />
      Reading the log for replay, the trace and the workspace history: {formatCount(read)} of{' '}
      {formatCount(window.seq)} events
    </div>
  );
}

function ViewTabs({ value, onChange }: { value: MiddleTab; onChange: (v: MiddleTab) => void }) {
  const tabs = [
    { value: 'log', label: 'Event log', testId: 'run-view-log' },
    { value: 'trace', label: 'Trace', testId: 'run-view-trace' },
    { value: 'workspace', label: 'Workspace', testId: 'tab-workspace' },
    { value: 'approvals', label: 'Approvals', testId: 'tab-approvals' },
    { value: 'policy', label: 'Policy', testId: 'tab-policy' },
    { value: 'breakers', label: 'Breakers', testId: 'tab-breakers' },
    { value: 'budget', label: 'Budget', testId: 'tab-budget' },
  ] as const;
  return (
    <div role="tablist" aria-label="Run view" className="inline-flex rounded-md bg-muted p-0.5">
      {tabs.map((tab) => (
        <button
          key={tab.value}
          role="tab"
          type="button"
          aria-selected={value === tab.value}
          className={cn(
            'rounded px-2.5 py-1 text-[13px] leading-none font-medium text-muted-foreground transition-colors hover:text-foreground',
            value === tab.value && 'bg-background text-foreground shadow-xs',
          )}
          onClick={() => onChange(tab.value)}
          data-testid={tab.testId}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

function Stats({
  state,
  durationMs,
  running,
}: {
  state: RunState;
  durationMs: number;
  running: boolean;
}) {
  const t = state.totals;
  const items: Array<{ label: string; value: string; testId: string; title?: string }> = [
    { label: 'Duration', value: formatDuration(durationMs), testId: 'stat-duration' },
    { label: 'Cost', value: formatUsd(t.costMicroUsd), testId: 'stat-cost' },
    {
      label: 'Tokens in',
      value: formatTokens(t.inputTokens),
      testId: 'stat-tokens-in',
      title: t.inputTokens.toLocaleString('en-US'),
    },
    {
      label: 'Tokens out',
      value: formatTokens(t.outputTokens),
      testId: 'stat-tokens-out',
      title: t.outputTokens.toLocaleString('en-US'),
    },
    { label: 'Turns', value: formatCount(t.turns), testId: 'stat-turns' },
    { label: 'LLM calls', value: formatCount(t.llmCalls), testId: 'stat-llm-calls' },
    { label: 'Tool calls', value: formatCount(t.toolCalls), testId: 'stat-tool-calls' },
    { label: 'Agents', value: formatCount(state.agentOrder.length), testId: 'stat-agents' },
  ];
  return (
    <Card
      className="grid grid-cols-4 divide-x divide-y overflow-hidden md:grid-cols-8 md:divide-y-0"
      data-testid="run-stats"
    >
      {items.map((item) => (
        <div key={item.label} className="px-4 py-2.5" data-testid={item.testId} title={item.title}>
          <div className="text-[11px] font-medium text-muted-foreground">{item.label}</div>
          <div
            className={cn(
              'text-base font-semibold tabular',
              item.label === 'Duration' && running && 'text-status-running',
            )}
          >
            {item.value}
          </div>
        </div>
      ))}
    </Card>
  );
}

function Outcome({ state }: { state: RunState }) {
  if (state.status === 'completed' && state.result) {
    return (
      <div
        data-testid="run-outcome"
        className="flex gap-2 rounded-md border border-status-completed/30 bg-status-completed-bg/50 px-3 py-2 text-sm"
      >
        <span className="shrink-0 font-medium text-status-completed">Result</span>
        <span className="line-clamp-3 min-w-0 whitespace-pre-wrap">{state.result}</span>
      </div>
    );
  }
  if (state.status === 'failed') {
    return (
      <div
        data-testid="run-outcome"
        className="rounded-md border border-status-failed/30 bg-status-failed-bg/50 px-3 py-2 text-sm text-status-failed"
      >
        <span className="mr-2 font-medium">Failed</span>
        {state.error}
      </div>
    );
  }
  if (state.status === 'killed') {
    return (
      <div
        data-testid="run-outcome"
        className="rounded-md border border-status-killed/30 bg-status-killed-bg/50 px-3 py-2 text-sm"
      >
        <span className="mr-2 font-medium text-status-killed">
          Killed by {state.killedBy ?? 'an operator'}
        </span>
        {state.killReason}
      </div>
    );
  }
  return null;
}

function TreeSkeleton() {
  return (
    <div className="grid gap-2 p-3">
      {Array.from({ length: 4 }, (_, i) => (
        <Skeleton key={i} className="h-14" style={{ marginLeft: i * 12 }} />
      ))}
    </div>
  );
}

function RunMissing({ message }: { message: string }) {
  return (
    <div
      className="flex h-full flex-col items-center justify-center gap-2 p-10 text-center"
      data-testid="run-missing"
    >
      <h1 className="text-lg font-semibold">{message}</h1>
      <Link href="/" className="text-sm text-primary hover:underline">
        Back to the fleet
      </Link>
    </div>
  );
}
