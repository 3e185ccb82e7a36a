import type { ComponentType, ReactNode } from 'react';
import { Card } from '@/components/ui/card';

/** One headline figure: a label with an icon, the value, and a line of context. */
export function Kpi({
  label,
  value,
  hint,
  icon: Icon,
  testId,
}: {
  label: string;
  value: ReactNode;
  hint: ReactNode;
  icon: ComponentType<{ className?: string }>;
  testId: string;
}) {
  return (
    <Card className="min-w-0 gap-1 px-4 py-3.5" data-testid={testId}>
      <div className="flex items-center justify-between text-xs font-medium text-muted-foreground">
        {label}
        <Icon className="size-4 opacity-70" />
      </div>
      <div
        className="truncate text-2xl font-semibold tracking-tight tabular"
        data-testid={`${testId}-value`}
      >
        {value}
      </div>
      <div className="truncate text-xs text-muted-foreground">{hint}</div>
    </Card>
  );
}
