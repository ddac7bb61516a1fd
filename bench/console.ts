/**
 * The web console, measured in Debian's Chromium against a real server on loopback (SQLite):
 * - initial load: bytes on the wire (gzip; index.html + JS + CSS, and with the first API calls) and time
 *   to interactive (navigation start → the page's first usable screen rendered), cold cache, median of N;
 * - the key table with 10,000 issued keys: paging next/previous through all of them, with the longest
 *   main-thread task seen (PerformanceObserver "longtask", ≥ 50 ms by definition) and per-page latency.
 * Standalone, prints JSON: `tsx bench/console.ts [--runs 5] [--keys 10000]`.
 */
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchChromium, startConsoleServer } from '../test/helpers/browser.js';
import { TEST_OPERATOR_TOKEN } from '../test/helpers/test-app.js';

declare const document: any;
declare const performance: any;
declare const PerformanceObserver: any;
declare const requestAnimationFrame: (cb: (t: number) => void) => number;

const { values: opt } = parseArgs({ options: { runs: { type: 'string', default: '5' }, keys: { type: 'string', default: '10000' } } });
const RUNS = Number(opt.runs);
const KEYS = Number(opt.keys);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startConsoleServer({ env: { KEYSMITH_LOG_LEVEL: 'warn' } });
const { t, origin } = server;
const created = await t.op('POST', '/operator/v1/projects', { slug: 'bench', plan: 'custom', enable_api_keys: true });
if (created.statusCode !== 201) throw new Error(created.body);
const token = (await t.op('POST', '/operator/v1/projects/bench/tokens', { name: 'bench', permissions: ['admin'] })).json().secret as string;
const seedStart = performance.now();
for (let i = 0; i < KEYS; i += 50) {
  await Promise.all(
    Array.from({ length: Math.min(50, KEYS - i) }, (_, j) =>
      t.as(token, 'POST', '/v2alpha1/admin/issuedApiKeys', {
        name: `key-${String(i + j).padStart(5, '0')}`,
        actor_id: `actor-${(i + j) % 17}`,
        scopes: ['read'],
      }),
    ),
  );
}
const seedMs = performance.now() - seedStart;

const browser = await launchChromium();

/** Loads a URL in a fresh page with the cache disabled; bytes = sum of encodedDataLength (headers + gzip body). */
async function coldLoad(url: string, ready: string): Promise<{ bytes: number; staticBytes: number; tti: number; requests: number }> {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const urls = new Map<string, string>();
  let bytes = 0;
  let staticBytes = 0;
  let requests = 0;
  cdp.on('Network.requestWillBeSent', (e: any) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e: any) => {
    bytes += e.encodedDataLength;
    requests += 1;
    if (/\/console(\/|$|\/assets\/)/.test(new URL(urls.get(e.requestId) ?? origin).pathname) && !/\/console\/(session|api)/.test(urls.get(e.requestId) ?? ''))
      staticBytes += e.encodedDataLength;
  });
  await page.goto(url);
  await page.locator(ready).first().waitFor();
  const tti = await page.evaluate(() => performance.now());
  await page.waitForLoadState('networkidle');
  await page.close();
  return { bytes, staticBytes, tti, requests };
}

// Signed out: the sign-in screen.
const signIn = [];
for (let i = 0; i < RUNS; i++) signIn.push(await coldLoad(`${origin}/console`, 'input[name=token]'));

