import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { list } from '../lib/types';
import { ErrorBox, Field, Loading, useAction } from '../ui/common';
import { Confirm } from '../ui/dialog';

interface Config {
  api_keys: { prefix: { current: string; retired: string[]; public_current: string; public_retired: string[] }; default_ttl: string; max_ttl: string };
  credentials: { issuer: string; clock_skew: string };
  derived_tokens: { default_ttl: string; jwt_algorithm: string; macaroon_prefix: { current: string; retired: string[] } };
  cache: { enabled: boolean; ttl: string };
  rate_limit: { enabled: boolean };
  client_ip: { source: string; trusted_proxies: string[] };
}

interface SigningKey {
  kid: string;
  alg: string;
  state: string;
  create_time: string;
}

/** RFC 7396 merge patch from `before` to `after` (only what changed: an unchanged plan-gated switch is not re-sent). */
function mergePatch(before: unknown, after: unknown): unknown {
  if (typeof after !== 'object' || after === null || Array.isArray(after) || typeof before !== 'object' || before === null) return after;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) {
    const b = (before as Record<string, unknown>)[k];
    if (JSON.stringify(b) === JSON.stringify(v)) continue;
    out[k] = mergePatch(b, v);
  }
  return out;
}

type Rotation = 'hmac' | 'hmac-revoke' | 'signing-graceful' | 'signing-revoke';

const IP_SOURCES = ['REMOTE_ADDR', 'X_FORWARDED_FOR', 'X_REAL_IP', 'CF_CONNECTING_IP', 'TRUE_CLIENT_IP'];

/** What each rotation breaks, said before it happens. */
const ROTATIONS: Record<Rotation, { title: string; confirm: string; text: string }> = {
  'hmac-revoke': {
    title: 'Rotate the HMAC secret and retire the old one now?',
    confirm: 'Rotate HMAC secret and revoke old',
    text: 'Every issued key of this project stops verifying within a second (NOT_FOUND): their checksums were made with the old secret. Every macaroon and every key-list page token breaks too. Imported keys and JWTs are not affected. Use this only after the secret leaked, and re-issue the keys.',
  },
  hmac: {
    title: 'Rotate the HMAC secret?',
    confirm: 'Rotate HMAC secret',
    text: 'New keys get checksums from a new secret; existing keys keep verifying through the retired secret until it expires (if you set a retirement period). Macaroons and list page tokens made with the old secret stop working when it expires.',
  },
  'signing-graceful': {
    title: 'Rotate the signing key (graceful)?',
    confirm: 'Rotate gracefully',
    text: 'New JWTs are signed with a new key. Tokens already issued keep verifying: the old key stays in the JWKS. Nothing breaks.',
  },
  'signing-revoke': {
    title: 'Rotate the signing key and revoke the old one?',
    confirm: 'Rotate and revoke',
    text: 'Every JWT signed with the current key fails verification at once, and the old key leaves the JWKS: relying parties refuse its tokens within about a minute. Use this after a key leak.',
  },
};

