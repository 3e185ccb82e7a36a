'use client';

import type { ModelPriceDto, PriceTableDto } from '@flightdeck/api';
import { MAX_USD_PER_MTOK, PricedModelName } from '@flightdeck/domain';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CoinsIcon, LoaderCircleIcon, PlusIcon, SaveIcon, Trash2Icon } from 'lucide-react';
import { Fragment, useMemo, useState } from 'react';
import { describeError } from '@/client/errors';
import { formatDateTime } from '@/client/format';
import { useCan } from '@/client/session';
import { useTRPC } from '@/client/trpc';
import { PageHeader } from '@/components/page-header';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader, CardTitle } from '@/components/ui/card';
import { FormError } from '@/components/ui/form-error';
import { Input } from '@/components/ui/input';
import { Skeleton } from '@/components/ui/skeleton';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/components/ui/table';

/** A row being edited: text as typed, checked before saving. */
interface Row {
  key: number;
  model: string;
  input: string;
  output: string;
}

let nextKey = 1;
const toRows = (models: readonly ModelPriceDto[]): Row[] =>
  models.map((m) => ({
    key: nextKey++,
    model: m.model,
    input: String(m.inputPerMTok),
    output: String(m.outputPerMTok),
  }));

function priceError(text: string): string | null {
  if (text.trim() === '') return 'a price';
  const value = Number(text);
  if (!Number.isFinite(value)) return 'a number';
  if (value < 0) return 'not negative';
  if (value > MAX_USD_PER_MTOK) return `at most ${MAX_USD_PER_MTOK}`;
  return null;
}

/** What is wrong with each row (by key), or nothing. */
function rowErrors(rows: readonly Row[]): Map<number, string> {
  const errors = new Map<number, string>();
  const seen = new Set<string>();
  for (const row of rows) {
    const model = row.model.trim();
    const name = PricedModelName.safeParse(model);
    const problem = !name.success
      ? (name.error.issues[0]?.message ?? 'not a model name')
      : seen.has(model)
        ? 'this model is listed twice'
        : priceError(row.input)
          ? `input: ${priceError(row.input)}`
          : priceError(row.output)
            ? `output: ${priceError(row.output)}`
            : null;
    seen.add(model);
    if (problem) errors.set(row.key, problem);
  }
  return errors;
}

const sameRows = (rows: readonly Row[], models: readonly ModelPriceDto[]) =>
  rows.length === models.length &&
  rows.every((row) => {
    const m = models.find((x) => x.model === row.model.trim());
    return m && Number(row.input) === m.inputPerMTok && Number(row.output) === m.outputPerMTok;
  });

