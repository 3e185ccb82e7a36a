'use client';

import { LogOutIcon } from 'lucide-react';
import { signOut, useSession } from '@/client/session';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '@/components/ui/dropdown-menu';

/** Who is signed in, their roles, and signing out. */
export function UserMenu() {
  const me = useSession().data;
  if (!me) return <div className="h-10" />;
  const initials = me.actor.id.slice(0, 2).toUpperCase();
  const teams = me.teams === 'all' ? 'all teams' : `${me.teams.length} team(s)`;
  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        className="flex w-full items-center gap-2 rounded-md p-1 text-left text-xs hover:bg-sidebar-accent/60"
        data-testid="user-menu"
      >
        <span className="flex size-7 shrink-0 items-center justify-center rounded-full bg-secondary text-[11px] font-semibold text-secondary-foreground">
          {initials}
        </span>
        <span className="min-w-0 leading-tight">
          <span className="block truncate font-medium text-foreground" data-testid="user-id">
            {me.actor.id}
          </span>
          <span className="block truncate text-muted-foreground" data-testid="user-roles">
            {me.roles.join(', ')} · {teams}
          </span>
        </span>
      </DropdownMenuTrigger>
      <DropdownMenuContent side="top" align="start" className="w-52">
        <DropdownMenuLabel className="truncate">{me.actor.id}</DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={() => void signOut()} data-testid="sign-out">
          <LogOutIcon /> Sign out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
