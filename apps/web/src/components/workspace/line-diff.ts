/** A small line diff: longest common subsequence over the lines that differ, then hunks with context. */

export type DiffLine =
  | { kind: 'ctx'; text: string; oldNo: number; newNo: number }
  | { kind: 'del'; text: string; oldNo: number }
  | { kind: 'add'; text: string; newNo: number };

export type DiffRow = DiffLine | { kind: 'skip'; count: number };

/** Above this many LCS cells (old × new lines), the middle is shown as all removed then all added. */
const MAX_LCS_CELLS = 4_000_000;

/** 'a\nb\n' → ['a', 'b']; '' → []. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Every line of both texts, in order: unchanged (ctx), removed (del), added (add). */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }

  const out: DiffLine[] = [];
  for (let i = 0; i < start; i++)
    out.push({ kind: 'ctx', text: a[i]!, oldNo: i + 1, newNo: i + 1 });

  const n = endA - start;
  const m = endB - start;
  if (n > 0 && m > 0 && n * m <= MAX_LCS_CELLS) {
    // lcs[i][j] = LCS length of a[start+i..endA) and b[start+j..endB), in one flat array.
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] =
          a[start + i] === b[start + j]
            ? lcs[(i + 1) * width + j + 1]! + 1
            : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i] === b[start + j]) {
        out.push({ kind: 'ctx', text: a[start + i]!, oldNo: start + i + 1, newNo: start + j + 1 });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
        // Removals before additions, as GitHub shows them.
        out.push({ kind: 'del', text: a[start + i]!, oldNo: start + i + 1 });
        i++;
      } else {
        out.push({ kind: 'add', text: b[start + j]!, newNo: start + j + 1 });
        j++;
      }
    }
  } else {
    for (let i = start; i < endA; i++) out.push({ kind: 'del', text: a[i]!, oldNo: i + 1 });
    for (let j = start; j < endB; j++) out.push({ kind: 'add', text: b[j]!, newNo: j + 1 });
  }

  for (let k = 0; k < a.length - endA; k++)
    out.push({ kind: 'ctx', text: a[endA + k]!, oldNo: endA + k + 1, newNo: endB + k + 1 });
  return out;
}

/** Keep `context` unchanged lines around each change; longer unchanged runs collapse into a skip row. */
export function collapseContext(lines: readonly DiffLine[], context = 3): DiffRow[] {
  const keep = new Uint8Array(lines.length);
  lines.forEach((line, i) => {
    if (line.kind === 'ctx') return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++)
      keep[k] = 1;
  });
  const rows: DiffRow[] = [];
  let skipped = 0;
  lines.forEach((line, i) => {
    if (keep[i]) {
      if (skipped) rows.push({ kind: 'skip', count: skipped });
      skipped = 0;
      rows.push(line);
    } else {
      skipped++;
    }
  });
  if (skipped) rows.push({ kind: 'skip', count: skipped });
  return rows;
}

export function diffStats(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === 'add') added++;
    else if (line.kind === 'del') removed++;
  }
  return { added, removed };
}
