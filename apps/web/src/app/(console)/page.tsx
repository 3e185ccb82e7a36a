import type { Metadata } from 'next';
import { Suspense } from 'react';
import { FleetView } from '@/components/fleet/fleet-view';

export const metadata: Metadata = { title: 'Fleet' };

export default function FleetPage() {
  // The fleet's filters are read from the URL.
  return (
    <Suspense>
      <FleetView />
    </Suspense>
  );
}
