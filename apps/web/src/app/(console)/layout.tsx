import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { SessionSeed } from '@/client/session-seed';
import { SocketProvider } from '@/client/socket';
import { Sidebar } from '@/components/shell/sidebar';
import { Topbar } from '@/components/shell/topbar';
import { getRuntime } from '@/server-runtime';

/** Rendered per request (who is signed in), never prerendered. */
export const dynamic = 'force-dynamic';

/** The signed-in console: navigation, the live connection, the page. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const requestHeaders = await headers();
  const runtime = getRuntime();
  // The custom server already sent anonymous visitors to sign-in; this holds if it did not.
  const me = runtime ? await runtime.viewer(requestHeaders) : null;
  if (!me) redirect('/sign-in');
  return (
    <SessionSeed me={me}>
      <SocketProvider>
        <div className="flex h-dvh overflow-hidden">
          <Sidebar />
          <div className="flex min-w-0 flex-1 flex-col">
            <Topbar />
            <main className="min-h-0 flex-1 overflow-auto">{children}</main>
          </div>
        </div>
      </SocketProvider>
    </SessionSeed>
  );
}