// Sign in once (the cookie stays in the context), then the key table of the project, cold.
{
  const page = await browser.context.newPage();
  await page.goto(`${origin}/console`);
  await page.locator('input[name=token]').fill(TEST_OPERATOR_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.close();
}
const keysLoad = [];
for (let i = 0; i < RUNS; i++) keysLoad.push(await coldLoad(`${origin}/console#/p/bench/keys`, 'table.keys tbody tr'));

/** Pages forward through every key and back; the longest main-thread task and the click → rows-shown time per page. */
async function pageThrough(
  page: Page,
  pageSize: number,
): Promise<{
  pages: number;
  maxLongTaskMs: number;
  longTasks: number;
  medianPageMs: number;
  maxPageMs: number;
  scrollFirstPageMs: number;
  idleLongTasks: number;
  idleMaxLongTaskMs: number;
  rendererCpuMsPerPage: number;
}> {
  await page.goto(`${origin}/console#/p/bench/keys`);
  await page.locator('table.keys tbody tr').first().waitFor();
  await page.locator('select[name=page_size]').selectOption(String(pageSize));
  await page.waitForFunction((n: number) => document.querySelector('table.keys')?.getAttribute('aria-rowcount') === String(n + 1), pageSize);
  await page.evaluate(() => {
    (globalThis as any).__long = [];
    new PerformanceObserver((l: any) => {
      for (const e of l.getEntries()) (globalThis as any).__long.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  // Control: long tasks while the page sits idle for 3 s. On an idle machine this is 0; on a loaded
  // one (CPU starvation stretches any task) it shows how much of the figures below is the machine.
  await page.waitForTimeout(3000);
  const idle: number[] = await page.evaluate(() => (globalThis as any).__long.splice(0));
  const times: number[] = [];
  const step = async (name: string) => {
    const first = await page.locator('table.keys tbody tr').first().getAttribute('data-key-id');
    const t0 = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name }).click();
    await page.waitForFunction(
      (prev: string | null) => {
        const tb = document.querySelector('table.keys');
        const row = document.querySelector('table.keys tbody tr');
        return tb?.getAttribute('aria-busy') === 'false' && row && row.getAttribute('data-key-id') !== prev;
      },
      first,
      { polling: 'raf' },
    );
    times.push((await page.evaluate(() => performance.now())) - t0);
  };
  // Scroll the first page from top to bottom in 200 px steps, one per frame.
  const scrollStart = await page.evaluate(() => performance.now());
  await page.evaluate(async () => {
    const el = document.querySelector('.table-wrap.scroll');
    for (let y = 0; y <= el.scrollHeight; y += 200) {
      el.scrollTop = y;
      await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    }
  });
  const scrollMs = (await page.evaluate(() => performance.now())) - scrollStart;
  // Renderer main-thread CPU time (ThreadTime) is what the page itself costs; wall time also holds the
  // waiting of a loaded machine.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metric = async (name: string) => ((await cdp.send('Performance.getMetrics')).metrics.find((m: any) => m.name === name)?.value ?? 0) * 1000;
  const cpu0 = await metric('ThreadTime');
  let pages = 1;
  while (await page.getByRole('button', { name: 'Next →' }).isEnabled()) {
    await step('Next →');
    pages++;
  }
  while (await page.getByRole('button', { name: '← Previous' }).isEnabled()) await step('← Previous');
  const cpuPerPageMs = (await metric('ThreadTime')) - cpu0;
  await cdp.detach();
  const long: number[] = await page.evaluate(() => (globalThis as any).__long);
  return {
    rendererCpuMsPerPage: Math.round((cpuPerPageMs / times.length) * 10) / 10,
    pages,
    maxLongTaskMs: Math.round(Math.max(0, ...long)),
    longTasks: long.length,
    medianPageMs: median(times),
    maxPageMs: Math.max(...times),
    scrollFirstPageMs: Math.round(scrollMs),
    idleLongTasks: idle.length,
    idleMaxLongTaskMs: Math.round(Math.max(0, ...idle)),
  };
}

const paging = await browser.context.newPage();
const paging50 = await pageThrough(paging, 50);
const paging1000 = await pageThrough(paging, 1000);
await paging.close();

const summary = (xs: { bytes: number; staticBytes: number; tti: number; requests: number }[]) => ({
  transfer_bytes_static: median(xs.map((x) => x.staticBytes)),
  transfer_bytes_total: median(xs.map((x) => x.bytes)),
  requests: median(xs.map((x) => x.requests)),
  tti_ms_median: Math.round(median(xs.map((x) => x.tti))),
  tti_ms_runs: xs.map((x) => Math.round(x.tti)),
});
console.log(
  JSON.stringify(
    {
      node: process.version,
      chromium: browser.context.browser()?.version() ?? 'persistent context',
      loadavg: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10),
      keys: KEYS,
      seed_ms: Math.round(seedMs),
      runs: RUNS,
      initial_load_sign_in: summary(signIn),
      initial_load_key_table: summary(keysLoad),
      paging_50_per_page: { ...paging50, medianPageMs: Math.round(paging50.medianPageMs), maxPageMs: Math.round(paging50.maxPageMs) },
      paging_1000_per_page: { ...paging1000, medianPageMs: Math.round(paging1000.medianPageMs), maxPageMs: Math.round(paging1000.maxPageMs) },
    },
    null,
    2,
  ),
);
await browser.close();
await server.close();
