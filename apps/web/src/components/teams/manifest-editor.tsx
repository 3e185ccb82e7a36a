'use client';

import type { ErrorIssue } from '@flightdeck/api';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CircleCheckIcon, LoaderCircleIcon, SaveIcon, TriangleAlertIcon } from 'lucide-react';
import { useState } from 'react';
import { describeError } from '@/client/errors';
import { useTRPC } from '@/client/trpc';
import { Button } from '@/components/ui/button';
import { Textarea } from '@/components/ui/textarea';

/**
 * Best-effort line of a manifest issue in YAML source: the line declaring the
 * deepest key of its path that can be found, walking the path in order.
 */
export function locateIssue(source: string, path: string): number | null {
  if (!path) return null;
  const lines = source.split('\n');
  let from = 0;
  let found: number | null = null;
  for (const segment of path.split('.')) {
    if (/^\d+$/.test(segment)) continue;
    const key = new RegExp(
      `^\\s*(-\\s*)?["']?${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`,
    );
    const index = lines.findIndex((line, i) => i >= from && key.test(line));
    if (index < 0) break;
    found = index + 1;
    from = index + 1;
  }
  return found;
}

export function ManifestEditor({
  initialSource,
  onSaved,
  submitLabel = 'Save new version',
}: {
  initialSource: string;
  onSaved?: (saved: { slug: string; version: number; created: boolean }) => void;
  submitLabel?: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [source, setSource] = useState(initialSource);
  const [saved, setSaved] = useState<{ slug: string; version: number } | null>(null);
  const save = useMutation(
    trpc.teams.save.mutationOptions({
      onSuccess: async (result) => {
        setSaved({ slug: result.slug, version: result.version });
        await queryClient.invalidateQueries(trpc.teams.pathFilter());
        onSaved?.(result);
      },
    }),
  );
  const error = save.error ? describeError(save.error) : null;
  const dirty = source !== initialSource;

  return (
    <div className="flex flex-col gap-3" data-testid="manifest-editor">
      <Textarea
        data-testid="manifest-source"
        aria-label="Manifest source (YAML or JSON)"
        aria-invalid={error ? true : undefined}
        spellCheck={false}
        value={source}
        onChange={(e) => {
          setSource(e.target.value);
          setSaved(null);
        }}
        className="min-h-[420px] resize-y font-mono text-[12.5px] leading-relaxed"
      />
      {error && (
        <div
          role="alert"
          data-testid="manifest-issues"
          className="rounded-md border border-destructive/40 bg-destructive/5 text-sm"
        >
          <div className="flex items-center gap-2 border-b border-destructive/20 px-3 py-2 font-medium text-destructive">
            <TriangleAlertIcon className="size-4" />
            {error.issues.length
              ? `${error.issues.length} problem${error.issues.length === 1 ? '' : 's'} in the manifest`
              : error.message}
          </div>
          {error.issues.length > 0 && (
            <ul className="divide-y divide-destructive/10">
              {error.issues.map((issue: ErrorIssue, i) => {
                const line = locateIssue(source, issue.path);
                return (
                  <li
                    key={i}
                    className="flex items-baseline gap-3 px-3 py-1.5"
                    data-testid="manifest-issue"
                    data-path={issue.path}
                  >
                    <code className="shrink-0 rounded bg-destructive/10 px-1.5 py-px font-mono text-xs text-destructive">
                      {issue.path || '(document)'}
                    </code>
                    <span className="min-w-0 flex-1 text-foreground/90">{issue.message}</span>
                    {line && (
                      <span className="shrink-0 font-mono text-[11px] text-muted-foreground">
                        line {line}
                      </span>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
      <div className="flex items-center gap-3">
        <Button
          onClick={() => save.mutate({ source })}
          disabled={save.isPending || !source.trim()}
          data-testid="manifest-save"
        >
          {save.isPending ? <LoaderCircleIcon className="animate-spin" /> : <SaveIcon />}
          {submitLabel}
        </Button>
        {dirty && !saved && (
          <Button
            variant="ghost"
            onClick={() => {
              setSource(initialSource);
              save.reset();
            }}
          >
            Discard changes
          </Button>
        )}
        {saved && (
          <span
            className="inline-flex items-center gap-1.5 text-sm text-status-completed"
            data-testid="manifest-saved"
          >
            <CircleCheckIcon className="size-4" /> Saved {saved.slug} v{saved.version}
          </span>
        )}
      </div>
    </div>
  );
}
