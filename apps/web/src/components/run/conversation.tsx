'use client';

import {
  type AgentState,
  formatUsd,
  isTerminalAgentStatus,
  type Message,
  type RunState,
} from '@flightdeck/domain';
import {
  BotIcon,
  CircleCheckIcon,
  CircleXIcon,
  ClockIcon,
  MegaphoneIcon,
  UserIcon,
  WrenchIcon,
} from 'lucide-react';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { formatTokens } from '@/client/format';
import { agentPhase, AgentStatusLabel } from '@/components/status';
import { cn } from '@/lib/utils';
import { steerOf } from './steer-message';

const PAGE = 150;

/**
 * What one agent was told, said, asked for, and got back; the operator
 * messages still waiting for its next turn; and, below, whatever the run view
 * puts in the footer (a decision to take, the steer box).
 */
export function Conversation({
  agent,
  run,
  footer,
}: {
  agent: AgentState | null;
  run: RunState;
  footer?: ReactNode;
}) {
  const [shown, setShown] = useState(PAGE);
  const scrollRef = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const count = agent?.messages.length ?? 0;
  const queued = agent?.pendingSteers.length ?? 0;

  useEffect(() => {
    setShown(PAGE);
    pinned.current = true;
  }, [agent?.id]);
  // Stay at the newest message unless the reader scrolled up.
  useEffect(() => {
    const el = scrollRef.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [count, queued, agent?.id, agent?.result, agent?.error]);

  if (!agent)
    return (
      <div className="p-6 text-center text-sm text-muted-foreground">
        Select an agent to read its conversation.
      </div>
    );

  const messages = agent.messages.slice(Math.max(0, count - shown));
  return (
    <div
      className="flex h-full min-h-0 flex-col"
      data-testid="conversation"
      data-agent-id={agent.id}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b px-4 py-2.5">
        <div className="min-w-0">
          <div className="flex items-center gap-2">
            <span className="truncate text-sm font-semibold">{agent.name}</span>
            <AgentStatusLabel status={agentPhase(agent, run)} data-testid="conversation-status" />
          </div>
          <div className="truncate text-xs text-muted-foreground">
            {agent.role} ·{' '}
            <span className="font-mono">
              {agent.model.provider}/{agent.model.name}
            </span>
          </div>
        </div>
        <div className="ml-auto text-right text-xs text-muted-foreground tabular">
          <div className="font-medium text-foreground">{formatUsd(agent.totals.costMicroUsd)}</div>
          <div>
            {formatTokens(agent.totals.inputTokens)} in · {formatTokens(agent.totals.outputTokens)}{' '}
            out
          </div>
        </div>
      </div>
      <div
        ref={scrollRef}
        className="min-h-0 flex-1 overflow-y-auto px-4 py-3"
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {count > shown && (
          <button
            className="mb-3 w-full text-center text-xs text-primary hover:underline"
            onClick={() => setShown((n) => n + PAGE)}
          >
            Show {Math.min(PAGE, count - shown)} earlier messages
          </button>
        )}
        <ol className="flex flex-col gap-3">
          {messages.map((m) => (
            <MessageItem
              key={`${m.seq}:${m.role}:${m.role === 'tool' ? m.callId : ''}`}
              message={m}
              agent={agent}
            />
          ))}
          {agent.pendingSteers.map((m) => (
            <PendingSteer key={`pending:${m.seq}`} message={m} agent={agent} />
          ))}
        </ol>
        {agent.result && (
          <div className="mt-3 rounded-md border border-status-completed/30 bg-status-completed-bg/60 p-3 text-sm">
            <div className="mb-1 text-xs font-medium text-status-completed">Result</div>
            <div className="whitespace-pre-wrap">{agent.result}</div>
          </div>
        )}
        {agent.error && (
          <div className="mt-3 rounded-md border border-status-failed/30 bg-status-failed-bg/60 p-3 text-sm text-status-failed">
            {agent.error}
          </div>
        )}
      </div>
      {footer}
    </div>
  );
}

function PendingSteer({ message, agent }: { message: Message; agent: AgentState }) {
  const steer = steerOf(message, agent);
  const ended = isTerminalAgentStatus(agent.status);
  return (
    <li data-testid="pending-steer" data-seq={message.seq} className="flex gap-2.5">
      <Avatar className="border border-dashed border-primary/50 text-primary">
        <ClockIcon className="size-3.5" />
      </Avatar>
      <div className="min-w-0 flex-1">
        <div className="mb-1 flex items-center gap-1.5 text-xs font-medium text-muted-foreground">
          {steer ? `Steer from ${steer.by}` : 'Steer'}
          <span
            className={cn(
              'rounded-full px-1.5 py-px text-[10.5px] font-medium',
              ended ? 'bg-status-killed-bg text-status-killed' : 'bg-primary/10 text-primary',
            )}
          >
            {ended ? `not delivered: ${agent.name} ended first` : 'queued for next turn'}
          </span>
          <span className="ml-auto font-mono text-[11px] font-normal">#{message.seq}</span>
        </div>
        <div className="rounded-md border border-dashed border-primary/40 bg-primary/[0.03] px-3 py-2 text-sm whitespace-pre-wrap text-foreground/80">
          {steer ? steer.text : message.content}
        </div>
      </div>
    </li>
  );
}

function MessageItem({ message, agent }: { message: Message; agent: AgentState }) {
  const steer = steerOf(message, agent);
  if (steer) {
    return (
      <li data-testid="message" data-role="user" data-steer="true" className="flex gap-2.5">
        <Avatar className="bg-primary text-primary-foreground">
          <MegaphoneIcon className="size-3.5" />
        </Avatar>
        <div className="min-w-0 flex-1">
          <Meta label={`Steer from ${steer.by} · delivered`} seq={message.seq} />
          <div className="rounded-md border border-primary/30 bg-primary/[0.06] px-3 py-2 text-sm whitespace-pre-wrap">
            {steer.text}
          </div>
        </div>
      </li>
    );
  }
  if (message.role === 'user') {
    return (
      <li data-testid="message" data-role="user" className="flex gap-2.5">
        <Avatar className="bg-secondary text-secondary-foreground">
          <UserIcon className="size-3.5" />
        </Avatar>
        <div className="min-w-0 flex-1">
          <Meta label="Task" seq={message.seq} />
          <div className="rounded-md bg-secondary/70 px-3 py-2 text-sm whitespace-pre-wrap">
            {message.content}
          </div>
        </div>
      </li>
    );
  }
  if (message.role === 'assistant') {
    return (
      <li data-testid="message" data-role="assistant" className="flex gap-2.5">
        <Avatar className="bg-primary/10 text-primary">
          <BotIcon className="size-3.5" />
        </Avatar>
        <div className="min-w-0 flex-1">
          <Meta label="Assistant" seq={message.seq} />
          {message.content && <div className="text-sm whitespace-pre-wrap">{message.content}</div>}
          {message.toolCalls.length > 0 && (
            <div className="mt-1.5 flex flex-col gap-1">
              {message.toolCalls.map((c) => (
                <div
                  key={c.callId}
                  className="rounded-md border bg-muted/40 px-2.5 py-1.5 font-mono text-[11.5px] break-all"
                >
                  <span className="font-semibold text-foreground">{c.tool}</span>
                  <span className="text-muted-foreground">({truncateJson(c.args)})</span>
                </div>
              ))}
            </div>
          )}
        </div>
      </li>
    );
  }
  return <ToolResult message={message} />;
}

function ToolResult({ message }: { message: Extract<Message, { role: 'tool' }> }) {
  const [open, setOpen] = useState(false);
  const long = message.content.length > 280 || message.content.split('\n').length > 6;
  return (
    <li data-testid="message" data-role="tool" className="flex gap-2.5">
      <Avatar
        className={
          message.ok
            ? 'bg-status-completed-bg text-status-completed'
            : 'bg-status-failed-bg text-status-failed'
        }
      >
        <WrenchIcon className="size-3.5" />
      </Avatar>
      <div className="min-w-0 flex-1">
        <div className="mb-1 flex items-center gap-1.5 text-xs">
          <span className="font-mono font-medium">{message.tool}</span>
          {message.ok ? (
            <CircleCheckIcon className="size-3.5 text-status-completed" />
          ) : (
            <CircleXIcon className="size-3.5 text-status-failed" />
          )}
          <span className="ml-auto font-mono text-[11px] text-muted-foreground">
            #{message.seq}
          </span>
        </div>
        <pre
          className={cn(
            'overflow-hidden rounded-md border bg-background px-2.5 py-1.5 font-mono text-[11.5px] whitespace-pre-wrap break-words',
            !open && long && 'max-h-28',
            !message.ok && 'border-status-failed/30 text-status-failed',
          )}
        >
          {message.content || '(no output)'}
        </pre>
        {long && (
          <button
            className="mt-1 text-xs text-primary hover:underline"
            onClick={() => setOpen((o) => !o)}
          >
            {open ? 'Show less' : 'Show all'}
          </button>
        )}
      </div>
    </li>
  );
}

function Avatar({ className, children }: { className?: string; children: ReactNode }) {
  return (
    <span
      className={cn(
        'mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-full',
        className,
      )}
    >
      {children}
    </span>
  );
}

function Meta({ label, seq }: { label: string; seq: number }) {
  return (
    <div className="mb-1 flex items-center text-xs font-medium text-muted-foreground">
      {label}
      <span className="ml-auto font-mono text-[11px] font-normal">#{seq}</span>
    </div>
  );
}

function truncateJson(args: Record<string, unknown>): string {
  const text = JSON.stringify(args);
  const inner = text.slice(1, -1);
  return inner.length > 160 ? `${inner.slice(0, 159)}…` : inner;
}
