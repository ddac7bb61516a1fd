import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import type { Session } from '../lib/types';
import { ErrorBox, Field, useAction } from '../ui/common';

/** The token is sent once, to POST /console/session; the server keeps it and sets an HttpOnly cookie. */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const { run, busy, error } = useAction(async () => {
    const s = await api<Session>('POST', '/console/session', { token });
    setToken('');
    location.hash = s.kind === 'operator' ? '#/projects' : `#/p/${s.project_id}/keys`;
    onSignedIn(s);
  });
  return (
    <main class="signin">
      <h1>Keysmith console</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <Field label="Operator token or project API token" hint="The operator token manages every project; a project token (ks_pat_…) manages its own project.">
          <input
            type="password"
            name="token"
            autoComplete="off"
            required
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            data-testid="token"
          />
        </Field>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy || !token}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="hint">The token stays on the server for this session; the browser keeps only an HttpOnly session cookie.</p>
    </main>
  );
}
