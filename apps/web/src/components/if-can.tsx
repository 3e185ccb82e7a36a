'use client';

import type { Permission } from '@flightdeck/domain';
import type { ReactNode } from 'react';
import { useCan } from '@/client/session';

/** Renders its children only for a principal with the permission; the server checks again regardless. */
export function IfCan({ permission, children }: { permission: Permission; children: ReactNode }) {
  return useCan(permission) ? children : null;
}
