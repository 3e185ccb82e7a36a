import type { Metadata } from 'next';
import { PricesView } from '@/components/settings/prices-view';

export const metadata: Metadata = { title: 'Prices' };

export default function PricesPage() {
  return <PricesView />;
}
