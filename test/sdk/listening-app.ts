import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app.js';

/** A real Keysmith (createTestApp) listening on a real loopback port, as the SDK meets it in production. */
export interface ListeningApp {
  t: TestApp;
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

export async function startListeningApp(opts: TestAppOptions = {}): Promise<ListeningApp> {
  const t = await createTestApp(opts);
  await t.app.api.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.api.server.address() as AddressInfo).port}`;
  return { t, base, close: () => t.close() };
}

/** A real fetch that counts the calls per URL — to prove how often the SDK goes to the network. */
export function countingFetch(): { fetch: typeof fetch; count: (urlPart?: string) => number; urls: string[] } {
  const urls: string[] = [];
  const counted = (input: string | URL | Request, init?: RequestInit) => {
    urls.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  };
  return { fetch: counted as typeof fetch, count: (part = '') => urls.filter((u) => u.includes(part)).length, urls };
}
