import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type BrowserHandle, type ConsoleServer, launchChromium, startConsoleServer } from '../helpers/browser.js';
import { TEST_OPERATOR_TOKEN } from '../helpers/test-app.js';

// The console end to end in Debian's Chromium against a real server on a loopback port (SQLite).
// Steps run in order on one page, as a person would click through. KEYSMITH_SCREENSHOTS=1 also
// writes docs/console/*.png (committed; shown in the README).
const SHOTS = process.env.KEYSMITH_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', '..', 'docs', 'console') : undefined;

// Page-side globals of the page.evaluate() callbacks (this project's tsconfig has no DOM lib).
declare const document: any;
declare const localStorage: Record<string, string>;
declare const sessionStorage: Record<string, string>;
declare const navigator: any;

let server: ConsoleServer;
let browser: BrowserHandle;
let page: Page;
const cspViolations: string[] = [];
const consoleErrors: string[] = [];
let secret = '';
let projectToken = '';

async function shot(name: string) {
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
  }
}

async function go(pageId: string) {
  await page.getByRole('navigation', { name: 'Project pages' }).getByRole('link', { name: pageId, exact: true }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}

const verdictOf = async (credential: string) => {
  await go('Playground');
  const form = page.getByRole('form', { name: 'Verify a credential' });
  await form.locator('textarea[name=credential]').fill(credential);
  await form.getByRole('button', { name: 'Verify', exact: true }).click();
  const v = page.getByTestId('verdict');
  await v.waitFor();
  return (await v.textContent())?.trim();
};

before(async () => {
  server = await startConsoleServer();
  browser = await launchChromium();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  // Runs before any page script (injected by the driver, so the CSP does not apply to it).
  await browser.context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e: any) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
    if (/Content Security Policy|CSP violation/i.test(m.text())) cspViolations.push(m.text());
  });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

