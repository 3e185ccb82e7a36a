'use client';

import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import type { SessionView } from '../server-runtime';
import { useTRPC } from './trpc';

/**
 * Seeds `account.me` with the principal the server resolved for this page, so
 * role-dependent controls render on first paint instead of after a round trip.
 */
export function SessionSeed({ me, children }: { me: SessionView; children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useState(() => queryClient.setQueryData(trpc.account.me.queryKey(), me));
  return children;
}
