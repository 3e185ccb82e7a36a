'use client';

import type { ClientToServerEvents, ServerToClientEvents } from '@flightdeck/domain';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { redirectToSignIn } from './session';

export type FdClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

interface SocketContextValue {
  socket: FdClientSocket | null;
  status: ConnectionStatus;
}

const SocketContext = createContext<SocketContextValue>({ socket: null, status: 'connecting' });

let shared: FdClientSocket | null = null;

/** One Socket.IO connection per tab, for the tab's lifetime, shared by every live view. */
function sharedSocket(): FdClientSocket {
  shared ??= io({
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  return shared;
}

export function SocketProvider({ children }: { children: ReactNode }) {
  const [value, setValue] = useState<SocketContextValue>({ socket: null, status: 'connecting' });

  useEffect(() => {
    const socket = sharedSocket();
    let everConnected = socket.connected;
    const set = (status: ConnectionStatus) => setValue({ socket, status });
    const onConnect = () => {
      everConnected = true;
      set('connected');
    };
    const onDisconnect = (reason: string) => {
      set(everConnected ? 'reconnecting' : 'connecting');
      // The client does not retry on its own after the server dropped it on purpose.
      if (reason === 'io server disconnect') socket.connect();
    };
    const onError = (error: Error) => {
      // The server refused the handshake: the session ended (signed out, revoked, expired).
      if (error.message === 'unauthorized') return redirectToSignIn();
      set(everConnected ? 'reconnecting' : 'offline');
    };
    const onOffline = () => set('offline');
    set(socket.connected ? 'connected' : 'connecting');
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    socket.on('connect_error', onError);
    window.addEventListener('offline', onOffline);
    return () => {
      window.removeEventListener('offline', onOffline);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      socket.off('connect_error', onError);
    };
  }, []);

  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}

export function useSocket(): SocketContextValue {
  return useContext(SocketContext);
}
