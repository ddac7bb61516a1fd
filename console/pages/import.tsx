import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { formatOf, type ImportKeyRequest, parseFile, parsePasted, type SourceEntry } from '../lib/import-parse';
import { Empty, ErrorBox, Field, useAction } from '../ui/common';

interface RowResult {
  line: number;
  ok: boolean;
  code: string;
  message: string;
  keyId?: string;
}

interface BatchResult {
  index: number;
  imported_api_key?: { key_id: string };
  error_code?: string;
  error_message?: string;
}

/** Items per batchCreate call: the API takes 1–1000; 500 keeps a body of large items under 1 MiB. */
const BATCH = 500;

/** Sends the valid entries in batches; every line gets a result (parse error, API error or the new key id). */
async function importEntries(entries: SourceEntry[], progress: (done: number) => void): Promise<RowResult[]> {
  const results: RowResult[] = [];
  const good: { line: number; item: ImportKeyRequest }[] = [];
  for (const e of entries) {
    if ('item' in e) good.push(e);
    else results.push({ line: e.line, ok: false, code: e.error_code, message: e.error_message });
  }
  for (let i = 0; i < good.length; i += BATCH) {
    const chunk = good.slice(i, i + BATCH);
    try {
      const r = await api<{ results: BatchResult[] }>('POST', '/v2alpha1/admin/importedApiKeys:batchCreate', { requests: chunk.map((c) => c.item) });
      for (const x of r.results) {
        const line = chunk[x.index].line;
        results.push(
          x.imported_api_key
            ? { line, ok: true, code: 'IMPORTED', message: '', keyId: x.imported_api_key.key_id }
            : { line, ok: false, code: x.error_code ?? 'ERROR', message: x.error_message ?? '' },
        );
      }
    } catch (e) {
      // All items of the batch failed: the API answers the dominant error; every line of it carries it.
      for (const c of chunk) results.push({ line: c.line, ok: false, code: (e as { reason?: string }).reason ?? 'ERROR', message: (e as Error).message });
    }
    progress(Math.min(i + BATCH, good.length));
  }
  return results.sort((a, b) => a.line - b.line);
}

/** Paste JSON or upload CSV / JSON Lines (the `keysmith keys import` formats); per-row results. */
export function ImportPage() {
  const [pasted, setPasted] = useState('');
  const [results, setResults] = useState<RowResult[] | null>(null);
  const [progress, setProgress] = useState('');
  const run = useAction(async (entries: SourceEntry[]) => {
    setResults(null);
    if (!entries.length) throw new Error('There is nothing to import: the input has no rows.');
    setResults(await importEntries(entries, (n) => setProgress(`${n} of ${entries.length} sent`)));
    setProgress('');
  });
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    const format = formatOf(file.name);
    if (!format) return run.setError(new Error('Upload a .csv, .jsonl or .ndjson file.'));
    const text = await file.text();
    let entries: SourceEntry[];
    try {
      entries = parseFile(text, format);
    } catch (e) {
      return run.setError(e); // a bad CSV header: nothing is sent
    }
    await run.run(entries);
  };
  const ok = results?.filter((r) => r.ok).length ?? 0;

  return (
    <section>
      <h1>Import keys</h1>
      <p>
        Bring keys issued by another system. Only a hash of each raw key is stored. The formats are those of <code>keysmith keys import</code>: CSV
        with a header row (<code>raw_key</code> or <code>sha256</code>, <code>name</code>, <code>actor_id</code>, and optionally <code>scopes</code>,{' '}
        <code>ttl</code>, <code>metadata</code>, <code>allowed_cidrs</code>, <code>rate_limit</code>, <code>visibility</code>,{' '}
        <code>request_id</code>) or JSON Lines.
      </p>
      <div class="two">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            try {
              void run.run(parsePasted(pasted));
            } catch (err) {
              run.setError(err);
            }
          }}
        >
          <Field label="Paste JSON" hint='An object, an array of objects, or {"requests": [...]}.'>
            <textarea
              name="json"
              class="mono"
              rows={8}
              value={pasted}
              onInput={(e) => setPasted(e.currentTarget.value)}
              placeholder='[{"raw_key": "sk_live_…", "name": "legacy", "actor_id": "svc-a"}]'
            />
          </Field>
          <button type="submit" disabled={run.busy || !pasted.trim()}>
            Import pasted JSON
          </button>
        </form>
        <div>
          <Field label="Upload CSV or JSON Lines">
            <input
              type="file"
              name="file"
              accept=".csv,.jsonl,.ndjson"
              onChange={(e) => {
                const input = e.currentTarget;
                void onFile(input.files?.[0]).finally(() => {
                  input.value = '';
                });
              }}
            />
          </Field>
        </div>
      </div>
      {run.busy ? (
        <p class="loading" role="status">
          Importing… {progress}
        </p>
      ) : null}
      <ErrorBox error={run.error} />
      {results ? (
        <div role="region" aria-label="Import results">
          <h2>
            Results: {ok} imported, {results.length - ok} failed
          </h2>
          {results.length === 0 ? (
            <Empty>No rows.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="results">
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Result</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {results.map((r) => (
                    <tr key={r.line} class={r.ok ? 'ok' : 'bad'}>
                      <td>{r.line}</td>
                      <td>
                        <span class={`badge ${r.ok ? 'ok' : 'bad'}`}>{r.ok ? 'Imported' : r.code}</span>
                      </td>
                      <td class={r.ok ? 'mono' : undefined}>{r.ok ? r.keyId : r.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      ) : null}
    </section>
  );
}
