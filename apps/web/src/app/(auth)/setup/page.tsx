import type { Metadata } from 'next';
import { SetupView } from '@/components/auth/setup-view';

export const metadata: Metadata = { title: 'Set up' };

export default async function SetupPage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string | string[] }>;
}) {
  const { token } = await searchParams;
  return <SetupView token={typeof token === 'string' ? token : ''} />;
}
