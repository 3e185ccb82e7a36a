'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { LoaderCircleIcon, RocketIcon } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { type FormEvent, useEffect, useState } from 'react';
import { describeError } from '@/client/errors';
import { useTRPC } from '@/client/trpc';
import { Button } from '@/components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from '@/components/ui/dialog';
import { Label } from '@/components/ui/label';
import { Select } from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';

const DEFAULT_GOALS: Record<string, string> = {
  'demo-research':
    'Compare three open-source vector databases for a 10M-document retrieval workload and recommend one, with the trade-offs that decided it.',
};
const FALLBACK_GOAL = 'Describe what the team should achieve.';

export function LaunchRunDialog({ defaultTeam }: { defaultTeam?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const teams = useQuery({ ...trpc.teams.list.queryOptions(), enabled: open });
  const [teamSlug, setTeamSlug] = useState(defaultTeam ?? '');
  const [goal, setGoal] = useState('');
  const [goalTouched, setGoalTouched] = useState(false);

  // Pick the first team once the list arrives, and the team's sample goal until the operator types.
  const firstTeam = teams.data?.[0]?.slug;
  useEffect(() => {
    if (!teamSlug && firstTeam) setTeamSlug(firstTeam);
  }, [teamSlug, firstTeam]);
  useEffect(() => {
    if (!goalTouched && teamSlug) setGoal(DEFAULT_GOALS[teamSlug] ?? '');
  }, [teamSlug, goalTouched]);

  const spawn = useMutation(
    trpc.runs.spawn.mutationOptions({
      onSuccess: async ({ runId }) => {
        await queryClient.invalidateQueries(trpc.runs.list.queryFilter());
        setOpen(false);
        router.push(`/runs/${runId}`);
      },
    }),
  );
  const error = spawn.error ? describeError(spawn.error) : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!teamSlug || !goal.trim()) return;
    spawn.mutate({ teamSlug, goal: goal.trim() });
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) spawn.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button data-testid="launch-run" size="sm">
          <RocketIcon /> Launch run
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={submit} className="grid gap-4" data-testid="launch-form">
          <DialogHeader>
            <DialogTitle>Launch a run</DialogTitle>
            <DialogDescription>
              The team’s current manifest runs against your goal. You can kill it at any time.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor="launch-team">Team</Label>
            <Select
              id="launch-team"
              data-testid="launch-team"
              value={teamSlug}
              onChange={(e) => setTeamSlug(e.target.value)}
              disabled={teams.isPending}
            >
              {teams.isPending && <option value="">Loading teams…</option>}
              {teams.data?.map((t) => (
                <option key={t.slug} value={t.slug}>
                  {t.name} · v{t.currentVersion} · {t.agentCount} agents
                </option>
              ))}
            </Select>
            {teams.data && teamSlug && (
              <p className="text-xs text-muted-foreground">
                {teams.data.find((t) => t.slug === teamSlug)?.description}
              </p>
            )}
          </div>
          <div className="grid gap-2">
            <Label htmlFor="launch-goal">Goal</Label>
            <Textarea
              id="launch-goal"
              data-testid="launch-goal"
              rows={5}
              value={goal}
              placeholder={FALLBACK_GOAL}
              maxLength={4000}
              onChange={(e) => {
                setGoalTouched(true);
                setGoal(e.target.value);
              }}
            />
            <div className="text-right text-[11px] text-muted-foreground tabular">
              {goal.length} / 4000
            </div>
          </div>
          {error && (
            <div
              role="alert"
              data-testid="launch-error"
              className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive"
            >
              {error.message}
              {error.issues.length > 0 && (
                <ul className="mt-1 list-disc pl-4 text-xs">
                  {error.issues.map((i) => (
                    <li key={`${i.path}:${i.message}`}>
                      {i.path && <code className="font-mono">{i.path}</code>} {i.message}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              type="submit"
              data-testid="launch-submit"
              disabled={spawn.isPending || !teamSlug || !goal.trim()}
            >
              {spawn.isPending ? <LoaderCircleIcon className="animate-spin" /> : <RocketIcon />}
              Launch
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
