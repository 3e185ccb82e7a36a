import type { Metadata } from 'next';
import { InviteView } from '@/components/auth/invite-view';

export const metadata: Metadata = { title: 'Invitation' };

export default async function InvitePage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string | string[] }>;
}) {
  const { token } = await searchParams;
  return <InviteView token={typeof token === 'string' ? token : ''} />;
}
