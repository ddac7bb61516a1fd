import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, qs } from '../lib/api';
import { type ApiKey, type KeyKind, label, STATUSES, when } from '../lib/types';
import { Empty, ErrorBox, Field, Loading, useAction } from '../ui/common';
import { KeyActions, type KeyAction } from './key-actions';

const path = (kind: KeyKind) => (kind === 'issued' ? '/v2alpha1/admin/issuedApiKeys' : '/v2alpha1/admin/importedApiKeys');

/** AIP-160 subset the API accepts: actor_id="…" AND status=KEY_STATUS_…; quotes and backslashes escaped. */
function filterOf(actor: string, status: string): string {
  const parts: string[] = [];
  if (actor.trim()) parts.push(`actor_id="${actor.trim().replace(/["\\]/g, (c) => `\\${c}`)}"`);
  if (status) parts.push(`status=${status}`);
  return parts.join(' AND ');
}

/** Issued and imported keys: filter, keyset pages (next/previous via a stack of page tokens), row actions. */
export function KeysPage() {
  const [kind, setKind] = useState<KeyKind>('issued');
  const [actor, setActor] = useState('');
  const [status, setStatus] = useState('');
  const [applied, setApplied] = useState({ actor: '', status: '' });
  const [pageSize, setPageSize] = useState(50);
  const [tokens, setTokens] = useState<string[]>(['']);
  const [rows, setRows] = useState<ApiKey[] | null>(null);
  const [next, setNext] = useState('');
  const [action, setAction] = useState<{ kind: KeyAction; key: ApiKey } | null>(null);

  const load = useAction(async () => {
    const r = await api<Record<string, unknown>>(
      'GET',
      `${path(kind)}${qs({ page_size: pageSize, page_token: tokens[tokens.length - 1], filter: filterOf(applied.actor, applied.status) })}`,
    );
    setRows((r[kind === 'issued' ? 'issued_api_keys' : 'imported_api_keys'] as ApiKey[]) ?? []);
    setNext((r.next_page_token as string) ?? '');
  });
  useEffect(() => {
    setRows(null);
    void load.run();
  }, [kind, applied, tokens, pageSize]);

  const switchTab = (k: KeyKind) => {
    setKind(k);
    setTokens(['']);
  };

  return (
    <section>
      <h1>Keys</h1>
      <div class="tabs" role="tablist" aria-label="Key type">
        {(['issued', 'imported'] as const).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={kind === k} class={kind === k ? 'tab active' : 'tab'} onClick={() => switchTab(k)}>
            {k === 'issued' ? 'Issued keys' : 'Imported keys'}
          </button>
        ))}
      </div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ actor, status });
          setTokens(['']);
        }}
      >
        <Field label="Actor">
          <input name="actor" value={actor} onInput={(e) => setActor(e.currentTarget.value)} placeholder="any actor" />
        </Field>
        <Field label="Status">
          <select name="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Per page">
          <select
            name="page_size"
            value={String(pageSize)}
            onChange={(e) => {
              setPageSize(Number(e.currentTarget.value));
              setTokens(['']);
            }}
          >
            {[25, 50, 100, 500, 1000].map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit">Apply filter</button>
      </form>
      <ErrorBox error={load.error} />
      {rows === null ? (
        <Loading what="Loading keys" />
      ) : rows.length === 0 ? (
        <Empty>
          {applied.actor || applied.status
            ? 'No keys match this filter.'
            : kind === 'issued'
              ? 'No issued keys yet. Issue one from "Issue a key".'
              : 'No imported keys yet. Bring keys from another system on the "Import" page.'}
        </Empty>
      ) : (
        <KeyTable rows={rows} kind={kind} busy={load.busy} onAction={setAction} />
      )}
      <div class="pager">
        <button type="button" class="secondary" disabled={tokens.length <= 1 || load.busy} onClick={() => setTokens(tokens.slice(0, -1))}>
          ← Previous
        </button>
        <span>Page {tokens.length}</span>
        <button type="button" class="secondary" disabled={!next || load.busy} onClick={() => setTokens([...tokens, next])}>
          Next →
        </button>
      </div>
      {action ? (
        <KeyActions
          action={action.kind}
          keyRecord={action.key}
          kindPath={path(kind)}
          onClose={() => setAction(null)}
          onChanged={() => {
            void load.run();
          }}
        />
      ) : null}
    </section>
  );
}

