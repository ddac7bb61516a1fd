import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { label, list } from '../lib/types';
import { CopyButton, ErrorBox, Field, useAction } from '../ui/common';

interface VerifyResult {
  is_valid: boolean;
  status?: string;
  error_code?: string;
  error_message?: string;
  [k: string]: unknown;
}

interface Derived {
  token: { token: string; expire_time: string; scopes: string[]; claims: Record<string, unknown> };
}

/** A JWT's header and claims, decoded here for display only (the server's verify is the judgement). */
function decodeJwt(token: string): { header: unknown; claims: unknown } | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[0].startsWith('eyJ')) return null;
  try {
    const dec = (s: string) => JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
    return { header: dec(parts[0]), claims: dec(parts[1]) };
  } catch {
    return null;
  }
}

/** The one word a person looks for: VALID, or the error (REVOKED, NOT_FOUND, EXPIRED, …). */
const verdict = (r: VerifyResult) => (r.is_valid ? 'VALID' : (r.error_code ?? 'INVALID').replace(/^VERIFICATION_ERROR_/, ''));

export function PlaygroundPage() {
  const [credential, setCredential] = useState('');
  const [result, setResult] = useState<VerifyResult | null>(null);
  const verify = useAction(async (c: string) => {
    setResult(await api<VerifyResult>('POST', '/v2alpha1/admin/apiKeys:verify', { credential: c.trim() }));
  });

  const [parent, setParent] = useState('');
  const [algorithm, setAlgorithm] = useState('TOKEN_ALGORITHM_JWT');
  const [ttl, setTtl] = useState('');
  const [scopes, setScopes] = useState('');
  const [claims, setClaims] = useState('');
  const [derived, setDerived] = useState<Derived | null>(null);
  const derive = useAction(async () => {
    let custom: unknown;
    if (claims.trim()) {
      try {
        custom = JSON.parse(claims);
      } catch (e) {
        throw new Error(`Custom claims are not valid JSON: ${(e as Error).message}`);
      }
    }
    const body = { credential: parent.trim(), algorithm, ...(ttl.trim() ? { ttl: ttl.trim() } : {}), scopes: list(scopes), ...(custom ? { custom_claims: custom } : {}) };
    setDerived(await api<Derived>('POST', '/v2alpha1/admin/apiKeys:derive', body));
  });
  const jwt = decodeJwt(credential);

  return (
    <section>
      <h1>Playground</h1>
      <div class="two">
        <form
          aria-label="Verify a credential"
          onSubmit={(e) => {
            e.preventDefault();
            void verify.run(credential);
          }}
        >
          <h2>Verify</h2>
          <Field label="Credential" hint="An issued or imported key, a derived JWT or a macaroon.">
            <textarea name="credential" class="mono" rows={4} value={credential} onInput={(e) => setCredential(e.currentTarget.value)} />
          </Field>
          <button type="submit" disabled={verify.busy || !credential.trim()}>
            Verify
          </button>
          <ErrorBox error={verify.error} />
          {result ? (
            <div class="result" role="status" aria-live="polite">
              <p>
                <span class={`verdict ${result.is_valid ? 'ok' : 'bad'}`} data-testid="verdict">
                  {verdict(result)}
                </span>{' '}
                {result.error_message ?? (result.status ? label(result.status) : '')}
              </p>
              <pre class="mono">{JSON.stringify(result, null, 2)}</pre>
            </div>
          ) : null}
          {jwt ? (
            <div>
              <h3>Decoded JWT (not verified here)</h3>
              <pre class="mono">{JSON.stringify(jwt, null, 2)}</pre>
            </div>
          ) : null}
        </form>
        <form
          aria-label="Derive a token"
          onSubmit={(e) => {
            e.preventDefault();
            void derive.run();
          }}
        >
          <h2>Derive a token</h2>
          <Field label="Parent key">
            <input name="parent" class="mono" value={parent} onInput={(e) => setParent(e.currentTarget.value)} />
          </Field>
          <Field label="Kind">
            <select name="algorithm" value={algorithm} onChange={(e) => setAlgorithm(e.currentTarget.value)}>
              <option value="TOKEN_ALGORITHM_JWT">JWT</option>
              <option value="TOKEN_ALGORITHM_MACAROON">Macaroon</option>
            </select>
          </Field>
          <Field label="Lifetime" hint="Empty: the project's derived-token default (1h unless configured).">
            <input name="derive_ttl" value={ttl} onInput={(e) => setTtl(e.currentTarget.value)} placeholder="15m" />
          </Field>
          <Field label="Scopes" hint="A subset of the parent's; empty = all of them.">
            <input name="derive_scopes" value={scopes} onInput={(e) => setScopes(e.currentTarget.value)} />
          </Field>
          <Field label="Custom claims (JSON object)">
            <textarea name="custom_claims" class="mono" rows={2} value={claims} onInput={(e) => setClaims(e.currentTarget.value)} />
          </Field>
          <button type="submit" disabled={derive.busy || !parent.trim()}>
            Derive
          </button>
          <ErrorBox error={derive.error} />
          {derived ? (
            <div class="result">
              <Field label={`Token (expires ${derived.token.expire_time})`}>
                <textarea class="mono" rows={4} readOnly value={derived.token.token} data-testid="derived" />
              </Field>
              <div class="actions">
                <CopyButton value={derived.token.token} />
                <button
                  type="button"
                  class="secondary"
                  onClick={() => {
                    setCredential(derived.token.token);
                    void verify.run(derived.token.token);
                  }}
                >
                  Verify this token
                </button>
              </div>
              <h3>Claims</h3>
              <pre class="mono" data-testid="claims">
                {JSON.stringify(derived.token.claims, null, 2)}
              </pre>
            </div>
          ) : null}
        </form>
      </div>
    </section>
  );
}
