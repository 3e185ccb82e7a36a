'use client';

import { Button } from '@/components/ui/button';

export default function ErrorPage({ retry }: { error: unknown; retry: () => void }) {
  return (
    <div className="flex h-full flex-col items-center justify-center gap-3 p-10 text-center">
      <h1 className="text-lg font-semibold">This view failed to load</h1>
      <p className="max-w-sm text-sm text-muted-foreground">
        Something went wrong while rendering it. Try again; if it keeps failing, check the web
        server’s log.
      </p>
      <Button size="sm" variant="outline" onClick={retry}>
        Try again
      </Button>
    </div>
  );
}
