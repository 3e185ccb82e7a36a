import { RadioTowerIcon } from 'lucide-react';
import type { ReactNode } from 'react';

/** Signing in, the first-run setup and invitations: one card, no console around it. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="flex min-h-dvh items-center justify-center bg-muted/30 p-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-center gap-2">
          <span className="flex size-7 items-center justify-center rounded-md bg-primary text-primary-foreground">
            <RadioTowerIcon className="size-4" />
          </span>
          <span className="text-lg font-semibold tracking-tight">Flightdeck</span>
        </div>
        {children}
      </div>
    </main>
  );
}
