import Link from 'next/link';
import { Button } from '@/components/ui/button';

export default function NotFound() {
  return (
    <div className="flex h-full flex-col items-center justify-center gap-3 p-10 text-center">
      <div className="font-mono text-sm text-muted-foreground">404</div>
      <h1 className="text-lg font-semibold">Nothing here</h1>
      <p className="max-w-sm text-sm text-muted-foreground">
        This page does not exist. The fleet is a good place to start.
      </p>
      <Button asChild size="sm" variant="outline">
        <Link href="/">Back to the fleet</Link>
      </Button>
    </div>
  );
}
