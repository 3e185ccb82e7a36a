'use client';

import { useQuery } from '@tanstack/react-query';
import { PlusIcon, UsersIcon } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { formatRelative } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { useNow } from '@/client/use-now';
import { PageHeader } from '@/components/page-header';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from '@/components/ui/dialog';
import { Skeleton } from '@/components/ui/skeleton';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/components/ui/table';
import { ManifestEditor } from './manifest-editor';

const NEW_TEAM_TEMPLATE = `name: my-team
description: What this team is for.
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    system: You split the goal and delegate.
    tools: [delegate, fs.read, fs.write, fs.list]
    delegates: [worker]
  worker:
    role: Worker
    model: simulated/gpt-4o-mini
    tools: [fs.read, fs.write, fs.list]
`;

export function TeamsView() {
  const trpc = useTRPC();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const now = useNow(10_000);
  const router = useRouter();

  return (
    <div className="mx-auto flex max-w-[1600px] flex-col gap-5 p-6">
      <PageHeader
        title="Teams"
        description="Teams are declared by versioned manifests: who the agents are, what each may use."
        actions={<NewTeamDialog />}
      />
      <Card className="overflow-hidden">
        {teams.isPending ? (
          <div className="grid gap-2 p-4">
            {Array.from({ length: 3 }, (_, i) => (
              <Skeleton key={i} className="h-10" />
            ))}
          </div>
        ) : teams.isError ? (
          <div className="p-8 text-center text-sm text-destructive">
            Could not load teams: {teams.error.message}
          </div>
        ) : teams.data.length === 0 ? (
          <div className="flex flex-col items-center gap-2 p-12 text-center text-sm text-muted-foreground">
            <UsersIcon className="size-6" /> No teams yet.
          </div>
        ) : (
          <Table data-testid="teams-table">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead className="pl-4">Team</TableHead>
                <TableHead>Description</TableHead>
                <TableHead className="text-right">Agents</TableHead>
                <TableHead className="text-right">Version</TableHead>
                <TableHead className="pr-4 text-right">Updated</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {teams.data.map((team) => (
                <TableRow
                  key={team.id}
                  data-testid="team-row"
                  data-slug={team.slug}
                  className="cursor-pointer"
                  onClick={() => router.push(`/teams/${team.slug}`)}
                >
                  <TableCell className="pl-4">
                    <Link href={`/teams/${team.slug}`} className="font-medium hover:underline">
                      {team.name}
                    </Link>
                    <div className="font-mono text-[11px] text-muted-foreground">{team.slug}</div>
                  </TableCell>
                  <TableCell
                    className="max-w-[560px] truncate text-muted-foreground"
                    title={team.description}
                  >
                    {team.description || '—'}
                  </TableCell>
                  <TableCell className="text-right tabular">{team.agentCount}</TableCell>
                  <TableCell className="text-right">
                    <span className="rounded border px-1.5 font-mono text-xs">
                      v{team.currentVersion}
                    </span>
                  </TableCell>
                  <TableCell className="pr-4 text-right text-muted-foreground tabular">
                    {now ? formatRelative(team.updatedAt, now) : ''}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}

function NewTeamDialog() {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm" variant="outline" data-testid="new-team">
          <PlusIcon /> New team
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-3xl">
        <DialogHeader>
          <DialogTitle>New team</DialogTitle>
          <DialogDescription>
            Declare the team in YAML (or JSON). Its <code className="font-mono">name</code> becomes
            its slug.
          </DialogDescription>
        </DialogHeader>
        <ManifestEditor
          initialSource={NEW_TEAM_TEMPLATE}
          submitLabel="Create team"
          onSaved={({ slug }) => {
            setOpen(false);
            router.push(`/teams/${slug}`);
          }}
        />
      </DialogContent>
    </Dialog>
  );
}
