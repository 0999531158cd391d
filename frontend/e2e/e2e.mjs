// Browser test of the SPA against the real running stack (backend + Kratos + Keto).
//
//   BASE_URL=http://127.0.0.1:8080 node e2e/e2e.mjs      (or: npm run e2e)
//
// Drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) headless through
// playwright-core, in a fresh user-data-dir. Two people, A and B, each in their
// own tab: the session token lives in sessionStorage, which is per tab, so two
// tabs are two independent sessions. Screenshots go to test-artifacts/screenshots/
// at the repository root (or $SCREENSHOT_DIR). Prints one line per test and ends
// with "N passed, N failed"; exits non-zero on any failure.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = resolve(process.env.SCREENSHOT_DIR ?? join(here, '../../test-artifacts/screenshots'));
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 15000);

// The flags known to work here (root, offline): see shared/guide/stack.md.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const FORBIDDEN_TEXT = 'You do not have permission to do this.';
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const alice = { email: `e2e-a-${run}@example.com`, name: 'Alice E2E', password: 'violet harbor quietly 42' };
const bob = { email: `e2e-b-${run}@example.com`, name: 'Bob E2E', password: 'amber lantern softly 17' };
const docTitle = `Quarterly plan ${run}`;
const docBody = 'Line one of the plan.\nLine two of the plan.';

// ---------------------------------------------------------------- harness

const results = [];
let broken = null; // the first failed test: later tests depend on earlier ones

async function test(name, fn) {
  if (broken) {
    results.push({ name, status: 'skipped' });
    console.log(`skip - ${name} (after "${broken}" failed)`);
    return;
  }
  const started = Date.now();
  try {
    await fn();
    results.push({ name, status: 'passed' });
    console.log(`ok   - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, status: 'failed' });
    broken = name;
    console.log(`FAIL - ${name}\n${indent(error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
  }
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `       ${line}`)
    .join('\n');
}

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function assertEqual(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`assertion failed: ${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// ---------------------------------------------------------------- browser helpers

const tokensSeen = new Set();
const problems = []; // CSP violations, page errors, tokens in URLs or the console

function watch(page, who) {
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (error) => problems.push(`${who}: uncaught error in the page: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/Content[- ]Security[- ]Policy/i.test(text)) problems.push(`${who}: CSP violation: ${text}`);
    for (const token of tokensSeen) {
      if (text.includes(token)) problems.push(`${who}: the session token was written to the console`);
    }
  });
  page.on('request', (request) => {
    for (const token of tokensSeen) {
      if (request.url().includes(token)) problems.push(`${who}: the session token appeared in a URL: ${request.url()}`);
    }
  });
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function sessionToken(page) {
  return page.evaluate(() => sessionStorage.getItem('ory-spa.session-token'));
}

async function text(page, selector) {
  const locator = page.locator(selector);
  await locator.waitFor({ state: 'visible' });
  return ((await locator.textContent()) ?? '').trim();
}

async function register(page, person) {
  await page.goto(`${BASE_URL}/register`);
  await page.fill('#register-email', person.email);
  await page.fill('#register-name', person.name);
  await page.fill('#register-password', person.password);
  await page.click('#register button[type=submit]');
  await page.waitForURL(`${BASE_URL}/documents`);
  await page.locator('h1', { hasText: 'My documents' }).waitFor();
  assertEqual(await text(page, '.who-name'), person.name, 'the name in the header');
  const token = await sessionToken(page);
  assert(token, 'a session token in sessionStorage after registration');
  tokensSeen.add(token);
  return token;
}

/** The ids of the documents on the first page of the list, after a fresh load. */
async function listedDocumentIds(page) {
  await page.goto(`${BASE_URL}/documents`);
  await page.locator('.doc-list, .empty').first().waitFor();
  return page.locator('.doc-item').evaluateAll((items) => items.map((item) => item.getAttribute('data-id')));
}

