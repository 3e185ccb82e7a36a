'use client';

import { CoinsIcon, LayoutDashboardIcon, RadioTowerIcon, UsersIcon } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/lib/utils';

const NAV = [
  {
    href: '/',
    label: 'Fleet',
    icon: LayoutDashboardIcon,
    match: (p: string) => p === '/' || p.startsWith('/runs'),
  },
  { href: '/teams', label: 'Teams', icon: UsersIcon, match: (p: string) => p.startsWith('/teams') },
  { href: '/costs', label: 'Costs', icon: CoinsIcon, match: (p: string) => p.startsWith('/costs') },
];

export function Sidebar() {
  const pathname = usePathname();
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
        {NAV.map(({ href, label, icon: Icon, match }) => {
          const active = match(pathname);
          return (
            <Link
              key={href}
              href={href}
              data-testid={`nav-${label.toLowerCase()}`}
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
            </Link>
          );
        })}
      </nav>
      <div className="mt-auto border-t border-sidebar-border p-3 text-xs text-muted-foreground">
        <div className="flex items-center gap-2">
          <span className="flex size-6 items-center justify-center rounded-full bg-secondary text-[11px] font-semibold text-secondary-foreground">
            OP
          </span>
          <div className="leading-tight">
            <div className="font-medium text-foreground">operator</div>
            <div>local · operator role</div>
          </div>
        </div>
      </div>
    </aside>
  );
}