describe('web console in Chromium', () => {
  test('serves the console with the strict CSP', async () => {
    const res = await page.goto(`${server.origin}/console`);
    assert.equal(res?.status(), 200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'; script-src 'self'; style-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    await page.getByRole('heading', { name: 'Keysmith console' }).waitFor();
    await shot('sign-in');
  });

  test('signs in with the operator token; the token is not kept in the page', async () => {
    await page.locator('input[name=token]').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /neither the operator token/);
    await page.locator('input[name=token]').fill(TEST_OPERATOR_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    assert.doesNotMatch(storage, /ks_op_|ks_console/, 'no token in storage; the cookie is HttpOnly');
    const cookies = await browser.context.cookies(server.origin);
    const c = cookies.find((x) => x.name === 'ks_console');
    assert.ok(c?.httpOnly && c.sameSite === 'Strict');
  });

  test('creates a project and enables API keys (one-time step)', async () => {
    await page.locator('input').first().waitFor();
    await page.getByLabel('Slug').fill('browser');
    await page.getByLabel('Plan (optional)').fill('developer');
    await page.getByRole('button', { name: 'Create project' }).click();
    const row = page.getByRole('row', { name: /browser/ });
    await row.getByRole('button', { name: 'Enable API keys' }).click();
    const dialog = page.getByRole('dialog');
    assert.match((await dialog.textContent()) ?? '', /one-time step/);
    await dialog.getByRole('button', { name: 'Enable API keys' }).click();
    await row.getByText('Enabled').waitFor();
    await shot('projects');
    await row.getByRole('link', { name: 'browser' }).click();
    await page.getByText('No issued keys yet').waitFor();
  });

  test('issues a key; the secret is shown once and copied', async () => {
    await go('Issue a key');
    await page.locator('input[name=actor_id]').fill('svc-orders');
    await page.locator('input[name=name]').fill('orders-prod');
    await page.locator('input[name=scopes]').fill('read write');
    await page.locator('textarea[name=metadata]').fill('{"team": "payments"}');
    await page.getByLabel('30 days').check();
    await page.getByRole('button', { name: 'Issue key' }).click();
    await page.getByText('Copy this key now').waitFor();
    secret = await page.getByTestId('secret').inputValue();
    assert.match(secret, /^ks_ak_v1_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await shot('issue');
  });

  test('verifies it in the playground and derives a JWT with claims', async () => {
    assert.equal(await verdictOf(secret), 'VALID');
    const derive = page.getByRole('form', { name: 'Derive a token' });
    await derive.locator('input[name=parent]').fill(secret);
    await derive.locator('input[name=derive_scopes]').fill('read');
    await derive.getByRole('button', { name: 'Derive' }).click();
    const claims = JSON.parse((await page.getByTestId('claims').textContent()) ?? '{}');
    assert.deepEqual(claims.scp, ['read']);
    await page.getByRole('button', { name: 'Verify this token' }).click();
    await page.getByTestId('verdict').getByText('VALID').waitFor();
    await shot('playground');
  });

  test('edits the key scopes; a dialog closes on Escape', async () => {
    await go('Keys');
    const row = page.getByRole('row', { name: /orders-prod/ });
    await row.getByRole('button', { name: 'View orders-prod' }).click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await row.getByRole('button', { name: 'Edit orders-prod' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('textarea[name=metadata]').fill('{not json');
    assert.match((await dialog.textContent()) ?? '', /not valid JSON/);
    await dialog.locator('textarea[name=metadata]').fill('{"team": "payments"}');
    await dialog.locator('input[name=scopes]').fill('read admin');
    await shot('edit-key');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText('read admin').waitFor();
    await shot('keys');
  });

  test('revokes it with a reason; the playground then says REVOKED', async () => {
    const row = page.getByRole('row', { name: /orders-prod/ });
    await row.getByRole('button', { name: 'Revoke orders-prod' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('select[name=reason]').selectOption('REVOCATION_REASON_KEY_COMPROMISE');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await row.getByText('Revoked').waitFor();
    assert.equal(await verdictOf(secret), 'REVOKED');
  });

  test('imports a CSV with one bad row: per-row results', async () => {
    await go('Import');
    const csv =
      'raw_key,name,actor_id,scopes\nlegacy_key_0001_abcdefghijklmnop,legacy-1,svc-a,read\n"bad quote"x,legacy-2,svc-b,\nlegacy_key_0003_abcdefghijklmnop,legacy-3,svc-c,read write\n';
    const file = join(tmpdir(), `keysmith-import-${process.pid}.csv`);
    writeFileSync(file, csv);
    await page.locator('input[type=file]').setInputFiles(file);
    const results = page.getByRole('region', { name: 'Import results' });
    await results.getByText('Results: 2 imported, 1 failed').waitFor();
    assert.match((await results.getByRole('row', { name: /^3 / }).textContent()) ?? '', /INVALID_CSV/);
    await shot('import');
    assert.equal(await verdictOf('legacy_key_0003_abcdefghijklmnop'), 'VALID');
  });

  test('rotates the signing key after a confirmation that says what breaks', async () => {
    await go('Configuration');
    await page.getByRole('button', { name: 'Rotate signing key (graceful)' }).click();
    const dialog = page.getByRole('dialog');
    assert.match((await dialog.textContent()) ?? '', /keep verifying/);
    await dialog.getByRole('button', { name: 'Rotate gracefully' }).click();
    await page.getByText('Rotated gracefully.').waitFor();
    assert.equal(await page.getByRole('table', { name: 'Signing keys' }).locator('tbody tr').count(), 2);
    await shot('configuration');
  });

  test('reads the audit log and the usage chart', async () => {
    await go('Usage & audit');
    const audit = page.locator('table.audit');
    await audit.waitFor();
    for (const action of ['key.revoke', 'key.update', 'project.signing_key.rotate']) {
      assert.ok((await audit.getByRole('cell', { name: action, exact: true }).count()) >= 1, action);
    }
    await page.getByLabel('Action').fill('key.revoke');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('table.audit tbody tr td:nth-child(2)')].every((td: any) => td.textContent === 'key.revoke'),
    );
    assert.match((await page.locator('svg.chart').getAttribute('aria-label')) ?? '', /[1-9]\d* in total/);
    await shot('usage-audit');
  });

  test('is readable at 400 px: nothing overflows the page sideways', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    await go('Keys');
    await page.locator('table.keys').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e: any) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.parentElement?.closest('.table-wrap'))
        .map((e: any) => `${e.tagName}.${e.className}`)
        .slice(0, 5),
    );
    assert.ok(overflow <= 0, `page overflows by ${overflow}px: ${wide.join(' ')}`);
    await shot('keys-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('creates a project API token (secret once) and revokes another', async () => {
    await go('API tokens');
    for (const name of ['console-e2e', 'to-revoke']) {
      await page.locator('input[name=token_name]').fill(name);
      await page.getByLabel('Admin: everything').check();
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.getByRole('row', { name: new RegExp(name) }).waitFor();
      if (name === 'console-e2e') projectToken = await page.getByTestId('secret').inputValue();
    }
    assert.match(projectToken, /^ks_pat_/);
    await page.getByRole('button', { name: 'Revoke token to-revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await page
      .getByRole('row', { name: /to-revoke/ })
      .getByText('Revoked')
      .waitFor();
    await shot('tokens');
  });

  test('signs in with a project token: its project only, no operator pages', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('input[name=token]').fill(projectToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('row', { name: /orders-prod/ }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Project pages' });
    assert.equal(await nav.getByRole('link', { name: 'Configuration' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'All projects' }).count(), 0);
  });

  test('signs out: the session is gone on the server too', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const status = await page.evaluate(async () => (await fetch('/operator/v1/projects', { headers: { 'x-keysmith-console': '1' } })).status);
    assert.equal(status, 401);
    assert.equal(
      (await browser.context.cookies(server.origin)).find((x) => x.name === 'ks_console'),
      undefined,
    );
  });

  test('no CSP violation and no console error on any page', () => {
    assert.deepEqual(cspViolations, []);
    // The expected 401s (wrong token at sign-in, after sign-out) are logged by Chromium as failed loads.
    assert.deepEqual(
      consoleErrors.filter((e) => !/status of 401/.test(e)),
      [],
    );
  });
});