type OnAction = (a: { kind: KeyAction; key: ApiKey }) => void;

/** Rows kept in the DOM beyond the visible ones, above and below. */
const OVERSCAN = 10;

/**
 * The key table, windowed: only the rows in view (plus OVERSCAN) exist in the DOM; spacer rows keep the
 * scroll height. Rows have one fixed height (no wrapping; the full values are in "View"), measured
 * from the first rendered row. A 1000-row page rendered whole froze Chromium for ≈ 0.6 s on the
 * benchmark machine (bench/console.ts); windowed, a page or a scroll step renders ≈ 40 rows.
 */
function KeyTable({ rows, kind, busy, onAction }: { rows: ApiKey[]; kind: KeyKind; busy: boolean; onAction: OnAction }) {
  const wrap = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600, rowH: 41 });
  const frame = useRef(0);
  const measure = () => {
    const el = wrap.current;
    if (!el) return;
    const first = el.querySelector('tbody tr[data-key-id]');
    const rowH = first ? first.getBoundingClientRect().height || 41 : 41;
    setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight && v.rowH === rowH ? v : { top: el.scrollTop, height: el.clientHeight, rowH }));
  };
  useLayoutEffect(() => {
    if (wrap.current) wrap.current.scrollTop = 0; // a new page starts at its top
    measure();
  }, [rows]);
  useEffect(() => {
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, []);
  const onScroll = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(measure);
  };
  const start = Math.max(0, Math.floor(view.top / view.rowH) - OVERSCAN);
  const end = Math.min(rows.length, Math.ceil((view.top + view.height) / view.rowH) + OVERSCAN);
  return (
    <div class="table-wrap scroll" ref={wrap} onScroll={onScroll}>
      <table class="keys" aria-busy={busy ? 'true' : 'false'} aria-rowcount={rows.length + 1}>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">Status</th>
            <th scope="col">Name</th>
            <th scope="col">Actor</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {start > 0 ? <tr class="spacer" aria-hidden="true" style={{ height: `${start * view.rowH}px` }} /> : null}
          {rows.slice(start, end).map((k, i) => (
            <KeyRow key={k.key_id} k={k} index={start + i} kind={kind} onAction={onAction} />
          ))}
          {end < rows.length ? <tr class="spacer" aria-hidden="true" style={{ height: `${(rows.length - end) * view.rowH}px` }} /> : null}
        </tbody>
      </table>
    </div>
  );
}

function KeyRow({ k, index, kind, onAction }: { k: ApiKey; index: number; kind: KeyKind; onAction: OnAction }) {
  return (
    <tr data-key-id={k.key_id} aria-rowindex={index + 2}>
      <td>
        <span class={`badge ${k.status === 'KEY_STATUS_ACTIVE' ? 'ok' : 'bad'}`}>{label(k.status)}</span>
      </td>
      <td>{k.name}</td>
      <td>{k.actor_id}</td>
      <td class="scopes">{k.scopes.join(' ')}</td>
      <td>{when(k.create_time)}</td>
      <td>{when(k.expire_time)}</td>
      <td>{when(k.last_used_time)}</td>
      <td class="row-actions">
        <button type="button" class="link" onClick={() => onAction({ kind: 'view', key: k })} aria-label={`View ${k.name}`}>
          View
        </button>
        {k.status === 'KEY_STATUS_ACTIVE' ? (
          <>
            <button type="button" class="link" onClick={() => onAction({ kind: 'edit', key: k })} aria-label={`Edit ${k.name}`}>
              Edit
            </button>
            {kind === 'issued' ? (
              <button type="button" class="link" onClick={() => onAction({ kind: 'rotate', key: k })} aria-label={`Rotate ${k.name}`}>
                Rotate
              </button>
            ) : null}
            <button type="button" class="link danger" onClick={() => onAction({ kind: 'revoke', key: k })} aria-label={`Revoke ${k.name}`}>
              Revoke
            </button>
          </>
        ) : null}
        {kind === 'imported' ? (
          <button type="button" class="link danger" onClick={() => onAction({ kind: 'delete', key: k })} aria-label={`Delete ${k.name}`}>
            Delete
          </button>
        ) : null}
      </td>
    </tr>
  );
}
