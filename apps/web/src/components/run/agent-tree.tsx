'use client';

import { type AgentState, formatUsd, type RunState } from '@flightdeck/domain';
import { formatTokens } from '@/client/format';
import { AgentStatusDot } from '@/components/status';
import { cn } from '@/lib/utils';

interface AgentTreeProps {
  state: RunState;
  selected: string | null;
  onSelect: (agentId: string) => void;
}

/** The team as it unfolds: the lead, the subagents it delegated to, theirs, and what each is doing. */
export function AgentTree({ state, selected, onSelect }: AgentTreeProps) {
  const roots = state.agentOrder.filter((id) => !state.agents[id]?.parentId);
  if (roots.length === 0) {
    return <div className="p-6 text-center text-sm text-muted-foreground">No agents yet.</div>;
  }
  return (
    <ul className="flex flex-col py-1" role="tree" aria-label="Agents" data-testid="agent-tree">
      {roots.map((id) => (
        <AgentBranch key={id} id={id} state={state} selected={selected} onSelect={onSelect} depth={0} />
      ))}
    </ul>
  );
}

function AgentBranch({
  id,
  state,
  selected,
  onSelect,
  depth,
}: AgentTreeProps & { id: string; depth: number }) {
  const agent = state.agents[id];
  if (!agent) return null;
  return (
    <li role="treeitem" aria-selected={selected === id} aria-expanded={agent.children.length > 0 || undefined}>
      <AgentNode agent={agent} depth={depth} selected={selected === id} onSelect={onSelect} />
      {agent.children.length > 0 && (
        <ul role="group" className="relative">
          {agent.children.map((child) => (
            <AgentBranch key={child} id={child} state={state} selected={selected} onSelect={onSelect} depth={depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}

function AgentNode({
  agent,
  depth,
  selected,
  onSelect,
}: {
  agent: AgentState;
  depth: number;
  selected: boolean;
  onSelect: (agentId: string) => void;
}) {
  const tokens = agent.totals.inputTokens + agent.totals.outputTokens;
  return (
    <button
      type="button"
      data-testid="agent-node"
      data-agent-id={agent.id}
      data-agent-name={agent.name}
      data-agent-status={agent.status}
      onClick={() => onSelect(agent.id)}
      className={cn(
        'group relative flex w-full flex-col gap-0.5 border-l-2 py-2 pr-3 text-left transition-colors',
        selected ? 'border-l-primary bg-primary/[0.06]' : 'border-l-transparent hover:bg-muted/60',
      )}
      style={{ paddingLeft: 12 + depth * 18 }}
    >
      {depth > 0 && (
        <span aria-hidden className="absolute top-0 bottom-0 border-l border-dashed border-border" style={{ left: 4 + depth * 18 - 8 }} />
      )}
      <div className="flex items-center gap-2">
        <AgentStatusDot status={agent.status} />
        <span className="shrink-0 text-sm font-medium">{agent.name}</span>
        <span className="min-w-0 truncate text-xs text-muted-foreground">{agent.role}</span>
        <span className="ml-auto shrink-0 text-xs font-medium tabular">{formatUsd(agent.totals.costMicroUsd)}</span>
      </div>
      <div className="flex items-center gap-2 pl-4">
        <span className="truncate text-xs text-muted-foreground" data-testid="agent-activity">
          {agent.activity}
        </span>
        <span className="ml-auto shrink-0 text-[11px] text-muted-foreground tabular">{formatTokens(tokens)} tok</span>
      </div>
      <div className="flex items-center gap-1.5 pl-4">
        <span className="rounded bg-muted px-1 py-px font-mono text-[10.5px] text-muted-foreground">{agent.model.name}</span>
        <span className="text-[11px] text-muted-foreground tabular">
          {agent.turnsTaken} turn{agent.turnsTaken === 1 ? '' : 's'} · {agent.totals.toolCalls} tool call{agent.totals.toolCalls === 1 ? '' : 's'}
        </span>
      </div>
    </button>
  );
}
