import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { when } from '../lib/types';
import { Empty, ErrorBox, Field, Loading, SecretOnce, useAction } from '../ui/common';
import { Confirm } from '../ui/dialog';

interface ApiToken {
  id: string;
  name: string;
  permissions: string[];
  create_time: string;
  expire_time: string | null;
  revoke_time: string | null;
}

const PERMISSIONS: [string, string][] = [
  ['admin', 'Admin: everything'],
  ['read', 'Read: list and get keys'],
  ['verify', 'Verify: verify and derive (gateways)'],
];

/** Project API tokens (ks_pat_…): create (secret shown once), list, revoke. */
export function TokensPage({ project }: { project: string }) {
  const base = `/operator/v1/projects/${encodeURIComponent(project)}/tokens`;
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [name, setName] = useState('');
  const [perms, setPerms] = useState<string[]>(['verify']);
  const [ttl, setTtl] = useState('');
  const [secret, setSecret] = useState('');
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const load = useAction(async () => setTokens((await api<{ tokens: ApiToken[] }>('GET', base)).tokens));
  useEffect(() => {
    void load.run();
  }, []);
  const create = useAction(async () => {
    const r = await api<{ secret: string }>('POST', base, { name: name.trim(), permissions: perms, ...(ttl.trim() ? { ttl: ttl.trim() } : {}) });
    setSecret(r.secret);
    setName('');
    await load.run();
  });
  const revoke = useAction(async (t: ApiToken) => {
    await api('POST', `${base}/${encodeURIComponent(t.id)}:revoke`);
    setRevoking(null);
    await load.run();
  });

  return (
    <section>
      <h1>Project API tokens</h1>
      <ErrorBox error={load.error} />
      {tokens === null ? (
        <Loading what="Loading tokens" />
      ) : tokens.length === 0 ? (
        <Empty>No API tokens. Create one for each service that calls the admin API.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Permissions</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{t.permissions.join(', ')}</td>
                  <td>{when(t.create_time)}</td>
                  <td>{when(t.expire_time ?? undefined)}</td>
                  <td>{t.revoke_time ? <span class="badge bad">Revoked</span> : <span class="badge ok">Active</span>}</td>
                  <td>
                    {t.revoke_time ? null : (
                      <button type="button" class="link danger" onClick={() => setRevoking(t)} aria-label={`Revoke token ${t.name}`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Create a token</h2>
      {secret ? <SecretOnce secret={secret} what="API token" /> : null}
      <form
        class="grid"
        onSubmit={(e) => {
          e.preventDefault();
          setSecret('');
          void create.run();
        }}
      >
        <Field label="Name">
          <input name="token_name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <fieldset>
          <legend>Permissions</legend>
          {PERMISSIONS.map(([p, text]) => (
            <label key={p} class="check">
              <input
                type="checkbox"
                checked={perms.includes(p)}
                onChange={(e) => setPerms(e.currentTarget.checked ? [...perms, p] : perms.filter((x) => x !== p))}
              />{' '}
              {text}
            </label>
          ))}
        </fieldset>
        <Field label="Lifetime (optional)" hint="Empty: never expires.">
          <input name="token_ttl" value={ttl} onInput={(e) => setTtl(e.currentTarget.value)} placeholder="90d" />
        </Field>
        <ErrorBox error={create.error} />
        <div class="actions">
          <button type="submit" disabled={create.busy || !name.trim() || perms.length === 0}>
            Create token
          </button>
        </div>
      </form>
      {revoking ? (
        <Confirm title={`Revoke token ${revoking.name}?`} confirm="Revoke token" onConfirm={() => revoke.run(revoking)} onClose={() => setRevoking(null)} busy={revoke.busy}>
          <p>Every call made with this token is refused from now on (on other nodes within 10 seconds). This cannot be undone.</p>
          <ErrorBox error={revoke.error} />
        </Confirm>
      ) : null}
    </section>
  );
}
