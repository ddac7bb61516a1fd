import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');
export const CONSOLE_DIST = join(ROOT, 'dist', 'console');

/** Newest modification time under a directory (sources of the console and the CLI parsers it reuses). */
function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

/** Builds dist/console when missing or older than its sources (tests run without `npm run build`). */
export async function ensureConsoleBuilt(): Promise<void> {
  const index = join(CONSOLE_DIST, 'index.html');
  const sources = Math.max(newest(join(ROOT, 'console')), newest(join(ROOT, 'src', 'cli')), statSync(join(ROOT, 'scripts', 'build-console.mjs')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { buildConsole } = (await import(pathToFileURL(join(ROOT, 'scripts', 'build-console.mjs')).href)) as {
    buildConsole: (o: { quiet: boolean }) => Promise<unknown>;
  };
  await buildConsole({ quiet: true });
}
