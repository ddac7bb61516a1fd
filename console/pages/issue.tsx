import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import type { ApiKey } from '../lib/types';
import { ErrorBox, Field, SecretOnce, useAction } from '../ui/common';
import { emptyFields, KeyFields, toBody } from '../ui/key-fields';

const TTL_PRESETS: [string, string][] = [
  ['', 'Project default'],
  ['1h', '1 hour'],
  ['1d', '1 day'],
  ['1w', '1 week'],
  ['30d', '30 days'],
  ['90d', '90 days'],
  ['1y', '1 year'],
  ['custom', 'Custom…'],
];

/** Every option of POST issuedApiKeys; the secret is shown once, then only the key's id remains. */
export function IssuePage() {
  const [fields, setFields] = useState(emptyFields());
  const [actor, setActor] = useState('');
  const [ttl, setTtl] = useState('');
  const [customTtl, setCustomTtl] = useState('');
  const [visibility, setVisibility] = useState('KEY_VISIBILITY_SECRET');
  const [requestId, setRequestId] = useState('');
  const [issued, setIssued] = useState<{ key: ApiKey; secret?: string } | null>(null);
  const issue = useAction(async () => {
    const body: Record<string, unknown> = { ...toBody(fields), actor_id: actor.trim(), visibility };
    const chosen = ttl === 'custom' ? customTtl.trim() : ttl;
    if (chosen) body.ttl = chosen;
    if (requestId.trim()) body.request_id = requestId.trim();
    const r = await api<{ issued_api_key: ApiKey; secret?: string }>('POST', '/v2alpha1/admin/issuedApiKeys', body);
    setIssued({ key: r.issued_api_key, secret: r.secret });
  });

  if (issued)
    return (
      <section>
        <h1>Key issued</h1>
        <p>
          <strong>{issued.key.name}</strong> for actor <strong>{issued.key.actor_id}</strong>, key id <code>{issued.key.key_id}</code>.
        </p>
        {issued.secret ? (
          <SecretOnce secret={issued.secret} what="key" />
        ) : (
          <p class="warning">This request id was used before: the original key is returned, without its secret.</p>
        )}
        <div class="actions">
          <button
            type="button"
            onClick={() => {
              setIssued(null);
              setFields(emptyFields());
              setRequestId('');
            }}
          >
            Issue another key
          </button>
          <a class="button secondary" href={location.hash.replace(/\/issue$/, '/keys')}>
            Back to keys
          </a>
        </div>
      </section>
    );

  return (
    <section>
      <h1>Issue a key</h1>
      <form
        class="grid"
        onSubmit={(e) => {
          e.preventDefault();
          void issue.run();
        }}
      >
        <Field label="Actor (owner)" hint="Who the key belongs to: a service, a CI job, a customer id.">
          <input name="actor_id" required value={actor} onInput={(e) => setActor(e.currentTarget.value)} />
        </Field>
        <KeyFields values={fields} onChange={setFields} />
        <fieldset>
          <legend>Lifetime</legend>
          <div class="chips">
            {TTL_PRESETS.map(([v, t]) => (
              <label key={v} class="chip">
                <input type="radio" name="ttl" value={v} checked={ttl === v} onChange={() => setTtl(v)} /> {t}
              </label>
            ))}
          </div>
          {ttl === 'custom' ? (
            <Field label="Custom lifetime" hint='A duration: "3600s", "36h", "2w", "6mo"… (1 s to the project maximum).'>
              <input name="custom_ttl" required value={customTtl} onInput={(e) => setCustomTtl(e.currentTarget.value)} />
            </Field>
          ) : null}
        </fieldset>
        <Field label="Visibility" hint="Public keys use the project's public prefix (for keys that may appear in browsers or apps).">
          <select name="visibility" value={visibility} onChange={(e) => setVisibility(e.currentTarget.value)}>
            <option value="KEY_VISIBILITY_SECRET">Secret</option>
            <option value="KEY_VISIBILITY_PUBLIC">Public</option>
          </select>
        </Field>
        <Field label="Request id (optional)" hint="Idempotency: the same id returns the original key instead of a second one. ≤ 36 characters.">
          <input name="request_id" maxLength={36} value={requestId} onInput={(e) => setRequestId(e.currentTarget.value)} />
        </Field>
        <ErrorBox error={issue.error} />
        <div class="actions">
          <button type="submit" disabled={issue.busy || !actor.trim() || !fields.name.trim()}>
            {issue.busy ? 'Issuing…' : 'Issue key'}
          </button>
        </div>
      </form>
    </section>
  );
}
