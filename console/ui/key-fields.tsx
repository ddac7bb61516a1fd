import type { ApiKey } from '../lib/types';
import { list } from '../lib/types';
import { Field } from './common';

/** The editable fields of a key, as form strings. */
export interface KeyFieldValues {
  name: string;
  scopes: string;
  metadata: string;
  cidrs: string;
  quota: string;
  window: string;
}

export const emptyFields = (): KeyFieldValues => ({ name: '', scopes: '', metadata: '', cidrs: '', quota: '', window: '' });

export const fieldsOf = (k: ApiKey): KeyFieldValues => ({
  name: k.name,
  scopes: k.scopes.join(', '),
  metadata: Object.keys(k.metadata ?? {}).length ? JSON.stringify(k.metadata, null, 2) : '',
  cidrs: (k.ip_restriction?.allowed_cidrs ?? []).join(', '),
  quota: k.rate_limit_policy?.quota ?? '',
  window: k.rate_limit_policy?.window ?? '',
});

/** Metadata must be a JSON object: checked here so the person sees where, before anything is sent. */
export function metadataError(text: string): string | null {
  if (!text.trim()) return null;
  try {
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'Metadata must be a JSON object, e.g. {"team": "payments"}.';
    if (JSON.stringify(v).length > 4096) return 'Metadata is larger than 4 KB.';
    return null;
  } catch (e) {
    return `Metadata is not valid JSON: ${(e as Error).message}`;
  }
}

/** API body fields; throws a readable Error on invalid input. Empty fields are sent empty (on update they clear). */
export function toBody(v: KeyFieldValues): Record<string, unknown> {
  const bad = metadataError(v.metadata);
  if (bad) throw new Error(bad);
  if ((v.quota === '') !== (v.window === '')) throw new Error('A rate limit needs both a quota and a window (or neither).');
  if (v.quota && !/^[1-9]\d*$/.test(v.quota)) throw new Error('The rate-limit quota must be a positive whole number.');
  return {
    name: v.name.trim(),
    scopes: list(v.scopes),
    metadata: v.metadata.trim() ? JSON.parse(v.metadata) : {},
    ip_restriction: { allowed_cidrs: list(v.cidrs) },
    ...(v.quota ? { rate_limit_policy: { quota: v.quota, window: v.window.trim() } } : {}),
  };
}

export function KeyFields({ values, onChange }: { values: KeyFieldValues; onChange: (v: KeyFieldValues) => void }) {
  const set = (k: keyof KeyFieldValues) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => onChange({ ...values, [k]: e.currentTarget.value });
  const metaErr = metadataError(values.metadata);
  return (
    <>
      <Field label="Name">
        <input name="name" value={values.name} onInput={set('name')} />
      </Field>
      <Field label="Scopes" hint="Separated by commas or spaces.">
        <input name="scopes" value={values.scopes} onInput={set('scopes')} placeholder="read:orders, write:orders" />
      </Field>
      <Field label="Metadata (JSON object)" hint={metaErr ?? 'Up to 4 KB; copied into derived tokens.'}>
        <textarea
          name="metadata"
          class="mono"
          rows={3}
          value={values.metadata}
          onInput={set('metadata')}
          aria-invalid={metaErr ? 'true' : undefined}
          placeholder='{"team": "payments"}'
        />
      </Field>
      <Field label="Allowed IP ranges (CIDRs)" hint="Empty: any address. Separated by commas or spaces.">
        <input name="cidrs" value={values.cidrs} onInput={set('cidrs')} placeholder="10.0.0.0/8, 2001:db8::/32" />
      </Field>
      <div class="row">
        <Field label="Rate limit: requests">
          <input name="quota" inputMode="numeric" value={values.quota} onInput={set('quota')} placeholder="100" />
        </Field>
        <Field label="per window">
          <input name="window" value={values.window} onInput={set('window')} placeholder="60s" />
        </Field>
      </div>
    </>
  );
}
