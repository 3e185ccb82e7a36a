'use client';

import type { BreakerThresholds } from '@flightdeck/domain';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CircleCheckIcon, LoaderCircleIcon, SaveIcon } from 'lucide-react';
import { useState } from 'react';
import { describeError } from '@/client/errors';
import { formatDateTime } from '@/client/format';
import { useCan } from '@/client/session';
import { useTRPC } from '@/client/trpc';
import { draftOf, overridesOf, ThresholdsFields } from '@/components/breakers/thresholds-form';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { FormError } from '@/components/ui/form-error';
import { Skeleton } from '@/components/ui/skeleton';

/**
 * The team's default breaker thresholds: over the built-in defaults, under
 * each manifest's `breakers:` section. Governance sets them; runs spawned
 * after a save are held to them (a running run's thresholds change on its page).
 */
export function TeamBreakerDefaults({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const settings = useQuery(trpc.breakers.teamDefaults.queryOptions({ slug }));
  const d = settings.data;
  return (
    <Card data-testid="team-breaker-defaults">
      <CardHeader>
        <CardTitle>Circuit breaker defaults</CardTitle>
        <span className="text-xs text-muted-foreground">
          {d
            ? d.version === 0
              ? 'built-in defaults'
              : `version ${d.version}${d.createdAt ? ` · ${formatDateTime(d.createdAt)} by ${d.createdBy ?? '?'}` : ''}`
            : ''}
        </span>
      </CardHeader>
      <CardContent>
        {settings.isPending ? (
          <Skeleton className="h-48" />
        ) : settings.error ? (
          <FormError message={settings.error.message} />
        ) : (
          <DefaultsEditor
            key={settings.data.version}
            slug={slug}
            team={settings.data.team}
            defaults={settings.data.defaults}
            manifestKeys={Object.keys(settings.data.manifest)}
          />
        )}
      </CardContent>
    </Card>
  );
}

function DefaultsEditor({
  slug,
  team,
  defaults,
  manifestKeys,
}: {
  slug: string;
  team: BreakerThresholds;
  defaults: BreakerThresholds;
  manifestKeys: string[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan('governance.write');
  const [draft, setDraft] = useState(() => draftOf(team));
  const save = useMutation(
    trpc.breakers.saveTeamDefaults.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.breakers.pathFilter()),
    }),
  );
  const error = save.error ? describeError(save.error) : null;
  return (
    <div className="flex flex-col gap-2">
      <p className="text-xs text-muted-foreground">
        Every breaker counts across the whole run (all agents, all tools). A trip pauses what it
        covers, alerts here and through the webhooks, and waits for a person to reset it. Runs
        spawned after you save get these thresholds
        {manifestKeys.length
          ? `; the manifest's own breakers: section still decides ${manifestKeys.join(', ')}`
          : ''}
        .
      </p>
      <ThresholdsFields
        draft={draft}
        onChange={setDraft}
        readOnly={!canEdit}
        issues={error?.issues ?? []}
      />
      {error && <FormError message={error.message} />}
      {canEdit && (
        <div className="flex items-center gap-2">
          <Button
            size="sm"
            onClick={() => save.mutate({ slug, thresholds: overridesOf(draft, defaults) })}
            disabled={save.isPending}
            data-testid="team-breakers-save"
          >
            {save.isPending ? <LoaderCircleIcon className="animate-spin" /> : <SaveIcon />}
            Save defaults
          </Button>
          {save.isSuccess && (
            <span className="flex items-center gap-1 text-xs text-emerald-700 dark:text-emerald-400">
              <CircleCheckIcon className="size-3.5" /> Saved as version {save.data.version}
            </span>
          )}
        </div>
      )}
    </div>
  );
}
