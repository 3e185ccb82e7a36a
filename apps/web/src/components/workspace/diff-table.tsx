import { formatCount } from '@/client/format';
import { cn } from '@/lib/utils';
import type { DiffRow } from './line-diff';

/** A unified line diff: old and new line numbers, a sign, the text. */
export function DiffTable({ rows }: { rows: readonly DiffRow[] }) {
  return (
    <table className="w-full border-collapse font-mono text-[12px] leading-5">
      <tbody>
        {rows.map((row, i) => (
          <DiffRowView key={i} row={row} />
        ))}
      </tbody>
    </table>
  );
}

function DiffRowView({ row }: { row: DiffRow }) {
  if (row.kind === 'skip') {
    return (
      <tr className="bg-sky-50 text-sky-800 dark:bg-sky-950/40 dark:text-sky-300">
        <td colSpan={4} className="px-3 py-0.5 text-[11.5px]">
          ⋯ {formatCount(row.count)} unchanged line{row.count === 1 ? '' : 's'}
        </td>
      </tr>
    );
  }
  const tone =
    row.kind === 'add'
      ? {
          row: 'bg-[#e6ffec] dark:bg-emerald-500/15',
          gutter: 'bg-[#ccffd8] dark:bg-emerald-500/25',
          sign: 'text-emerald-800 dark:text-emerald-300',
        }
      : row.kind === 'del'
        ? {
            row: 'bg-[#ffebe9] dark:bg-red-500/15',
            gutter: 'bg-[#ffd7d5] dark:bg-red-500/25',
            sign: 'text-red-800 dark:text-red-300',
          }
        : { row: '', gutter: '', sign: '' };
  return (
    <tr className={tone.row} data-testid="diff-line" data-kind={row.kind}>
      <td
        className={cn(
          'w-10 border-r border-border/50 px-2 text-right text-muted-foreground select-none tabular',
          tone.gutter,
        )}
      >
        {row.kind === 'add' ? '' : row.oldNo}
      </td>
      <td
        className={cn(
          'w-10 border-r border-border/50 px-2 text-right text-muted-foreground select-none tabular',
          tone.gutter,
        )}
      >
        {row.kind === 'del' ? '' : row.newNo}
      </td>
      <td className={cn('w-5 pl-2 select-none', tone.sign)}>
        {row.kind === 'add' ? '+' : row.kind === 'del' ? '-' : ' '}
      </td>
      <td className="pr-3 break-all whitespace-pre-wrap">{row.text || '\u00a0'}</td>
    </tr>
  );
}
