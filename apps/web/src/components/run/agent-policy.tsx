'use client';

import type { AgentState, RunEvent } from '@flightdeck/domain';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { formatClock } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { Badge } from '@/components/ui/badge';
import { Skeleton } from '@/components/ui/skeleton';
import { cn } from '@/lib/utils';

const EFFECT_STYLE: Record<string, string> = {
  allow: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-500/20 dark:text-emerald-200',
  deny: 'bg-red-100 text-red-900 dark:bg-red-500/20 dark:text-red-200',
  ask: 'bg-amber-100 text-amber-900 dark:bg-amber-500/20 dark:text-amber-200',
};

function Effect({ effect }: { effect: string }) {
  return <Badge className={cn('font-mono', EFFECT_STYLE[effect])}>{effect}</Badge>;
}

/** What a rule matches, in a few words. */
function matchOf(rule: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of ['paths', 'commands', 'hosts', 'methods', 'models'] as const) {
    const value = rule[key];
    if (Array.isArray(value)) parts.push(`${key} ${value.join(', ')}`);
  }
  const when = rule.when as Record<string, unknown> | undefined;
  if (when)
    parts.push(
      Object.entries(when)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', '),
    );
  return parts.join(' · ');
}

/**
 * One agent's effective policy (its rules in checking order: the manifest's,
 * then the team's defaults; inherited ones say from whom), and every decision
 * the gate made on its calls, with the rule and policy version that made it.
 */
export function AgentPolicy({
  runId,
  agent,
  events,
  count,
}: {
  runId: string;
  agent: AgentState | null;
  /** The live log (append-only; `count` says how much of it to read). */
  events: readonly RunEvent[];
  count: number;
}) {
  const trpc = useTRPC();
  const policy = useQuery({
    ...trpc.policies.agentPolicy.queryOptions({ runId, agentId: agent?.id ?? '' }),
    enabled: !!agent,
  });
  const decisions = useMemo(
    () =>
      agent
        ? events
            .slice(0, count)
            .filter(
              (e): e is Extract<RunEvent, { type: 'gate.decided' }> =>
                e.type === 'gate.decided' && e.agentId === agent.id,
            )
        : [],
    [events, count, agent],
  );
  if (!agent)
    return <p className="p-4 text-sm text-muted-foreground">Select an agent to see its policy.</p>;
  return (
    <div
      className="flex h-full flex-col gap-4 overflow-y-auto p-3 text-sm"
      data-testid="agent-policy"
    >
      <section className="flex flex-col gap-2">
        <h3 className="text-xs font-medium tracking-wide text-muted-foreground uppercase">
          Effective policy of {agent.name}
          {policy.data && ` · version ${policy.data.version}`}
        </h3>
        {policy.isPending ? (
          <Skeleton className="h-24" />
        ) : policy.error ? (
          <p className="text-destructive">{policy.error.message}</p>
        ) : (
          <>
            <p className="text-xs text-muted-foreground">
              Scope: {policy.data.grants.join(', ') || 'no tools'}
              {policy.data.ancestors.length > 0 &&
                ` · below ${policy.data.ancestors.join(' → ')} (their rules bind it too)`}
              . First matching rule decides; a tool call no rule allows is denied.
            </p>
            <table className="w-full text-xs" data-testid="policy-rules">
              <thead className="text-left text-muted-foreground">
                <tr>
                  <th className="py-1 pr-2 font-medium">#</th>
                  <th className="py-1 pr-2 font-medium">Rule</th>
                  <th className="py-1 pr-2 font-medium">Tool</th>
                  <th className="py-1 pr-2 font-medium">Matches</th>
                  <th className="py-1 pr-2 font-medium">Effect</th>
                  <th className="py-1 font-medium">From</th>
                </tr>
              </thead>
              <tbody>
                {policy.data.rules.map((rule, i) => (
                  <tr
                    key={`${rule.source}-${rule.id}`}
                    className="border-t"
                    data-testid="policy-rule"
                    data-rule={rule.id}
                  >
                    <td className="py-1 pr-2 text-muted-foreground tabular">{i + 1}</td>
                    <td className="py-1 pr-2 font-mono">{rule.id}</td>
                    <td className="py-1 pr-2 font-mono">{rule.tool}</td>
                    <td className="py-1 pr-2 text-muted-foreground">
                      {matchOf(rule) || 'any call'}
                    </td>
                    <td className="py-1 pr-2">
                      <Effect effect={rule.effect} />
                      {policy.data.allowedForRun.includes(rule.id) && (
                        <span className="ml-1 text-emerald-700">allowed for this run</span>
                      )}
                    </td>
                    <td className="py-1 text-muted-foreground">
                      {rule.source === 'team' ? 'team default' : 'manifest'}
                      {rule.inheritedFrom && ` · from ${rule.inheritedFrom}`}
                    </td>
                  </tr>
                ))}
                {policy.data.rules.length === 0 && (
                  <tr className="border-t">
                    <td colSpan={6} className="py-2 text-muted-foreground">
                      No rules apply: every tool call of this agent is denied.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </>
        )}
      </section>
      <section className="flex flex-col gap-2">
        <h3 className="text-xs font-medium tracking-wide text-muted-foreground uppercase">
          Decisions on its calls
        </h3>
        {decisions.length === 0 ? (
          <p className="text-xs text-muted-foreground">None yet.</p>
        ) : (
          <ul className="flex flex-col" data-testid="gate-decisions">
            {decisions.map((d) => (
              <li
                key={d.seq}
                className="flex items-center gap-2 border-t py-1 text-xs"
                data-testid="gate-decision"
              >
                <span className="w-16 shrink-0 text-muted-foreground tabular">
                  {formatClock(d.at).slice(0, 8)}
                </span>
                <Effect effect={d.payload.effect} />
                <span className="font-mono">{d.payload.tool}</span>
                <span className="truncate text-muted-foreground" title={d.payload.reason}>
                  {d.payload.ruleId ? `rule ${d.payload.ruleId}` : d.payload.source} · policy{' '}
                  {d.payload.policyVersion}
                  {d.payload.effect !== 'allow' && ` · ${d.payload.reason}`}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
