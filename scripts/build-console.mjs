#!/usr/bin/env node
// Builds the web console (console/ → dist/console/): one hashed JS bundle and one hashed CSS file
// (esbuild, preact), an index.html that only references them (the CSP allows no inline code), and a
// gzip twin of every file so the server sends precompressed bytes. Part of `npm run build`.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'console');

export async function buildConsole({ quiet = false } = {}) {
  // Built beside, then swapped in: a server (or a parallel test) never sees a half-written directory.
  const final = out;
  const tmp = `${final}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'assets'), { recursive: true });
  const result = await buildInto(tmp, quiet);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  if (!quiet) console.log(`console built: dist/console (${result.js}, ${result.css})`);
  return result;
}

async function buildInto(out, quiet) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: 'console/main.tsx' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: join(out, 'assets'),
    // The CLI's import parsers are reused as they are; their only Node import is a SHA-256 for request ids.
    alias: { 'node:crypto': './console/lib/node-crypto-shim.ts' },
    metafile: true,
    legalComments: 'none',
    logLevel: quiet ? 'error' : 'warning',
  });
  const assets = Object.keys(result.metafile.outputs).map((p) => p.split('/').pop());
  const js = assets.find((a) => a.endsWith('.js'));
  const css = assets.find((a) => a.endsWith('.css'));
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keysmith console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/${css}">
<script type="module" src="/console/assets/${js}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the Keysmith console…</p></div>
<noscript>The Keysmith console needs JavaScript.</noscript>
</body>
</html>
`;
  writeFileSync(join(out, 'index.html'), html);
  for (const file of [join(out, 'index.html'), ...readdirSync(join(out, 'assets')).map((f) => join(out, 'assets', f))]) {
    writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: constants.Z_BEST_COMPRESSION }));
  }
  return { js, css };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildConsole();
