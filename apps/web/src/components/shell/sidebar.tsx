'use client';

import { useQuery } from '@tanstack/react-query';
import {
  BadgeDollarSignIcon,
  CoinsIcon,
  KeyRoundIcon,
  LayoutDashboardIcon,
  RadioTowerIcon,
  ScrollTextIcon,
  ShieldCheckIcon,
  UserCogIcon,
  UsersIcon,
} from 'lucide-react';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useCan } from '@/client/session';
import { useTRPC } from '@/client/trpc';
import { useApprovalsLive } from '@/client/use-approvals-live';
import { cn } from '@/lib/utils';
import { UserMenu } from './user-menu';

const NAV = [
  {
    href: '/',
    label: 'Fleet',
    icon: LayoutDashboardIcon,
    match: (p: string) => p === '/' || p.startsWith('/runs'),
  },
  {
    href: '/approvals',
    label: 'Approvals',
    icon: ShieldCheckIcon,
    match: (p: string) => p.startsWith('/approvals'),
  },
  { href: '/teams', label: 'Teams', icon: UsersIcon, match: (p: string) => p.startsWith('/teams') },
  { href: '/costs', label: 'Costs', icon: CoinsIcon, match: (p: string) => p.startsWith('/costs') },
];

/** Approvals waiting for a decision, kept live for the whole app from here. */
function usePendingApprovals(): number | null {
  const trpc = useTRPC();
  useApprovalsLive();
  const count = useQuery(
    trpc.approvals.pendingCount.queryOptions(undefined, { refetchInterval: 30_000 }),
  );
  return count.data?.pending ?? null;
}

const ADMIN_NAV = [
  {
    href: '/settings/users',
    label: 'Users',
    icon: UserCogIcon,
    match: (p: string) => p.startsWith('/settings/users'),
  },
  {
    href: '/settings/tokens',
    label: 'API tokens',
    icon: KeyRoundIcon,
    match: (p: string) => p.startsWith('/settings/tokens'),
  },
  {
    href: '/settings/webhooks',
    label: 'Webhooks',
    icon: RadioTowerIcon,
    match: (p: string) => p.startsWith('/settings/webhooks'),
  },
  {
    href: '/settings/prices',
    label: 'Prices',
    icon: BadgeDollarSignIcon,
    match: (p: string) => p.startsWith('/settings/prices'),
  },
  {
    href: '/audit',
    label: 'Audit',
    icon: ScrollTextIcon,
    match: (p: string) => p.startsWith('/audit'),
  },
];

function NavLink({
  href,
  label,
  icon: Icon,
  active,
  badge = null,
}: {
  href: string;
  label: string;
  icon: typeof UsersIcon;
  active: boolean;
  /** A count shown beside the label (approvals waiting). */
  badge?: number | null;
}) {
  const router = useRouter();
  return (
    <Link
      href={href}
      // Prefetched on hover, not on sight: a dozen pages rendered at every load would hold up
      // the page being opened (a long run's first screen waited behind them).
      prefetch={false}
      onMouseEnter={() => router.prefetch(href)}
      onFocus={() => router.prefetch(href)}
      data-testid={`nav-${label.toLowerCase().replace(/\s+/g, '-')}`}
      aria-current={active ? 'page' : undefined}
      className={cn(
        'flex h-8 items-center gap-2.5 rounded-md px-2 text-sm transition-colors',
        active
          ? 'bg-sidebar-accent font-medium text-foreground'
          : 'text-sidebar-foreground/80 hover:bg-sidebar-accent/60 hover:text-foreground',
      )}
    >
      <Icon className="size-4 opacity-80" />
      {label}
      {badge ? (
        <span
          className="ml-auto rounded-full bg-amber-500 px-1.5 text-[11px] font-semibold text-white tabular"
          data-testid={`nav-${label.toLowerCase()}-count`}
          aria-label={`${badge} waiting`}
        >
          {badge}
        </span>
      ) : null}
    </Link>
  );
}

export function Sidebar() {
  const pathname = usePathname();
  const pending = usePendingApprovals();
  const isAdmin = useCan('accounts.manage');
  return (
    <aside className="hidden w-56 shrink-0 flex-col border-r border-sidebar-border bg-sidebar text-sidebar-foreground md:flex">
      <div className="flex h-12 items-center gap-2 border-b border-sidebar-border px-4">
        <span className="flex size-6 items-center justify-center rounded-md bg-primary text-primary-foreground">
          <RadioTowerIcon className="size-3.5" />
        </span>
        <span className="text-sm font-semibold tracking-tight text-foreground">Flightdeck</span>
      </div>
      <nav className="flex flex-col gap-0.5 p-2" aria-label="Main">
        <div className="px-2 pt-2 pb-1 text-[11px] font-medium tracking-wide text-muted-foreground uppercase">
          Operate
        </div>
        {NAV.map(({ href, label, icon, match }) => (
          <NavLink
            key={href}
            href={href}
            label={label}
            icon={icon}
            active={match(pathname)}
            badge={href === '/approvals' ? pending : null}
          />
        ))}
        {isAdmin && (
          <>
            <div className="px-2 pt-4 pb-1 text-[11px] font-medium tracking-wide text-muted-foreground uppercase">
              Admin
            </div>
            {ADMIN_NAV.map(({ href, label, icon, match }) => (
              <NavLink key={href} href={href} label={label} icon={icon} active={match(pathname)} />
            ))}
          </>
        )}
      </nav>
      <div className="mt-auto border-t border-sidebar-border p-2">
        <UserMenu />
      </div>
    </aside>
  );
}
