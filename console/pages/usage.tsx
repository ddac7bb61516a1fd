import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../lib/api';
import { Empty, ErrorBox, Field, Loading, useAction } from '../ui/common';

interface Usage {
  active_keys: number;
  max_active_keys: number | null;
  verifications: { minute: string; valid: number; invalid: number }[];
}

interface AuditEvent {
  id: string;
  time: string;
  action: string;
  actor: string;
  key_id?: string | null;
  reason?: string | null;
  request_id?: string | null;
  details?: Record<string, unknown>;
}

/** Verifications per minute as SVG bars (attributes only: the CSP allows no inline style). */
function Chart({ data }: { data: Usage['verifications'] }) {
  const max = Math.max(1, ...data.map((d) => d.valid + d.invalid));
  const w = 600;
  const h = 120;
  const bw = w / data.length;
  const total = data.reduce((s, d) => s + d.valid + d.invalid, 0);
  return (
    <figure>
      <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label={`Verifications per minute, last hour: ${total} in total`} class="chart">
        {data.map((d, i) => {
          const vh = (d.valid / max) * h;
          const ih = (d.invalid / max) * h;
          return (
            <g key={d.minute}>
              <title>{`${d.minute.slice(11, 16)} — ${d.valid} valid, ${d.invalid} invalid`}</title>
              <rect x={i * bw + 1} y={h - vh} width={bw - 2} height={vh} class="valid" />
              <rect x={i * bw + 1} y={h - vh - ih} width={bw - 2} height={ih} class="invalid" />
            </g>
          );
        })}
      </svg>
      <div class="axis" aria-hidden="true">
        <span>60 min ago</span>
        <span>now</span>
      </div>
      <figcaption>
        Verifications per minute on this server, last hour ({total} total): <span class="key valid">valid</span> <span class="key invalid">invalid</span>
      </figcaption>
    </figure>
  );
}

export function UsagePage({ project, operator }: { project: string; operator: boolean }) {
  const [usage, setUsage] = useState<Usage | null>(null);
  const load = useAction(async () => setUsage(await api<Usage>('GET', '/console/api/usage')));
  useEffect(() => {
    void load.run();
  }, []);
  return (
    <section>
      <h1>Usage & audit</h1>
      <ErrorBox error={load.error} />
      {usage === null ? (
        load.error ? null : (
          <Loading what="Loading usage" />
        )
      ) : (
        <>
          <h2>Quota</h2>
          <p>
            <label for="quota">
              {usage.active_keys} active keys{usage.max_active_keys === null ? ' (this plan has no limit)' : ` of ${usage.max_active_keys} allowed by the plan`}
            </label>
          </p>
          {usage.max_active_keys !== null ? (
            <meter id="quota" min={0} max={usage.max_active_keys} high={usage.max_active_keys * 0.9} value={usage.active_keys} class="quota" />
          ) : null}
          <h2>Verifications</h2>
          <Chart data={usage.verifications} />
          <button type="button" class="secondary" onClick={() => load.run()}>
            Refresh
          </button>
        </>
      )}
      {operator ? <AuditLog project={project} /> : <p class="hint">The audit log is available to the operator.</p>}
    </section>
  );
}

function AuditLog({ project }: { project: string }) {
  const [action, setAction] = useState('');
  const [keyId, setKeyId] = useState('');
  const [actor, setActor] = useState('');
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [next, setNext] = useState('');
  const load = useAction(async (token?: string) => {
    const r = await api<{ audit_events: AuditEvent[]; next_page_token: string }>(
      'GET',
      `/operator/v1/projects/${encodeURIComponent(project)}/auditEvents${qs({ page_size: 50, page_token: token, action: action.trim(), key_id: keyId.trim(), actor: actor.trim() })}`,
    );
    setEvents((old) => (token && old ? [...old, ...r.audit_events] : r.audit_events));
    setNext(r.next_page_token);
  });
  useEffect(() => {
    void load.run();
  }, []);
  return (
    <div>
      <h2>Audit log</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load.run();
        }}
      >
        <Field label="Action">
          <input name="audit_action" value={action} onInput={(e) => setAction(e.currentTarget.value)} placeholder="key.revoke" />
        </Field>
        <Field label="Key id">
          <input name="audit_key" value={keyId} onInput={(e) => setKeyId(e.currentTarget.value)} />
        </Field>
        <Field label="Actor">
          <input name="audit_actor" value={actor} onInput={(e) => setActor(e.currentTarget.value)} placeholder="operator, token:<id>" />
        </Field>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={load.error} />
      {events === null ? (
        <Loading what="Loading the audit log" />
      ) : events.length === 0 ? (
        <Empty>No audit events match.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="audit">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Key</th>
                <th scope="col">Reason</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>{e.time.replace('T', ' ').slice(0, 19)}</td>
                  <td>{e.action}</td>
                  <td class="mono">{e.actor}</td>
                  <td class="mono">{e.key_id ?? ''}</td>
                  <td>{e.reason ?? ''}</td>
                  <td class="mono">{e.details && Object.keys(e.details).length ? JSON.stringify(e.details) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next ? (
        <button type="button" class="secondary" onClick={() => load.run(next)} disabled={load.busy}>
          Older events
        </button>
      ) : null}
    </div>
  );
}
