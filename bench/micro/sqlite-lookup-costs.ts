/**
 * What one SQLite key lookup is made of, on this host: the WAL read lock, the row objects, the read.
 * Not a `bench/run.ts` scenario (no target of its own): the evidence behind the snapshot reader and the
 * array rows of src/store/sql/dialects/ (docs/performance.md). Interleaves the variants over several
 * rounds in one process and prints the median µs per lookup of each.
 *
 *   npx tsx bench/micro/sqlite-lookup-costs.ts [--rounds 5] [--lookups 100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { rowReader } from '../../src/store/sql/dialects/sqlite-rows.js';
import { KEY_COLUMNS } from '../../src/store/sql/key-rows.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, lookups: { type: 'string', default: '100000' } } });
const rounds = Number(values.rounds);
const lookups = Number(values.lookups);
const KEYS = 10_000;

const dir = mkdtempSync(join(tmpdir(), 'ks-lookup-'));
const db = new BetterSqlite3(join(dir, 'k.db'));
db.pragma('journal_mode = WAL');
db.pragma('mmap_size = 268435456');
const columns = ['project_id', ...KEY_COLUMNS];
db.exec(`CREATE TABLE api_keys (${columns.join(', ')}, PRIMARY KEY (project_id, key_id))`);
const insert = db.prepare(`INSERT INTO api_keys VALUES (${columns.map(() => '?').join(', ')})`);
db.transaction(() => {
  for (let i = 0; i < KEYS; i++) {
    const row: unknown[] = columns.map((c) => (c.endsWith('_at') || c.startsWith('rate_limit_q') ? Date.now() : `${c}-${i}`));
    row[0] = 'project';
    row[1] = keyId(i);
    insert.run(...row);
  }
})();

function keyId(i: number): string {
  return `0190a0a0-0000-7000-8000-${String(i % KEYS).padStart(12, '0')}`;
}

const byId = `SELECT ${KEY_COLUMNS.join(', ')} FROM api_keys WHERE project_id = ? AND key_id = ?`;
const objects = db.prepare(byId);
const arrays = rowReader(db.prepare(byId));
const oneColumn = db.prepare('SELECT kind FROM api_keys WHERE project_id = ? AND key_id = ?');

const variants: Record<string, { inTransaction: boolean; op: (i: number) => unknown }> = {
  'objects (driver), autocommit read': { inTransaction: false, op: (i) => objects.all('project', keyId(i)) },
  'arrays + literal (rowReader), autocommit': { inTransaction: false, op: (i) => arrays(['project', keyId(i)]) },
  'objects (driver), in a read snapshot': { inTransaction: true, op: (i) => objects.all('project', keyId(i)) },
  'arrays + literal, in a read snapshot': { inTransaction: true, op: (i) => arrays(['project', keyId(i)]) },
  'one column, autocommit (reference)': { inTransaction: false, op: (i) => oneColumn.get('project', keyId(i)) },
  'one column, in a read snapshot (reference)': { inTransaction: true, op: (i) => oneColumn.get('project', keyId(i)) },
};
const results = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));

for (let r = 0; r < rounds; r++) {
  for (const [name, v] of Object.entries(variants)) {
    if (v.inTransaction) db.exec('BEGIN');
    for (let i = 0; i < 5_000; i++) v.op(i);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < lookups; i++) v.op(i);
    results.get(name)?.push(Number(process.hrtime.bigint() - t0) / 1000 / lookups);
    if (v.inTransaction) db.exec('COMMIT');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| Lookup of one key row (${KEY_COLUMNS.length} columns, ${KEYS.toLocaleString('en-US')} rows) | µs (median of ${rounds}) | rounds min–max |`);
console.log('|---|---:|---:|');
for (const [name, xs] of results) {
  console.log(`| ${name} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} |`);
}
db.close();
rmSync(dir, { recursive: true, force: true });