async function api(path, token) {
  return fetch(`${BASE_URL}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

// ---------------------------------------------------------------- the run

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  console.log(`e2e against ${BASE_URL}; screenshots in ${SHOTS}`);

  const ready = await fetch(`${BASE_URL}/health/ready`).catch((error) => error);
  if (!(ready instanceof Response) || !ready.ok) {
    console.log(`FAIL - the stack is not ready at ${BASE_URL}/health/ready (${ready instanceof Response ? ready.status : ready})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }

  const profile = mkdtempSync(join(tmpdir(), 'ory-spa-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1100, height: 800 },
  });
  const a = context.pages()[0] ?? (await context.newPage());
  const b = await context.newPage();
  watch(a, 'A');
  watch(b, 'B');

  let tokenA = null;
  let tokenB = null;
  let docId = null;
  let docPath = null;

  try {
    await test('the SPA is served with a strict Content-Security-Policy and history routing', async () => {
      for (const path of ['/', '/documents/new', '/groups']) {
        const response = await fetch(`${BASE_URL}${path}`);
        assertEqual(response.status, 200, `status of ${path}`);
        const csp = response.headers.get('content-security-policy') ?? '';
        assert(csp.includes("script-src 'self'"), `${path} has a CSP with script-src 'self' (got "${csp}")`);
        assert(!csp.includes('unsafe-inline'), `${path}: the CSP allows no inline code`);
        const html = await response.text();
        assert(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/.test(html), `${path} is index.html`);
        assert(!/<script>|<style>|\sstyle="/.test(html), `${path}: no inline script or style in index.html`);
      }
    });

    await test('registering with a weak password shows why, next to the password field', async () => {
      await a.goto(`${BASE_URL}/register`);
      await a.fill('#register-email', `e2e-short-${run}@example.com`);
      await a.fill('#register-name', 'Short Password');
      await a.fill('#register-password', 'password1');
      await a.click('#register button[type=submit]');
      const message = await text(a, '#register-password-error');
      assert(/too weak/.test(message), `the password error says it is too weak (got "${message}")`);
      const field = await a
        .locator('#register-password-error')
        .evaluate((node) => node.closest('[data-field]')?.getAttribute('data-field'));
      assertEqual(field, 'password', 'the message sits in the password field');
      assertEqual(await a.getAttribute('#register-password', 'aria-invalid'), 'true', 'the password input is marked invalid');
      assertEqual(await a.locator('#register-email-error').count(), 0, 'no message next to the email field');
      assertEqual(await sessionToken(a), null, 'no session token after a refused registration');
      await shot(a, '01-register-short-password');
    });

    await test('two people register (unique emails) and each lands on their documents', async () => {
      tokenA = await register(a, alice);
      tokenB = await register(b, bob);
      assert(tokenA !== tokenB, 'two tabs, two sessions');
      await shot(b, '02-documents-empty-b');
    });

    await test('A creates a document and shares it with B as viewer', async () => {
      await a.click('text=New document');
      await a.waitForURL(`${BASE_URL}/documents/new`);
      await a.fill('#new-document-title', docTitle);
      await a.fill('#new-document-body', docBody);
      await a.click('#new-document button[type=submit]');
      await a.waitForURL(/\/documents\/[0-9a-f-]{36}$/);
      docPath = new URL(a.url()).pathname;
      docId = docPath.split('/').pop();
      assertEqual(await text(a, '#document-heading'), docTitle, 'the heading');
      assert(await a.locator('#document-title').isEditable(), 'the owner can edit');
      await shot(a, '03-document-owner');

      await a.click('a.button:has-text("Sharing")');
      await a.waitForURL(`${BASE_URL}${docPath}/sharing`);
      await a.fill('#share-email', bob.email);
      await a.selectOption('#share-role', 'viewer');
      await a.click('#share button[type=submit]');
      const row = a.locator(`tr[data-kind="user"][data-email="${bob.email}"]`);
      await row.waitFor();
      assertEqual(((await row.locator('td.role').textContent()) ?? '').trim(), 'viewer', "B's role");
      const owner = a.locator(`tr[data-kind="user"][data-email="${alice.email}"] td.role`);
      assertEqual(((await owner.textContent()) ?? '').trim(), 'owner', "A's role");
      await shot(a, '04-sharing');

      const ids = await listedDocumentIds(a);
      assert(ids.includes(docId), "the document is in A's list");
      await shot(a, '05-documents-a');
    });

    await test('B sees the document, opens it, and cannot edit it (a forced save gets 403)', async () => {
      const ids = await listedDocumentIds(b);
      assert(ids.includes(docId), "the shared document is in B's list");
      const item = b.locator(`.doc-item[data-id="${docId}"]`);
      assert(/Shared with you/.test((await item.textContent()) ?? ''), 'marked as shared with B');
      await shot(b, '06-documents-b-shared');

      await item.locator('a.doc-title').click();
      await b.waitForURL(`${BASE_URL}${docPath}`);
      assertEqual(await text(b, '#document-heading'), docTitle, 'B sees the title');
      assertEqual(await b.inputValue('#document-body'), docBody, 'B sees the body');
      assert(await b.locator('#document-title').isDisabled(), 'the title input is disabled for B');
      assert(await b.locator('#document-body').isDisabled(), 'the body input is disabled for B');
      assert(await b.locator('#document button[type=submit]').isDisabled(), 'Save is disabled for B');
      assertEqual(await b.locator('button:has-text("Delete")').count(), 0, 'no Delete for B');
      assertEqual(await b.locator('a:has-text("Sharing")').count(), 0, 'no Sharing for B');
      await shot(b, '07-document-viewer');

      // Re-enable the form in the page and save through the app's own code path:
      // the server must refuse, and the app must say so.
      await b.locator('#document fieldset').evaluate((fieldset) => fieldset.removeAttribute('disabled'));
      await b.fill('#document-title', 'Changed by B');
      const patch = b.waitForResponse((r) => r.url().endsWith(`/api/documents/${docId}`) && r.request().method() === 'PATCH');
      await b.click('#document button[type=submit]');
      assertEqual((await patch).status(), 403, 'the PATCH status');
      assertEqual(await text(b, '#document-alert'), FORBIDDEN_TEXT, 'the message shown to B');
      await shot(b, '08-document-viewer-forced-save-403');

      const check = await api(`/api/documents/${docId}`, tokenA);
      assertEqual((await check.json()).title, docTitle, 'the title is unchanged');
      assertEqual(await sessionToken(b), tokenB, 'a 403 does not log B out');
    });

    await test('A revokes; B no longer sees the document after reloading', async () => {
      await a.goto(`${BASE_URL}${docPath}/sharing`);
      const row = a.locator(`tr[data-kind="user"][data-email="${bob.email}"]`);
      await row.locator('button:has-text("Revoke")').click();
      await row.waitFor({ state: 'detached' });
      await shot(a, '09-sharing-after-revoke');

      await b.reload();
      await b.locator('#document-heading, [role="alert"]').first().waitFor();
      assert(/no longer have access/.test(await text(b, 'main [role="alert"]')), 'B is told the document is gone');
      const ids = await listedDocumentIds(b);
      assert(!ids.includes(docId), "the document left B's list");
      await shot(b, '10-documents-b-after-revoke');
    });

    await test('groups: A creates one, adds B, sees the members, deletes it', async () => {
      await a.click('nav >> text=Groups');
      await a.waitForURL(`${BASE_URL}/groups`);
      await a.fill('#new-group-name', `Reviewers ${run}`);
      await a.click('#new-group button[type=submit]');
      await a.click(`.group-list a:has-text("Reviewers ${run}")`);
      await a.waitForURL(/\/groups\/[0-9a-f-]{36}$/);
      await a.fill('#add-member-email', bob.email);
      await a.click('#add-member button[type=submit]');
      await a.locator(`tr[data-email="${bob.email}"]`).waitFor();
      assertEqual(await text(a, `tr[data-email="${alice.email}"] td.role`), 'owner', "A's role in the group");
      assertEqual(await text(a, `tr[data-email="${bob.email}"] td.role`), 'member', "B's role in the group");
      await shot(a, '11-group');

      await b.goto(`${BASE_URL}/groups`);
      await b.locator(`.group-list a:has-text("Reviewers ${run}")`).waitFor();
      await shot(b, '12-groups-b');

      await a.click('button:has-text("Delete group")');
      await a.click('button:has-text("Yes, delete it")');
      await a.waitForURL(`${BASE_URL}/groups`);
      await a.locator('.group-list, .empty').first().waitFor();
      assertEqual(await a.locator(`.group-list a:has-text("Reviewers ${run}")`).count(), 0, 'the group is gone');
    });

    await test('both log out; their tokens stop working and the app asks them to log in', async () => {
      for (const [page, token] of [
        [a, tokenA],
        [b, tokenB],
      ]) {
        await page.goto(`${BASE_URL}/documents`);
        await page.click('#logout');
        await page.locator('#login').waitFor();
        assert(/logged out/.test(await text(page, 'main [role="status"]')), 'the logged-out notice');
        assertEqual(await sessionToken(page), null, 'the token is gone from sessionStorage');
        assertEqual((await api('/api/auth/session', token)).status, 401, 'the old token is revoked');
        await page.goto(`${BASE_URL}/documents`);
        await page.waitForURL(/\/login\?next=%2Fdocuments$/);
      }
      await shot(a, '13-logged-out');
    });

    await test('the run had no CSP violations, page errors, or leaked tokens', async () => {
      assert(problems.length === 0, `problems seen:\n${problems.join('\n')}`);
    });
  } finally {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }

  const count = (status) => results.filter((r) => r.status === status).length;
  const skipped = count('skipped');
  console.log(`${count('passed')} passed, ${count('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(count('failed') + skipped === 0 ? 0 : 1);
}

main().catch((error) => {
  console.log(`FAIL - the e2e run crashed\n${indent(error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
  const passed = results.filter((r) => r.status === 'passed').length;
  console.log(`${passed} passed, ${results.length - passed + 1} failed`);
  process.exit(1);
});