function PriceEditor({ table, canEdit }: { table: PriceTableDto; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [rows, setRows] = useState<Row[]>(() => toRows(table.models));
  const errors = useMemo(() => rowErrors(rows), [rows]);
  const dirty = !sameRows(rows, table.models);
  const save = useMutation(
    trpc.prices.save.mutationOptions({
      onSuccess: async () => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.prices.current.queryFilter()),
          queryClient.invalidateQueries(trpc.prices.history.queryFilter()),
        ]);
      },
    }),
  );
  const change = (key: number, patch: Partial<Row>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const submit = () =>
    save.mutate({
      basedOn: table.version,
      models: rows.map((r) => ({
        model: r.model.trim(),
        inputPerMTok: Number(r.input),
        outputPerMTok: Number(r.output),
      })),
    });

  return (
    <Card>
      <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-2">
        <CardTitle className="flex items-center gap-2">
          Current prices
          <Badge variant="secondary" className="font-mono" data-testid="prices-version">
            {table.version}
          </Badge>
        </CardTitle>
        <span className="text-xs text-muted-foreground">
          {table.saved
            ? `Saved by ${table.saved.by}, ${formatDateTime(table.saved.at)}`
            : 'The prices Flightdeck ships with: no version saved yet'}
        </span>
      </CardHeader>
      <Table data-testid="prices-table">
        <TableHeader>
          <TableRow className="hover:bg-transparent">
            <TableHead className="pl-4">Model</TableHead>
            <TableHead className="text-right">Input, $ per million tokens</TableHead>
            <TableHead className="text-right">Output, $ per million tokens</TableHead>
            <TableHead className="w-10 pr-4" />
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((row) => {
            const error = errors.get(row.key);
            return (
              <TableRow key={row.key} data-testid="price-row" data-model={row.model.trim()}>
                <TableCell className="pl-4 align-top">
                  <Input
                    aria-label="Model"
                    data-testid="price-model"
                    className="h-8 font-mono text-xs"
                    value={row.model}
                    disabled={!canEdit}
                    aria-invalid={error ? true : undefined}
                    onChange={(e) => change(row.key, { model: e.target.value })}
                  />
                  {error && (
                    <div className="pt-1 text-xs text-destructive" data-testid="price-row-error">
                      {error}
                    </div>
                  )}
                </TableCell>
                <TableCell className="align-top">
                  <Input
                    aria-label={`Input price of ${row.model}`}
                    data-testid="price-input"
                    inputMode="decimal"
                    className="ml-auto h-8 w-32 text-right tabular"
                    value={row.input}
                    disabled={!canEdit}
                    onChange={(e) => change(row.key, { input: e.target.value })}
                  />
                </TableCell>
                <TableCell className="align-top">
                  <Input
                    aria-label={`Output price of ${row.model}`}
                    data-testid="price-output"
                    inputMode="decimal"
                    className="ml-auto h-8 w-32 text-right tabular"
                    value={row.output}
                    disabled={!canEdit}
                    onChange={(e) => change(row.key, { output: e.target.value })}
                  />
                </TableCell>
                <TableCell className="pr-4 align-top">
                  {canEdit && (
                    <Button
                      size="xs"
                      variant="ghost"
                      className="h-8"
                      aria-label={`Remove ${row.model || 'this row'}`}
                      onClick={() => setRows((rs) => rs.filter((r) => r.key !== row.key))}
                    >
                      <Trash2Icon />
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {canEdit && (
        <div className="flex flex-wrap items-center gap-2 border-t p-4">
          <Button
            size="sm"
            variant="outline"
            data-testid="prices-add"
            onClick={() =>
              setRows((rs) => [...rs, { key: nextKey++, model: '', input: '0', output: '0' }])
            }
          >
            <PlusIcon /> Add a model
          </Button>
          <div className="ml-auto flex items-center gap-2">
            {dirty && (
              <Button size="sm" variant="ghost" onClick={() => setRows(toRows(table.models))}>
                Discard changes
              </Button>
            )}
            <Button
              size="sm"
              data-testid="prices-save"
              disabled={!dirty || errors.size > 0 || save.isPending}
              onClick={submit}
            >
              {save.isPending ? <LoaderCircleIcon className="animate-spin" /> : <SaveIcon />} Save
              as a new version
            </Button>
          </div>
          <div className="basis-full">
            <FormError message={save.error ? describeError(save.error).message : null} />
          </div>
        </div>
      )}
    </Card>
  );
}

function History({ current }: { current: string }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.prices.history.queryOptions({ limit: 50 }));
  const [open, setOpen] = useState<string | null>(null);
  if (history.isPending) return <Skeleton className="h-24" />;
  if (history.isError)
    return (
      <FormError message={`Could not load the history: ${describeError(history.error).message}`} />
    );
  return (
    <Card>
      <CardHeader>
        <CardTitle>Versions</CardTitle>
      </CardHeader>
      {history.data.length === 0 ? (
        <div className="p-4 pt-0 text-sm text-muted-foreground">
          No version saved yet: model calls are priced with the shipped prices.
        </div>
      ) : (
        <Table data-testid="prices-history">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead className="pl-4">Version</TableHead>
              <TableHead>Saved by</TableHead>
              <TableHead>When</TableHead>
              <TableHead className="pr-4 text-right">Models</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {history.data.map((v) => (
              <Fragment key={v.version}>
                <TableRow
                  data-testid="price-version"
                  data-version={v.version}
                  className="cursor-pointer"
                  onClick={() => setOpen((o) => (o === v.version ? null : v.version))}
                >
                  <TableCell className="pl-4 font-mono text-xs">
                    {v.version}{' '}
                    {v.version === current && <Badge variant="secondary">current</Badge>}
                  </TableCell>
                  <TableCell>{v.saved?.by}</TableCell>
                  <TableCell className="text-muted-foreground tabular">
                    {v.saved ? formatDateTime(v.saved.at) : '—'}
                  </TableCell>
                  <TableCell className="pr-4 text-right tabular">{v.models.length}</TableCell>
                </TableRow>
                {open === v.version && (
                  <TableRow className="hover:bg-transparent">
                    <TableCell colSpan={4} className="bg-muted/40 px-4 font-mono text-xs">
                      {v.models.map((m) => (
                        <div key={m.model}>
                          {m.model}: ${m.inputPerMTok} in / ${m.outputPerMTok} out
                        </div>
                      ))}
                    </TableCell>
                  </TableRow>
                )}
              </Fragment>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}

/** Settings → Prices: the model price table, edited as a whole and saved as a new version. */
export function PricesView() {
  const trpc = useTRPC();
  const canEdit = useCan('governance.write');
  // Not refetched on focus: the editor stays on the version it opened (a save based on an old one is refused).
  const current = useQuery({
    ...trpc.prices.current.queryOptions(),
    refetchOnWindowFocus: false,
  });
  return (
    <div className="mx-auto grid max-w-5xl gap-6 p-6">
      <PageHeader
        title="Prices"
        description="What each model costs, in USD per million tokens. Every model call is priced with the current version and records which one; budgets reserve with it. Saving makes a new version."
      />
      {current.isPending ? (
        <div className="grid gap-2">
          {Array.from({ length: 4 }, (_, i) => (
            <Skeleton key={i} className="h-9" />
          ))}
        </div>
      ) : current.isError ? (
        <FormError message={`Could not load the prices: ${describeError(current.error).message}`} />
      ) : (
        <>
          <PriceEditor key={current.data.version} table={current.data} canEdit={canEdit} />
          <div className="flex items-start gap-2 text-xs text-muted-foreground">
            <CoinsIcon className="size-4 shrink-0" />A model that is not listed costs nothing: its
            calls are still recorded, with their tokens.
          </div>
          <History current={current.data.version} />
        </>
      )}
    </div>
  );
}
