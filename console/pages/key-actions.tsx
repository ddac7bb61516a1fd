import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { type ApiKey, label, REASONS, when } from '../lib/types';
import { ErrorBox, Field, SecretOnce, useAction } from '../ui/common';
import { Confirm, Dialog } from '../ui/dialog';
import { fieldsOf, KeyFields, toBody } from '../ui/key-fields';

export type KeyAction = 'view' | 'edit' | 'rotate' | 'revoke' | 'delete';

interface Props {
  action: KeyAction;
  keyRecord: ApiKey;
  kindPath: string;
  onClose: () => void;
  onChanged: () => void;
}

const MASK = 'name,scopes,metadata,rate_limit_policy,ip_restriction';

/** View, edit, rotate, revoke (reason + confirmation) and delete (imported) of one key, each in a dialog. */
export function KeyActions({ action, keyRecord: k, kindPath, onClose, onChanged }: Props) {
  const url = `${kindPath}/${encodeURIComponent(k.key_id)}`;
  const [fields, setFields] = useState(fieldsOf(k));
  const [reason, setReason] = useState(REASONS[0]);
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState('');
  const act = useAction(async () => {
    if (action === 'edit') await api('PATCH', `${url}?update_mask=${MASK}`, toBody(fields));
    else if (action === 'revoke')
      await api('POST', `${url}:revoke`, { reason, ...(reason === 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN' && description ? { description } : {}) });
    else if (action === 'delete') await api('DELETE', url);
    else if (action === 'rotate') {
      const r = await api<{ secret: string }>('POST', `${url}:rotate`, {});
      setSecret(r.secret);
      onChanged();
      return;
    }
    onChanged();
    onClose();
  });

  if (action === 'view')
    return (
      <Dialog title={`Key ${k.name}`} onClose={onClose}>
        <dl class="details">
          {(
            [
              ['Key id', k.key_id],
              ['Status', label(k.status)],
              ['Actor', k.actor_id],
              ['Visibility', label(k.visibility)],
              ['Scopes', k.scopes.join(', ') || '—'],
              ['Created', when(k.create_time)],
              ['Updated', when(k.update_time)],
              ['Expires', when(k.expire_time)],
              ['Last used', when(k.last_used_time)],
              ['Rate limit', k.rate_limit_policy ? `${k.rate_limit_policy.quota} per ${k.rate_limit_policy.window}` : 'none'],
              ['Allowed IPs', (k.ip_restriction?.allowed_cidrs ?? []).join(', ') || 'any'],
              ['Revocation', k.revocation_reason ? `${label(k.revocation_reason)} ${k.revocation_description ?? ''}` : '—'],
            ] as const
          ).map(([t, d]) => (
            <div key={t}>
              <dt>{t}</dt>
              <dd class={t === 'Key id' ? 'mono' : undefined}>{d}</dd>
            </div>
          ))}
        </dl>
        <Field label="Metadata">
          <pre class="mono">{JSON.stringify(k.metadata ?? {}, null, 2)}</pre>
        </Field>
      </Dialog>
    );

  if (action === 'edit')
    return (
      <Dialog title={`Edit ${k.name}`} onClose={onClose}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act.run();
          }}
        >
          <KeyFields values={fields} onChange={setFields} />
          <ErrorBox error={act.error} />
          <div class="actions">
            <button type="button" class="secondary" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" disabled={act.busy}>
              Save changes
            </button>
          </div>
        </form>
      </Dialog>
    );

  if (action === 'rotate')
    return secret ? (
      <Dialog title={`Rotated ${k.name}`} onClose={onClose}>
        <p>The old key is revoked (reason: superseded). The new key keeps its name, scopes, metadata and expiry.</p>
        <SecretOnce secret={secret} what="key" />
      </Dialog>
    ) : (
      <Confirm title={`Rotate ${k.name}?`} confirm="Rotate key" onConfirm={() => act.run()} onClose={onClose} busy={act.busy}>
        <p>A new key replaces this one at once. Every caller still using the old key will be refused (REVOKED) from now on.</p>
        <ErrorBox error={act.error} />
      </Confirm>
    );

  if (action === 'delete')
    return (
      <Confirm title={`Delete ${k.name}?`} confirm="Delete key" onConfirm={() => act.run()} onClose={onClose} busy={act.busy}>
        <p>The imported key record is removed for good; the raw key stops verifying (NOT_FOUND). Prefer revoke to keep a record.</p>
        <ErrorBox error={act.error} />
      </Confirm>
    );

  return (
    <Confirm title={`Revoke ${k.name}?`} confirm="Revoke key" onConfirm={() => act.run()} onClose={onClose} busy={act.busy}>
      <p>Revocation is permanent: every verification of this key answers REVOKED from now on, on every node within a second.</p>
      <Field label="Reason">
        <select name="reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
          {REASONS.map((r) => (
            <option key={r} value={r}>
              {label(r)}
            </option>
          ))}
        </select>
      </Field>
      {reason === 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN' ? (
        <Field label="Description">
          <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </Field>
      ) : null}
      <ErrorBox error={act.error} />
    </Confirm>
  );
}
