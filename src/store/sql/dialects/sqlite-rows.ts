import type BetterSqlite3 from 'better-sqlite3';

/** Runs a prepared read statement with its parameters and returns its rows as plain objects. */
export type RowReader = (parameters: readonly unknown[]) => unknown[];

/**
 * Rows of a read statement as objects, built faster than better-sqlite3 builds them. The driver sets
 * each column on a fresh object by name through the V8 API, which for the 21 columns of a key row costs
 * more than the rest of the lookup (docs/performance.md: 22.0 → 12.7 µs a lookup on one host). Here the
 * statement returns arrays (`raw` mode) and one generated object literal per statement turns each into
 * the same object — same keys, same order, same values — with one hidden class for every row.
 *
 * The literal is generated from the statement's own column names (our SQL, quoted with JSON.stringify).
 * A statement whose columns could not be written as literal keys safely (`__proto__`, which a literal
 * would treat as the prototype, or a repeated name) keeps the driver's objects.
 */
export function rowReader(stmt: BetterSqlite3.Statement): RowReader {
  const names = stmt.columns().map((c) => c.name);
  if (names.includes('__proto__') || new Set(names).size !== names.length) {
    return (parameters) => stmt.all(...parameters);
  }
  const toObject = new Function('r', `return {${names.map((n, i) => `${JSON.stringify(n)}: r[${i}]`).join(', ')}};`) as (r: unknown[]) => unknown;
  stmt.raw(true);
  return (parameters) => {
    const rows = stmt.all(...parameters) as unknown[][];
    const out = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = toObject(rows[i]);
    return out;
  };
}
