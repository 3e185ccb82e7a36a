'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CircleCheckIcon, LoaderCircleIcon, SaveIcon } from 'lucide-react';
import { useState } from 'react';
import { describeError } from '@/client/errors';
import { formatDateTime } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { FormError } from '@/components/ui/form-error';
import { Skeleton } from '@/components/ui/skeleton';
import { Textarea } from '@/components/ui/textarea';

const EXAMPLE = `# Checked after each manifest's own rules; the first match decides.
- id: ask-before-shell
  tool: shell
  effect: ask
  risk: Commands can change anything the agent's grant allows.
`;

/** The team-wide default rules: set here, versioned, validated on save, applied to the next decisions. */
export function TeamDefaultRules({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const policy = useQuery(trpc.policies.teamDefaults.queryOptions({ slug }));
  return (
    <Card data-testid="team-default-rules">
      <CardHeader>
        <CardTitle>Default policy rules</CardTitle>
        <span className="text-xs text-muted-foreground">
          {policy.data
            ? policy.data.version === 0
              ? 'none set'
              : `version ${policy.data.version}${policy.data.createdAt ? ` · ${formatDateTime(policy.data.createdAt)} by ${policy.data.createdBy ?? '?'}` : ''}`
            : ''}
        </span>
      </CardHeader>
      <CardContent>
        {policy.isPending ? (
          <Skeleton className="h-32" />
        ) : policy.error ? (
          <FormError message={policy.error.message} />
        ) : (
          <RulesEditor
            key={policy.data.version}
            slug={slug}
            initial={
              policy.data.rules.length ? JSON.stringify(policy.data.rules, null, 2) : EXAMPLE
            }
          />
        )}
      </CardContent>
    </Card>
  );
}

function RulesEditor({ slug, initial }: { slug: string; initial: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [source, setSource] = useState(initial);
  const save = useMutation(
    trpc.policies.saveTeamDefaults.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.policies.pathFilter()),
    }),
  );
  const error = save.error ? describeError(save.error) : null;
  return (
    <div className="flex flex-col gap-2">
      <p className="text-xs text-muted-foreground">
        YAML or JSON: a list of rules (id, tool, effect allow / deny / ask, optional agents, paths,
        commands, hosts, methods, when, reason, risk). They apply to every run of this team after
        its manifest&apos;s rules.
      </p>
      <Textarea
        className="min-h-48 font-mono text-xs"
        value={source}
        onChange={(e) => setSource(e.target.value)}
        data-testid="team-rules-source"
        spellCheck={false}
      />
      {error && (
        <div role="alert" className="flex flex-col gap-1">
          <FormError message={error.issues.length ? 'The rules are not valid:' : error.message} />
          {error.issues.map((issue, i) => (
            <p
              key={i}
              className="font-mono text-xs text-destructive"
              data-testid="team-rules-issue"
            >
              {issue.path || '(rules)'}: {issue.message}
            </p>
          ))}
        </div>
      )}
      <div className="flex items-center gap-2">
        <Button
          size="sm"
          onClick={() => save.mutate({ slug, source })}
          disabled={save.isPending}
          data-testid="team-rules-save"
        >
          {save.isPending ? <LoaderCircleIcon className="animate-spin" /> : <SaveIcon />}
          Save rules
        </Button>
        {save.isSuccess && (
          <span className="flex items-center gap-1 text-xs text-emerald-700 dark:text-emerald-400">
            <CircleCheckIcon className="size-3.5" /> Saved as version {save.data.version}
          </span>
        )}
      </div>
    </div>
  );
}
