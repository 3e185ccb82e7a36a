import { describe, expect, it } from 'vitest';
import { collapseContext, diffLines, diffStats, splitLines } from './line-diff';

const kinds = (before: string, after: string) =>
  diffLines(before, after).map(
    (l) => `${l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' '}${l.text}`,
  );

describe('line diff', () => {
  it('splits lines, ignoring one trailing newline', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('a\r\nb')).toEqual(['a', 'b']);
    expect(splitLines('\n')).toEqual(['']);
  });

  it('a new file is all additions, numbered', () => {
    const lines = diffLines('', '# T\n\nbody\n');
    expect(lines).toEqual([
      { kind: 'add', text: '# T', newNo: 1 },
      { kind: 'add', text: '', newNo: 2 },
      { kind: 'add', text: 'body', newNo: 3 },
    ]);
    expect(diffStats(lines)).toEqual({ added: 3, removed: 0 });
  });

  it('identical texts have no changes', () => {
    expect(diffStats(diffLines('a\nb\n', 'a\nb\n'))).toEqual({ added: 0, removed: 0 });
    expect(collapseContext(diffLines('a\nb\n', 'a\nb\n'))).toEqual([{ kind: 'skip', count: 2 }]);
  });

  it('finds the longest common subsequence, removals before additions', () => {
    expect(kinds('a\nb\nc\nd\n', 'a\nx\nc\nd\ny\n')).toEqual([' a', '-b', '+x', ' c', ' d', '+y']);
    expect(kinds('x\na\nb\n', 'a\nb\nx\n')).toEqual(['-x', ' a', ' b', '+x']);
  });

  it('numbers old and new lines', () => {
    const lines = diffLines('a\nb\nc\n', 'a\nc\nd\n');
    expect(lines).toEqual([
      { kind: 'ctx', text: 'a', oldNo: 1, newNo: 1 },
      { kind: 'del', text: 'b', oldNo: 2 },
      { kind: 'ctx', text: 'c', oldNo: 3, newNo: 2 },
      { kind: 'add', text: 'd', newNo: 3 },
    ]);
  });

  it('collapses long unchanged runs, keeping context around changes', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const after = before.replace('l10', 'L10');
    const rows = collapseContext(diffLines(before, after), 2);
    expect(
      rows.map((r) =>
        r.kind === 'skip' ? `…${r.count}` : r.kind === 'ctx' ? r.text : `${r.kind}:${r.text}`,
      ),
    ).toEqual(['…8', 'l8', 'l9', 'del:l10', 'add:L10', 'l11', 'l12', '…7']);
  });

  it('falls back to remove-all/add-all past the size cap, still correct', () => {
    const before = Array.from({ length: 2500 }, (_, i) => `a${i}`).join('\n');
    const after = Array.from({ length: 2500 }, (_, i) => `b${i}`).join('\n');
    expect(diffStats(diffLines(before, after))).toEqual({ added: 2500, removed: 2500 });
  });
});