export function ConfigPage({ project }: { project: string }) {
  const base = `/operator/v1/projects/${encodeURIComponent(project)}`;
  const [config, setConfig] = useState<Config | null>(null);
  const [original, setOriginal] = useState<Config | null>(null);
  const [keys, setKeys] = useState<SigningKey[]>([]);
  const [saved, setSaved] = useState(false);
  const [retiredTtl, setRetiredTtl] = useState('');
  const [rotation, setRotation] = useState<Rotation | null>(null);
  const [rotated, setRotated] = useState('');
  const load = useAction(async () => {
    const loaded = (await api<{ config: Config }>('GET', `${base}/config`)).config;
    setConfig(loaded);
    setOriginal(loaded);
    setKeys((await api<{ signing_keys: SigningKey[] }>('GET', `${base}/signingKeys`)).signing_keys);
  });
  useEffect(() => {
    void load.run();
  }, []);
  const save = useAction(async (c: Config) => {
    setSaved(false);
    const updated = (await api<{ config: Config }>('PATCH', `${base}/config`, mergePatch(original, c))).config;
    setConfig(updated);
    setOriginal(updated);
    setSaved(true);
  });
  const rotate = useAction(async (r: Rotation) => {
    if (r === 'hmac') await api('POST', `${base}/hmacSecrets:rotate`, retiredTtl.trim() ? { retired_ttl: retiredTtl.trim() } : {});
    // The shortest retirement the API takes: the old secret is gone a second later.
    else if (r === 'hmac-revoke') await api('POST', `${base}/hmacSecrets:rotate`, { retired_ttl: '1s' });
    else setKeys((await api<{ signing_keys: SigningKey[] }>('POST', `${base}/signingKeys:rotate`, { mode: r === 'signing-revoke' ? 'revoke' : 'graceful' })).signing_keys);
    setRotated(ROTATIONS[r].confirm.replace(/^Rotate/, 'Rotated'));
    setRotation(null);
  });

  if (!config) return load.error ? <ErrorBox error={load.error} /> : <Loading what="Loading configuration" />;
  const c = config;
  const edit = (f: (draft: Config) => void) => {
    const draft = structuredClone(c);
    f(draft);
    setConfig(draft);
    setSaved(false);
  };
  const text = (get: (c: Config) => string, set: (d: Config, v: string) => void) => ({
    value: get(c),
    onInput: (e: { currentTarget: HTMLInputElement }) => {
      const v = e.currentTarget.value;
      edit((d) => set(d, v));
    },
  });

  return (
    <section>
      <h1>Configuration</h1>
      <form
        class="grid"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run(c);
        }}
      >
        <fieldset>
          <legend>Key prefixes</legend>
          <Field label="Current prefix">
            <input name="prefix" {...text((x) => x.api_keys.prefix.current, (d, v) => (d.api_keys.prefix.current = v))} />
          </Field>
          <Field label="Retired prefixes" hint="Keys with these prefixes keep verifying.">
            <input {...text((x) => x.api_keys.prefix.retired.join(', '), (d, v) => (d.api_keys.prefix.retired = list(v)))} />
          </Field>
          <Field label="Public prefix">
            <input {...text((x) => x.api_keys.prefix.public_current, (d, v) => (d.api_keys.prefix.public_current = v))} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>Lifetimes</legend>
          <Field label="Default key lifetime">
            <input name="default_ttl" {...text((x) => x.api_keys.default_ttl, (d, v) => (d.api_keys.default_ttl = v))} />
          </Field>
          <Field label="Maximum key lifetime">
            <input name="max_ttl" {...text((x) => x.api_keys.max_ttl, (d, v) => (d.api_keys.max_ttl = v))} />
          </Field>
          <Field label="Clock skew allowed" hint="At most 10m.">
            <input {...text((x) => x.credentials.clock_skew, (d, v) => (d.credentials.clock_skew = v))} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>Derived tokens</legend>
          <Field label="Default token lifetime">
            <input name="derived_ttl" {...text((x) => x.derived_tokens.default_ttl, (d, v) => (d.derived_tokens.default_ttl = v))} />
          </Field>
          <Field label="Algorithm of the next signing key">
            <select value={c.derived_tokens.jwt_algorithm} onChange={(e) => edit((d) => (d.derived_tokens.jwt_algorithm = e.currentTarget.value))}>
              {['EdDSA', 'ES256', 'RS256'].map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </Field>
          <Field label="Issuer">
            <input {...text((x) => x.credentials.issuer, (d, v) => (d.credentials.issuer = v))} />
          </Field>
          <Field label="Macaroon prefix">
            <input {...text((x) => x.derived_tokens.macaroon_prefix.current, (d, v) => (d.derived_tokens.macaroon_prefix.current = v))} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>Caching and rate limiting</legend>
          <label class="check">
            <input type="checkbox" checked={c.cache.enabled} onChange={(e) => edit((d) => (d.cache.enabled = e.currentTarget.checked))} /> Cache verify results
          </label>
          <Field label="Cache lifetime">
            <input {...text((x) => x.cache.ttl, (d, v) => (d.cache.ttl = v))} />
          </Field>
          <label class="check">
            <input type="checkbox" checked={c.rate_limit.enabled} onChange={(e) => edit((d) => (d.rate_limit.enabled = e.currentTarget.checked))} /> Enforce
            per-key rate limits
          </label>
        </fieldset>
        <fieldset>
          <legend>Client IP</legend>
          <Field label="Source" hint="Trust a forwarding header only behind a proxy that sets it.">
            <select value={c.client_ip.source} onChange={(e) => edit((d) => (d.client_ip.source = e.currentTarget.value))}>
              {IP_SOURCES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </Field>
          <Field label="Trusted proxies (CIDRs)">
            <input {...text((x) => x.client_ip.trusted_proxies.join(', '), (d, v) => (d.client_ip.trusted_proxies = list(v)))} />
          </Field>
        </fieldset>
        <ErrorBox error={save.error} />
        {saved ? (
          <p class="success" role="status">
            Configuration saved.
          </p>
        ) : null}
        <div class="actions">
          <button type="submit" disabled={save.busy}>
            Save configuration
          </button>
        </div>
      </form>

      <h2>Secrets and signing keys</h2>
      <div class="table-wrap">
        <table>
          <caption>Signing keys</caption>
          <thead>
            <tr>
              <th scope="col">Key id</th>
              <th scope="col">Algorithm</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.kid}>
                <td class="mono">{k.kid}</td>
                <td>{k.alg}</td>
                <td>{k.state}</td>
                <td>{k.create_time}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="actions wrap">
        <button type="button" class="secondary" onClick={() => setRotation('signing-graceful')}>
          Rotate signing key (graceful)
        </button>
        <button type="button" class="danger" onClick={() => setRotation('signing-revoke')}>
          Rotate signing key and revoke old
        </button>
        <button type="button" class="secondary" onClick={() => setRotation('hmac')}>
          Rotate HMAC secret (graceful)
        </button>
        <button type="button" class="danger" onClick={() => setRotation('hmac-revoke')}>
          Rotate HMAC secret and revoke old
        </button>
      </div>
      {rotated ? (
        <p class="success" role="status">
          {rotated}.
        </p>
      ) : null}
      {rotation ? (
        <Confirm title={ROTATIONS[rotation].title} confirm={ROTATIONS[rotation].confirm} onConfirm={() => rotate.run(rotation)} onClose={() => setRotation(null)} busy={rotate.busy}>
          <p>{ROTATIONS[rotation].text}</p>
          {rotation === 'hmac' ? (
            <Field label="Retire the old secret after" hint="Empty: the retired secret never expires (old keys verify forever).">
              <input name="retired_ttl" value={retiredTtl} onInput={(e) => setRetiredTtl(e.currentTarget.value)} placeholder="30d" />
            </Field>
          ) : null}
          <ErrorBox error={rotate.error} />
        </Confirm>
      ) : null}
    </section>
  );
}
