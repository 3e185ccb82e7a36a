'use client';

import { ApprovalChanged } from '@flightdeck/domain';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useSocket } from './socket';
import { useTRPC } from './trpc';

/**
 * Keeps every approvals query live: joins the approvals room on each
 * (re)connect and refetches the inbox, the count and a run's approvals when
 * one changes (and after a reconnect, when changes may have been missed).
 */
export function useApprovalsLive(): void {
  const { socket } = useSocket();
  const trpc = useTRPC();
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!socket) return;
    const refresh = () => void queryClient.invalidateQueries(trpc.approvals.pathFilter());
    let first = true;
    const join = () => {
      socket.emit('approvals.watch', {}, () => undefined);
      if (!first) refresh();
      first = false;
    };
    const onChanged = (message: unknown) => {
      if (ApprovalChanged.safeParse(message).success) refresh();
    };
    socket.on('approvals.changed', onChanged);
    socket.on('connect', join);
    if (socket.connected) join();
    return () => {
      socket.off('approvals.changed', onChanged);
      socket.off('connect', join);
    };
  }, [socket, queryClient, trpc]);
}
