import { ConnectionIndicator } from './connection-indicator';
import { ThemeToggle } from './theme-toggle';

export function Topbar() {
  return (
    <header className="flex h-12 shrink-0 items-center gap-3 border-b bg-background/80 px-4 backdrop-blur">
      <div className="flex items-center gap-2 text-sm text-muted-foreground">
        <span className="font-medium text-foreground md:hidden">Flightdeck</span>
        <span className="rounded border px-1.5 py-px font-mono text-[11px]">local</span>
      </div>
      <div className="ml-auto flex items-center gap-2">
        <ConnectionIndicator />
        <ThemeToggle />
      </div>
    </header>
  );
}
