/**
 * What travels on the invalidation bus, whatever carries it (PostgreSQL NOTIFY, Redis pub/sub):
 * - `key`: this key changed (revoke, update, rotate, delete) — forget its cached record;
 * - `hashes`: keys were imported with these lookup hashes — add them to the negative-cache filter;
 * - `applied`: a node has applied `hashes` messages (import-receipts.ts: the importer waits for them);
 * - `ping`: a node's heartbeat (heartbeat-bus.ts).
 * Every message carries its publish time (epoch ms, the publisher's clock) for the lag metric.
 */
export type BusMessage =
  | { kind: 'key'; projectId: string; keyId: string; sentAt: number }
  | { kind: 'hashes'; projectId: string; hashes: string[]; sentAt: number }
  /**
   * A node's heartbeat (heartbeat-bus.ts): it listens for its own to know the channel still delivers;
   * `receipts`: the node sends `applied` for every `hashes` message, so importers may wait for it.
   */
  | { kind: 'ping'; nodeId: string; sentAt: number; receipts: boolean }
  /** Node `nodeId` applied the `hashes` messages of `projectId` whose first hashes are `heads` (one per wire chunk). */
  | { kind: 'applied'; nodeId: string; projectId: string; heads: string[]; sentAt: number };

/**
 * PostgreSQL refuses NOTIFY payloads of 8000 bytes or more: 100 hex hashes (6.5 KB) per message keeps
 * a batch import of 1000 keys to 10 messages on either bus.
 */
const HASHES_PER_MESSAGE = 100;
const PING = '|ping|';
const APPLIED = '|applied|';

/** The first hash of each wire message an import's hashes travel in: what an `applied` receipt names. */
export function chunkHeads(hashes: readonly string[]): string[] {
  const heads: string[] = [];
  for (let i = 0; i < hashes.length; i += HASHES_PER_MESSAGE) heads.push(hashes[i]);
  return heads;
}

/**
 * Wire form, `|`-separated (ids are UUIDs, hashes hex — neither contains `|` or `,`):
 * `<project>|<key_id>|<sent_at>` and `<project>||<sent_at>|<hash>,<hash>,…`. The first two fields are
 * the format of earlier versions, so during a rolling upgrade old nodes still apply key
 * invalidations from new ones, and skip hash messages (empty key id) instead of misreading them.
 */
export function encodeBusMessage(m: BusMessage): string[] {
  if (m.kind === 'key') return [`${m.projectId}|${m.keyId}|${m.sentAt}`];
  // An empty first field: nodes of earlier versions read no project and ignore it.
  // `|r`: this node sends receipts. Earlier versions refuse the extra field — and only read their own pings.
  if (m.kind === 'ping') return [`${PING}${m.nodeId}|${m.sentAt}${m.receipts ? '|r' : ''}`];
  const out: string[] = [];
  const items = m.kind === 'applied' ? m.heads : m.hashes;
  for (let i = 0; i < items.length; i += HASHES_PER_MESSAGE) {
    const chunk = items.slice(i, i + HASHES_PER_MESSAGE).join(',');
    out.push(m.kind === 'applied' ? `${APPLIED}${m.nodeId}|${m.projectId}|${m.sentAt}|${chunk}` : `${m.projectId}||${m.sentAt}|${chunk}`);
  }
  return out;
}

/** Null for anything malformed (a message from a foreign publisher on the same channel is ignored). */
export function decodeBusMessage(payload: string): BusMessage | null {
  if (payload.startsWith(PING)) {
    const [nodeId, sentAtText, flag, extra] = payload.slice(PING.length).split('|');
    const sentAt = Number(sentAtText);
    const valid = nodeId && (flag === undefined || flag === 'r') && extra === undefined && Number.isFinite(sentAt);
    return valid ? { kind: 'ping', nodeId, sentAt, receipts: flag === 'r' } : null;
  }
  if (payload.startsWith(APPLIED)) {
    const [nodeId, projectId, sentAtText, heads, extra] = payload.slice(APPLIED.length).split('|');
    const sentAt = Number(sentAtText);
    const valid = nodeId && projectId && heads && extra === undefined && Number.isFinite(sentAt);
    return valid ? { kind: 'applied', nodeId, projectId, heads: heads.split(',').filter(Boolean), sentAt } : null;
  }
  const [projectId, keyId, sentAtText, hashes, extra] = payload.split('|');
  if (!projectId || extra !== undefined) return null;
  // Earlier versions sent `<project>|<key_id>` without a time.
  const sentAt = sentAtText === undefined ? Number.NaN : Number(sentAtText);
  if (keyId) return hashes === undefined ? { kind: 'key', projectId, keyId, sentAt } : null;
  if (!hashes || !Number.isFinite(sentAt)) return null;
  return { kind: 'hashes', projectId, hashes: hashes.split(',').filter(Boolean), sentAt };
}
