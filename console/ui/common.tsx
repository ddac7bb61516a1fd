import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../lib/api';

/** An API error as a readable message, with its reason for the curious (role=alert: read out at once). */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(error instanceof Error ? error.message : String(error), 0, 'CLIENT');
  return (
    <div class="error" role="alert">
      <strong>{e.message}</strong>
      {e.reason !== 'CLIENT' && e.reason !== 'UNKNOWN' ? <span class="reason"> ({e.reason})</span> : null}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span class="label">{label}</span>
      {children}
      {hint ? <span class="hint">{hint}</span> : null}
    </label>
  );
}

/** Copies to the clipboard; falls back to selecting the text for Ctrl+C where the Clipboard API is refused. */
export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <button type="button" class="secondary" onClick={copy} data-copied={state === 'copied' ? 'yes' : undefined}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select and press Ctrl+C' : label}
    </button>
  );
}

/** A secret shown once: a read-only field, a copy button and a warning that it will not be shown again. */
export function SecretOnce({ secret, what }: { secret: string; what: string }) {
  return (
    <div class="secret" role="region" aria-label={`New ${what}`}>
      <p class="warning">
        <strong>Copy this {what} now.</strong> It is shown only once: Keysmith does not store it and cannot show it again.
      </p>
      <div class="row">
        <input class="mono grow" readOnly value={secret} aria-label={`The new ${what}`} data-testid="secret" onFocus={(e) => e.currentTarget.select()} />
        <CopyButton value={secret} />
      </div>
    </div>
  );
}

/** Runs an async action with loading and error state. */
export function useAction<A extends unknown[], T>(fn: (...args: A) => Promise<T>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (...args: A): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn(...args);
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}
