'use client';

import { IfCan } from '@/components/if-can';
import { type AgentState, formatUsd, type RunState } from '@flightdeck/domain';
import { MessageSquareIcon } from 'lucide-react';
import { formatTokens } from '@/client/format';
import { type AgentPhase, agentPhase, AgentStatusDot, AgentStatusLabel } from '@/components/status';
import { cn } from '@/lib/utils';
import { AgentActions } from './agent-actions';

interface AgentTreeProps {
  runId: string;
  state: RunState;
  selected: string | null;
  onSelect: (agentId: string) => void;
  /** Open the steer box for an agent. */
  onSteer: (agentId: string) => void;
  /** A replay: the past cannot be acted on. */
  readOnly?: boolean;
}

/** The team as it unfolds: the lead, the subagents it delegated to, theirs, and what each is doing. */
export function AgentTree(props: AgentTreeProps) {
  const { state } = props;
  const roots = state.agentOrder.filter((id) => !state.agents[id]?.parentId);
  if (roots.length === 0) {
    return <div className="p-6 text-center text-sm text-muted-foreground">No agents yet.</div>;
  }
  return (
    <ul className="flex flex-col py-1" role="tree" aria-label="Agents" data-testid="agent-tree">
      {roots.map((id) => (
        <AgentBranch key={id} {...props} id={id} depth={0} />
      ))}
    </ul>
  );
}

function AgentBranch(props: AgentTreeProps & { id: string; depth: number }) {
  const { id, state, selected, depth } = props;
  const agent = state.agents[id];
  if (!agent) return null;
  return (
    <li
      role="treeitem"
      aria-selected={selected === id}
      aria-expanded={agent.children.length > 0 || undefined}
    >
      <AgentNode {...props} agent={agent} />
      {agent.children.length > 0 && (
        <ul role="group" className="relative">
          {agent.children.map((child) => (
            <AgentBranch key={child} {...props} id={child} depth={depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** Phases worth a word in the tree, not only a coloured dot. */
const LABELLED: ReadonlySet<AgentPhase> = new Set([
  'paused',
  'pausing',
  'blocked',
  'killed',
  'failed',
]);

function activityOf(agent: AgentState, phase: AgentPhase): string {
  if (phase === 'paused' || phase === 'pausing') {
    // The agent's own pause says who and why; the run's is in the banner above.
    if (agent.pause)
      return `paused by ${agent.pause.by.id}${agent.pause.reason ? `: ${agent.pause.reason}` : ''}`;
    const doing = agent.activity === 'queued' ? 'next turn not started' : agent.activity;
    return phase === 'pausing'
      ? `finishing its turn (${doing}), then paused`
      : `paused with the run · ${doing}`;
  }
  if ((phase === 'killed' || phase === 'failed') && agent.error) return agent.error;
  // The reducer keeps "paused" as the activity of a resumed agent until its next step.
  return agent.activity === 'paused' ? 'resumed' : agent.activity;
}

function AgentNode({
  runId,
  state,
  agent,
  depth,
  selected,
  onSelect,
  onSteer,
  readOnly,
}: AgentTreeProps & { agent: AgentState; depth: number }) {
  const tokens = agent.totals.inputTokens + agent.totals.outputTokens;
  const phase = agentPhase(agent, state);
  const isSelected = selected === agent.id;
  const steers = agent.pendingSteers.length;
  return (
    <div className="group relative">
      <button
        type="button"
        data-testid="agent-node"
        data-agent-id={agent.id}
        data-agent-name={agent.name}
        data-agent-status={agent.status}
        data-agent-phase={phase}
        onClick={() => onSelect(agent.id)}
        className={cn(
          'relative flex w-full flex-col gap-0.5 border-l-2 py-2 pr-3 text-left transition-colors',
          isSelected
            ? 'border-l-primary bg-primary/[0.06]'
            : 'border-l-transparent hover:bg-muted/60',
          phase === 'blocked' && !isSelected && 'bg-status-failed-bg/40',
        )}
        style={{ paddingLeft: 12 + depth * 18 }}
      >
        {depth > 0 && (
          <span
            aria-hidden
            className="absolute top-0 bottom-0 border-l border-dashed border-border"
            style={{ left: 4 + depth * 18 - 8 }}
          />
        )}
        <div className="flex items-center gap-2 pr-7">
          <AgentStatusDot status={phase} />
          <span className="shrink-0 text-sm font-medium">{agent.name}</span>
          {LABELLED.has(phase) ? (
            <AgentStatusLabel status={phase} className="shrink-0" data-testid="agent-phase" />
          ) : (
            <span className="min-w-0 truncate text-xs text-muted-foreground">{agent.role}</span>
          )}
          <span className="ml-auto shrink-0 text-xs font-medium tabular">
            {formatUsd(agent.totals.costMicroUsd)}
          </span>
        </div>
        <div className="flex items-center gap-2 pl-4">
          <span
            className={cn(
              'truncate text-xs',
              phase === 'blocked' ? 'font-medium text-status-failed' : 'text-muted-foreground',
            )}
            data-testid="agent-activity"
          >
            {activityOf(agent, phase)}
          </span>
          <span className="ml-auto shrink-0 text-[11px] text-muted-foreground tabular">
            {formatTokens(tokens)} tok
          </span>
        </div>
        <div className="flex min-w-0 items-center gap-1.5 pl-4">
          <span className="min-w-0 truncate rounded bg-muted px-1 py-px font-mono text-[10.5px] text-muted-foreground">
            {agent.model.name}
          </span>
          <span className="shrink-0 text-[11px] whitespace-nowrap text-muted-foreground tabular">
            {agent.turnsTaken} turn{agent.turnsTaken === 1 ? '' : 's'} · {agent.totals.toolCalls}{' '}
            tool call{agent.totals.toolCalls === 1 ? '' : 's'}
          </span>
          {steers > 0 && (
            <span
              className="ml-auto inline-flex shrink-0 items-center gap-1 rounded bg-primary/10 px-1 py-px text-[10.5px] font-medium whitespace-nowrap text-primary"
              title="Operator messages waiting for this agent's next turn"
              data-testid="agent-pending-steers"
            >
              <MessageSquareIcon className="size-3" /> {steers} queued
            </span>
          )}
        </div>
      </button>
      {!readOnly && (
        <div className="absolute top-1.5 right-1.5">
          <IfCan permission="runs.control">
            <AgentActions runId={runId} state={state} agent={agent} onSteer={onSteer} />
          </IfCan>
        </div>
      )}
    </div>
  );
}
