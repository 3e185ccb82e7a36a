import pg from 'pg';

/**
 * A database's shape as sorted, comparable lines: tables, columns (type,
 * nullability, default, identity), indexes, constraints (primary, unique,
 * check, foreign keys with their actions), enums and sequences of the public
 * schema. Column order is left out: Prisma does not model it, so a column
 * added by a migration may sit elsewhere than in a database built from scratch.
 */
/**
 * Indexes Prisma's schema cannot express (on expressions), written by hand in
 * a migration: left out of the comparison, each checked by its own test.
 */
export const HAND_WRITTEN_INDEXES = ['events_run_id_call_id_seq_idx'];

export async function describeCatalog(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const lines: string[] = [];
    const add = async (sql: string, params: unknown[] = []) => {
      const result = await client.query<{ line: string }>(sql, params);
      lines.push(...result.rows.map((row) => row.line));
    };
    await add(`
      SELECT format('relation %s (%s)', c.relname, c.relkind) AS line
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
         AND c.relname <> '_prisma_migrations'`);
    await add(`
      SELECT format('column %s.%s %s%s%s%s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                    CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' NULL' END,
                    COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), ''),
                    CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END,
                    CASE WHEN a.attgenerated <> '' THEN ' GENERATED ' || a.attgenerated::text ELSE '' END) AS line
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0
         AND NOT a.attisdropped AND c.relname <> '_prisma_migrations'`);
    await add(
      `
      SELECT format('index %s', pg_get_indexdef(i.indexrelid)) AS line
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relname <> '_prisma_migrations'
         AND NOT ic.relname = ANY($1::text[])`,
      [HAND_WRITTEN_INDEXES],
    );
    await add(`
      SELECT format('constraint %s.%s %s', c.relname, con.conname, pg_get_constraintdef(con.oid)) AS line
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = con.connamespace
       WHERE n.nspname = 'public' AND c.relname <> '_prisma_migrations'`);
    await add(`
      SELECT format('enum %s (%s)', t.typname, string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)) AS line
        FROM pg_type t
        JOIN pg_enum e ON e.enumtypid = t.oid
        JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public'
       GROUP BY t.typname`);
    await add(`SELECT format('extension %s', extname) AS line FROM pg_extension`);
    return lines.sort();
  } finally {
    await client.end();
  }
}

/** Lines in one catalog and not the other, ready to read; null when they agree. */
export function catalogDifference(
  left: { label: string; lines: readonly string[] },
  right: { label: string; lines: readonly string[] },
): string | null {
  const rightSet = new Set(right.lines);
  const leftSet = new Set(left.lines);
  const onlyLeft = left.lines.filter((line) => !rightSet.has(line));
  const onlyRight = right.lines.filter((line) => !leftSet.has(line));
  if (onlyLeft.length === 0 && onlyRight.length === 0) return null;
  const section = (label: string, lines: string[]) =>
    lines.length ? [`only in ${label}:`, ...lines.map((line) => `  ${line}`)] : [];
  return [...section(left.label, onlyLeft), ...section(right.label, onlyRight)].join('\n');
}
