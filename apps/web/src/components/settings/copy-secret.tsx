'use client';

import { CheckIcon, CopyIcon } from 'lucide-react';
import { useState } from 'react';
import { Button } from '@/components/ui/button';

/** A secret shown once (an invitation link, an API token), with a copy button. */
export function CopySecret({
  value,
  label,
  testId,
}: {
  value: string;
  label: string;
  testId: string;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="grid gap-1.5 rounded-md border border-primary/30 bg-primary/5 p-3">
      <div className="text-xs font-medium">{label}</div>
      <div className="flex items-center gap-2">
        <code
          className="min-w-0 flex-1 truncate rounded bg-background px-2 py-1 font-mono text-xs"
          data-testid={testId}
        >
          {value}
        </code>
        <Button
          type="button"
          size="sm"
          variant="outline"
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => undefined,
            )
          }
        >
          {copied ? <CheckIcon /> : <CopyIcon />} Copy
        </Button>
      </div>
    </div>
  );
}
