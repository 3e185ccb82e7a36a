import type { Metadata } from 'next';
import { CostsView } from '@/components/costs/costs-view';

export const metadata: Metadata = { title: 'Costs' };

export default function CostsPage() {
  return <CostsView />;
}
