import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { ensureConsoleBuilt } from './console-build.js';
import { createTestApp, type TestApp, type TestAppOptions } from './test-app.js';

/** Debian's chromium (never a downloaded one), with the flags that work on these machines. */
export const CHROMIUM = process.env.KEYSMITH_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserHandle {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile (--user-data-dir) per launch: no state leaks between runs. */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<BrowserHandle> {
  const profile = mkdtempSync(join(tmpdir(), 'keysmith-chromium-'));
  // launchPersistentContext is how Playwright takes a user data dir (it refuses --user-data-dir in args).
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface ConsoleServer {
  t: TestApp;
  origin: string;
  close(): Promise<void>;
}

/** The real app (real database) listening on a loopback port, with the console built. */
export async function startConsoleServer(opts: TestAppOptions = {}): Promise<ConsoleServer> {
  await ensureConsoleBuilt();
  const t = await createTestApp(opts);
  await t.app.api.listen({ host: '127.0.0.1', port: 0 });
  const addr = t.app.api.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return { t, origin: `http://127.0.0.1:${addr.port}`, close: () => t.close() };
}
