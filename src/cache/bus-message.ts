/**
 * What travels on the invalidation bus, whatever carries it (PostgreSQL NOTIFY, Redis pub/sub):
 * - `key`: this key changed (revoke, update, rotate, delete) — forget its cached record;
 * - `hashes`: keys were imported with these lookup hashes — add them to the negative-cache filter.
 * Every message carries its publish time (epoch ms, the publisher's clock) for the lag metric.
 */
export type BusMessage =
  | { kind: 'key'; projectId: string; keyId: string; sentAt: number }
  | { kind: 'hashes'; projectId: string; hashes: string[]; sentAt: number }
  /** A node's heartbeat (heartbeat-bus.ts): it listens for its own to know the channel still delivers. */
  | { kind: 'ping'; nodeId: string; sentAt: number };

/**
 * PostgreSQL refuses NOTIFY payloads of 8000 bytes or more: 100 hex hashes (6.5 KB) per message keeps
 * a batch import of 1000 keys to 10 messages on either bus.
 */
const HASHES_PER_MESSAGE = 100;
const PING = '|ping|';

/**
 * Wire form, `|`-separated (ids are UUIDs, hashes hex — neither contains `|` or `,`):
 * `<project>|<key_id>|<sent_at>` and `<project>||<sent_at>|<hash>,<hash>,…`. The first two fields are
 * the format of earlier versions, so during a rolling upgrade old nodes still apply key
 * invalidations from new ones, and skip hash messages (empty key id) instead of misreading them.
 */
export function encodeBusMessage(m: BusMessage): string[] {
  if (m.kind === 'key') return [`${m.projectId}|${m.keyId}|${m.sentAt}`];
  // An empty first field: nodes of earlier versions read no project and ignore it.
  if (m.kind === 'ping') return [`${PING}${m.nodeId}|${m.sentAt}`];
  const out: string[] = [];
  for (let i = 0; i < m.hashes.length; i += HASHES_PER_MESSAGE) out.push(`${m.projectId}||${m.sentAt}|${m.hashes.slice(i, i + HASHES_PER_MESSAGE).join(',')}`);
  return out;
}

/** Null for anything malformed (a message from a foreign publisher on the same channel is ignored). */
export function decodeBusMessage(payload: string): BusMessage | null {
  if (payload.startsWith(PING)) {
    const [nodeId, sentAtText, extra] = payload.slice(PING.length).split('|');
    const sentAt = Number(sentAtText);
    return nodeId && extra === undefined && Number.isFinite(sentAt) ? { kind: 'ping', nodeId, sentAt } : null;
  }
  const [projectId, keyId, sentAtText, hashes, extra] = payload.split('|');
  if (!projectId || extra !== undefined) return null;
  // Earlier versions sent `<project>|<key_id>` without a time.
  const sentAt = sentAtText === undefined ? Number.NaN : Number(sentAtText);
  if (keyId) return hashes === undefined ? { kind: 'key', projectId, keyId, sentAt } : null;
  if (!hashes || !Number.isFinite(sentAt)) return null;
  return { kind: 'hashes', projectId, hashes: hashes.split(',').filter(Boolean), sentAt };
}
