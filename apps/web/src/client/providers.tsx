'use client';

import type { AppRouter } from '@flightdeck/api';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import { ThemeProvider } from 'next-themes';
import { type ReactNode, useState } from 'react';
import { TooltipProvider } from '@/components/ui/tooltip';
import { redirectToSignIn } from './session';
import { TRPCProvider } from './trpc';

/**
 * Sent alone, never batched: a run's log pages are big, and a run's first
 * screen (its state) must not wait for them (a batch answers when its slowest call does).
 */
const UNBATCHED = new Set(['runs.events', 'runs.state']);

const httpStatusOf = (error: unknown): number | undefined =>
  error instanceof TRPCClientError
    ? (error.data as { httpStatus?: number } | undefined)?.httpStatus
    : undefined;

function makeQueryClient(): QueryClient {
  return new QueryClient({
    // A query refused for want of a session (signed out elsewhere, revoked): back to sign-in.
    queryCache: new QueryCache({
      onError: (error) => {
        if (httpStatusOf(error) === 401) redirectToSignIn();
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        // A 4xx will not get better by asking again.
        retry: (failures, error) => {
          const status = httpStatusOf(error);
          return (status === undefined || status >= 500) && failures < 3;
        },
      },
    },
  });
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => UNBATCHED.has(op.path),
          true: httpLink({ url: '/api/trpc' }),
          false: httpBatchLink({ url: '/api/trpc', maxItems: 16 }),
        }),
      ],
    }),
  );
  return (
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <TooltipProvider>{children}</TooltipProvider>
        </TRPCProvider>
      </QueryClientProvider>
    </ThemeProvider>
  );
}
