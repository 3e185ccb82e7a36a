'use client';

import { IfCan } from '@/components/if-can';
import type { TeamAgentDto } from '@flightdeck/api';
import { useQuery } from '@tanstack/react-query';
import { ChevronRightIcon, CrownIcon } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useTRPC } from '@/client/trpc';
import { LaunchRunDialog } from '@/components/fleet/launch-run-dialog';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { cn } from '@/lib/utils';
import { ManifestEditor } from './manifest-editor';
import { TeamBreakerDefaults } from './team-breaker-defaults';
import { TeamBudgets } from './team-budgets';
import { TeamDefaultRules } from './team-default-rules';

export function TeamView({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const team = useQuery(trpc.teams.get.queryOptions({ slug }));
  const [tab, setTab] = useState<'source' | 'edit'>('source');
  const router = useRouter();

  if (team.isError) {
    return (
      <div className="flex h-full flex-col items-center justify-center gap-2 p-10 text-center">
        <h1 className="text-lg font-semibold">
          {team.error.data?.code === 'NOT_FOUND' ? `No team “${slug}”` : 'Could not load this team'}
        </h1>
        <Link href="/teams" className="text-sm text-primary hover:underline">
          All teams
        </Link>
      </div>
    );
  }
  const t = team.data;
  return (
    <div
      className="mx-auto flex max-w-[1600px] flex-col gap-5 p-6"
      data-testid="team-page"
      data-slug={slug}
    >
      <header className="flex flex-col gap-2">
        <nav
          className="flex items-center gap-1 text-xs text-muted-foreground"
          aria-label="Breadcrumb"
        >
          <Link href="/teams" className="hover:text-foreground">
            Teams
          </Link>
          <ChevronRightIcon className="size-3" />
          <span className="font-mono">{slug}</span>
        </nav>
        <div className="flex flex-wrap items-end justify-between gap-3">
          <div className="min-w-0">
            <div className="flex items-center gap-2">
              <h1 className="text-xl font-semibold tracking-tight">{t?.name ?? slug}</h1>
              {t && (
                <span
                  className="rounded border px-1.5 font-mono text-xs text-muted-foreground"
                  data-testid="team-version"
                >
                  v{t.currentVersion}
                </span>
              )}
            </div>
            {t ? (
              <p className="mt-0.5 max-w-3xl text-sm text-muted-foreground">
                {t.description || 'No description.'}
              </p>
            ) : (
              <Skeleton className="mt-1 h-4 w-80" />
            )}
          </div>
          {t && (
            <IfCan permission="runs.control">
              <LaunchRunDialog defaultTeam={t.slug} />
            </IfCan>
          )}
        </div>
      </header>

      <div className="grid gap-4 xl:grid-cols-[minmax(0,5fr)_minmax(0,7fr)]">
        <div className="flex flex-col gap-4">
          <Card>
            <CardHeader>
              <CardTitle>Agents</CardTitle>
              <span className="text-xs text-muted-foreground">
                {t ? `${t.agents.length} declared` : ''}
              </span>
            </CardHeader>
            <div className="divide-y">
              {t ? (
                t.agents.map((a) => <AgentSpecRow key={a.key} agent={a} />)
              ) : (
                <Skeleton className="m-4 h-32" />
              )}
            </div>
          </Card>
          {t && (
            <Card>
              <CardHeader>
                <CardTitle>Limits</CardTitle>
              </CardHeader>
              <CardContent className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-3">
                <Fact label="Max depth" value={t.limits.maxDepth} />
                <Fact label="Children per agent" value={t.limits.maxChildrenPerAgent} />
                <Fact label="Concurrent agents" value={t.limits.maxConcurrentAgents} />
                <Fact label="Sim. latency" value={`${t.simulation.latencyMs} ms`} />
                <Fact
                  label="Sim. error rate"
                  value={`${Math.round(t.simulation.errorRate * 100)}%`}
                />
                <Fact
                  label="Sim. steps"
                  value={`${t.simulation.minSteps}–${t.simulation.maxSteps}`}
                />
              </CardContent>
            </Card>
          )}
          <TeamBudgets slug={slug} />
          <TeamDefaultRules slug={slug} />
          <TeamBreakerDefaults slug={slug} />
        </div>

        <Card className="overflow-hidden">
          <CardHeader className="py-0">
            <div className="flex" role="tablist">
              {(['source', 'edit'] as const).map((key) => (
                <button
                  key={key}
                  role="tab"
                  aria-selected={tab === key}
                  data-testid={`manifest-tab-${key}`}
                  onClick={() => setTab(key)}
                  className={cn(
                    '-mb-px border-b-2 px-3 py-2.5 text-sm transition-colors',
                    tab === key
                      ? 'border-primary font-medium text-foreground'
                      : 'border-transparent text-muted-foreground hover:text-foreground',
                  )}
                >
                  {key === 'source' ? 'Manifest' : 'Edit'}
                </button>
              ))}
            </div>
            <span className="text-xs text-muted-foreground">
              YAML · version {t?.currentVersion ?? '…'}
            </span>
          </CardHeader>
          <CardContent className="p-0">
            {!t ? (
              <Skeleton className="m-4 h-96" />
            ) : tab === 'source' ? (
              <SourceView source={t.source} />
            ) : (
              <div className="p-4">
                <ManifestEditor
                  key={t.currentVersion}
                  initialSource={t.source}
                  onSaved={(saved) => {
                    if (saved.slug !== slug) router.push(`/teams/${saved.slug}`);
                  }}
                />
              </div>
            )}
          </CardContent>
        </Card>
      </div>
    </div>
  );
}

function AgentSpecRow({ agent }: { agent: TeamAgentDto }) {
  return (
    <div
      className="flex flex-col gap-1.5 px-4 py-3"
      data-testid="team-agent"
      data-agent-key={agent.key}
    >
      <div className="flex items-center gap-2">
        <span className="font-mono text-sm font-semibold">{agent.key}</span>
        {agent.isLead && (
          <Badge variant="secondary" className="gap-1">
            <CrownIcon /> lead
          </Badge>
        )}
        <span className="text-sm text-muted-foreground">{agent.role}</span>
        <span className="ml-auto rounded bg-muted px-1.5 py-px font-mono text-[11px] text-muted-foreground">
          {agent.model}
        </span>
      </div>
      <div className="flex flex-wrap items-center gap-1">
        {agent.tools.map((tool) => (
          <Badge
            key={tool.name}
            variant="outline"
            className="max-w-full font-mono text-[11px] font-normal"
            title={tool.scope ?? undefined}
          >
            {tool.name}
            {tool.scope && <span className="truncate text-muted-foreground">{tool.scope}</span>}
          </Badge>
        ))}
        {agent.delegates.length > 0 && (
          <span className="ml-1 text-xs text-muted-foreground">
            delegates to{' '}
            <span className="font-mono text-foreground/80">{agent.delegates.join(', ')}</span>
          </span>
        )}
        <span className="ml-auto text-xs text-muted-foreground">≤ {agent.maxTurns} turns</span>
      </div>
    </div>
  );
}

function Fact({ label, value }: { label: string; value: string | number }) {
  return (
    <div>
      <div className="text-xs text-muted-foreground">{label}</div>
      <div className="font-medium tabular">{value}</div>
    </div>
  );
}

function SourceView({ source }: { source: string }) {
  const lines = source.replace(/\n$/, '').split('\n');
  return (
    <pre
      className="max-h-[640px] overflow-auto py-3 font-mono text-[12.5px] leading-relaxed"
      data-testid="manifest-view"
    >
      {lines.map((line, i) => (
        <div key={i} className="flex hover:bg-muted/40">
          <span className="w-12 shrink-0 pr-4 text-right text-muted-foreground/60 select-none tabular">
            {i + 1}
          </span>
          <span
            className={cn('pr-4 whitespace-pre', /^\s*#/.test(line) && 'text-muted-foreground')}
          >
            {line || ' '}
          </span>
        </div>
      ))}
    </pre>
  );
}
