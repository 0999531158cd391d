// Browser test of the SPA against the real running stack (backend + Kratos + Keto,
// Hydra with its login-and-consent app as the social sign-in provider, and Mailpit,
// where Kratos' verification and recovery codes arrive).
//
//   BASE_URL=http://127.0.0.1:8080 MAILPIT_URL=http://127.0.0.1:8025 PROVIDER_PASSWORD=… node e2e/e2e.mjs
//   (or: npm run e2e)
//
// PROVIDER_PASSWORD is the local provider's password (scripts/dev.sh prints it;
// scripts/e2e.sh passes it).
//
// Drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) headless through
// playwright-core. The SPA keeps its session in an HttpOnly cookie (cookie mode),
// which every tab of a browser profile shares, so each person (and each further
// session of one person) gets a browser context of their own: its own cookie
// jar, like another browser. Screenshots go to test-artifacts/screenshots/ at the
// repository root (or $SCREENSHOT_DIR). Prints one line per test and ends with
// "N passed, N failed"; exits non-zero on any failure.
//
// The token must never be within the page's reach: after every sign-in the test
// reads the cookie through the context (it must be HttpOnly, SameSite=Strict,
// host-only) and fails if its value is in sessionStorage, localStorage or
// document.cookie; it also fails on a token in a request URL or the console, and
// on an API request without `X-Session-Mode: cookie`, or a change without our
// Origin. It uses the token itself only for its own checks (as a bearer token).

import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Secret, TOTP } from 'otpauth';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = resolve(process.env.SCREENSHOT_DIR ?? join(here, '../../test-artifacts/screenshots'));
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 15000);
const PROVIDER_PASSWORD = process.env.PROVIDER_PASSWORD ?? '';
const MAILPIT_URL = (process.env.MAILPIT_URL ?? 'http://127.0.0.1:8025').replace(/\/+$/, '');
const PRIVILEGED_AGE_S = Number(process.env.PRIVILEGED_SESSION_MAX_AGE_S ?? 900);

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
const carol = { email: `e2e-c-${run}@example.com`, name: 'Carol E2E', password: 'copper meadow gently 58' };
const sam = { email: `e2e-s-${run}@example.com`, name: 'Sam Social' };
// Registers with a password, then links the provider to that account.
const lin = { email: `e2e-link-${run}@example.com`, name: 'Lin Linking', password: 'pebble river calmly 64' };
// Deletes their account, then registers the address again.
const dee = { email: `e2e-del-${run}@example.com`, name: 'Dee Departing', password: 'linen compass slowly 31' };
// Moves to a new address (`movedTo`) in Settings.
const erin = { email: `e2e-em-${run}@example.com`, name: 'Erin Moving', password: 'maple window brightly 26' };
const movedTo = `e2e-em-new-${run}@example.com`;
const docTitle = `Quarterly plan ${run}`;
const docBody = 'Line one of the plan.\nLine two of the plan.';

// ---------------------------------------------------------------- harness

const results = [];
/** What a test returns when this stack cannot run it (not a failure). */
class NotRun {
  constructor(why) {
    this.why = why;
  }
}
let broken = null; // the first failed test: later tests depend on earlier ones

async function test(name, fn) {
  if (broken) {
    results.push({ name, status: 'skipped' });
    console.log(`skip - ${name} (after "${broken}" failed)`);
    return;
  }
  const started = Date.now();
  try {
    const outcome = await fn();
    if (outcome instanceof NotRun) {
      results.push({ name, status: 'not run' });
      console.log(`skip - ${name} (${outcome.why})`);
      return;
    }
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
const problems = []; // CSP violations, page errors, tokens in URLs or the console, cookie mode broken
let apiRequestsChecked = 0;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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
    if (request.url().startsWith(`${BASE_URL}/api/`)) void checkApiRequest(request, who);
  });
}

/** Cookie mode as the server requires it: the header on every call, our Origin on every change, no token. */
async function checkApiRequest(request, who) {
  const what = `${who}: ${request.method()} ${new URL(request.url()).pathname}`;
  let headers;
  try {
    headers = await request.allHeaders();
  } catch {
    return; // the page went away first
  }
  if (headers['x-session-mode'] !== 'cookie') problems.push(`${what} without X-Session-Mode: cookie`);
  if (UNSAFE.has(request.method()) && headers.origin !== BASE_URL) {
    problems.push(`${what} with Origin ${headers.origin ?? '(none)'}, not ${BASE_URL}`);
  }
  if ('authorization' in headers || 'x-session-token' in headers) problems.push(`${what} sent a token from the page`);
  apiRequestsChecked += 1;
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

// `ory_spa_session` where the server runs on plain HTTP (scripts/dev.sh), else `__Host-ory_spa_session`.
const COOKIE_NAMES = ['ory_spa_session', '__Host-ory_spa_session'];

/** The session cookie of the page's browser context, or null. */
async function sessionCookie(page) {
  const cookies = await page.context().cookies(BASE_URL);
  return cookies.find((cookie) => COOKIE_NAMES.includes(cookie.name)) ?? null;
}

/** The session token in the page's cookie, or null: for the test's own API calls only. */
async function sessionToken(page) {
  return (await sessionCookie(page))?.value ?? null;
}

/**
 * After a sign-in: the session is in an HttpOnly, SameSite=Strict, host-only
 * cookie, and its token is nowhere the page's scripts can read. Returns the token.
 */
async function cookieSession(page, when) {
  const cookie = await sessionCookie(page);
  assert(cookie, `a session cookie ${when}`);
  tokensSeen.add(cookie.value);
  assertEqual(cookie.httpOnly, true, `the session cookie is HttpOnly ${when}`);
  assertEqual(cookie.sameSite, 'Strict', `the session cookie is SameSite=Strict ${when}`);
  assertEqual(cookie.path, '/', `the session cookie's path ${when}`);
  assertEqual(cookie.domain, new URL(BASE_URL).hostname, `the session cookie is host-only ${when}`);
  assertEqual(cookie.secure, cookie.name.startsWith('__Host-'), `Secure goes with the __Host- name ${when}`);
  await assertTokenOutOfReach(page, cookie.value, when);
  return cookie.value;
}

/** What the page's scripts can read holds no token (checked without printing it). */
async function assertTokenOutOfReach(page, token, when) {
  const readable = await page.evaluate(() => ({
    sessionStorage: Object.entries(sessionStorage),
    localStorage: Object.entries(localStorage),
    'document.cookie': globalThis.document.cookie,
  }));
  for (const [where, value] of Object.entries(readable)) {
    assert(!JSON.stringify(value).includes(token), `the session token is not in ${where} ${when}`);
  }
  assert(!COOKIE_NAMES.some((name) => readable['document.cookie'].includes(name)), `document.cookie has no session cookie ${when}`);
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
  // Kratos mails a verification code at once: the app asks for it first.
  await page.waitForURL(`${BASE_URL}/verify`);
  assert((await text(page, '#verify-sent')).includes(person.email), 'the code page names the address');
  assertEqual(await text(page, '.who-name'), person.name, 'the name in the header');
  return cookieSession(page, 'after registration');
}

/** Registers, then leaves the code for later and goes to the documents. */
async function registerAndSkipVerification(page, person) {
  const token = await register(page, person);
  await page.click('nav >> text=My documents');
  await page.waitForURL(`${BASE_URL}/documents`);
  await page.locator('h1', { hasText: 'My documents' }).waitFor();
  return token;
}

async function logIn(page, person) {
  await page.goto(`${BASE_URL}/login`);
  await page.fill('#login-identifier', person.email);
  await page.fill('#login-password', person.password);
  await page.click('#login button[type=submit]');
  await page.waitForURL(`${BASE_URL}/documents`);
  return cookieSession(page, 'after logging in');
}

/** Logs out; the server ends the session and removes the cookie. */
async function logOut(page) {
  const token = await sessionToken(page);
  await page.click('#logout');
  await page.locator('#login').waitFor();
  assertEqual(await sessionCookie(page), null, 'logging out removes the session cookie');
  assertEqual((await api('/api/auth/session', token)).status, 401, 'the logged-out token is revoked');
}

/** The ids of the documents on the first page of the list, after a fresh load. */
async function listedDocumentIds(page) {
  await page.goto(`${BASE_URL}/documents`);
  await page.locator('.doc-list, .empty').first().waitFor();
  return page.locator('.doc-item').evaluateAll((items) => items.map((item) => item.getAttribute('data-id')));
}

async function api(path, token, init = {}) {
  const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) };
  return fetch(`${BASE_URL}${path}`, { ...init, headers });
}

// ---------------------------------------------------------------- mail (Mailpit's HTTP API)

async function mailpit(path) {
  const response = await fetch(`${MAILPIT_URL}${path}`);
  if (!response.ok) throw new Error(`Mailpit at ${MAILPIT_URL}${path} answered ${response.status}`);
  return response.json();
}

/** The messages to exactly `to`, oldest first (Mailpit lists newest first; `to:` matches substrings). */
async function mailsTo(to) {
  const found = await mailpit(`/api/v1/search?${new URLSearchParams({ query: `to:"${to}"`, limit: '1000' })}`);
  return found.messages
    .filter((message) => message.To.some((address) => address.Address.toLowerCase() === to.toLowerCase()))
    .reverse();
}

/**
 * The six-digit code in the first mail to `to` with `subject` after the first
 * `after` mails, waiting up to 15 s: security notices may arrive in between.
 */
async function waitForMailCode(to, after, subject) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const summary = (await mailsTo(to)).slice(after).find((mail) => mail.Subject === subject);
    if (summary) {
      const message = await mailpit(`/api/v1/message/${encodeURIComponent(summary.ID)}`);
      const code = /(?<!\d)\d{6}(?!\d)/.exec(message.Text)?.[0];
      if (!code) throw new Error(`"${subject}" to ${to} has no six-digit code:\n${message.Text}`);
      return code;
    }
    if (Date.now() > deadline) throw new Error(`no "${subject}" to ${to} within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * The six-digit code in the `nth` mail to `to` (1 for the first), waiting up to
 * 15 s for it to arrive: Kratos queues mail and its courier sends it a moment later.
 */
async function waitForCode(to, nth) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const mails = await mailsTo(to);
    const summary = mails[nth - 1];
    if (summary) {
      const message = await mailpit(`/api/v1/message/${encodeURIComponent(summary.ID)}`);
      const code = /(?<!\d)\d{6}(?!\d)/.exec(message.Text)?.[0];
      if (!code) throw new Error(`mail ${nth} to ${to} ("${message.Subject}") has no six-digit code:\n${message.Text}`);
      return code;
    }
    if (Date.now() > deadline) {
      throw new Error(`mail ${nth} to ${to} did not arrive within 15 s (${mails.length} arrived: ${mails.map((m) => m.Subject).join(', ')})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** The security notices (the backend's mail, not Kratos') to `to` whose subject is `subject`, waiting up to 15 s for `count`. */
async function waitForNotices(to, subject, count) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const mails = (await mailsTo(to)).filter((message) => message.Subject === subject);
    if (mails.length >= count) return mails;
    if (Date.now() > deadline) throw new Error(`${count} notices "${subject}" to ${to} did not arrive within 15 s (${mails.length} did)`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** A six-digit code that is not `code`. */
function anotherCode(code) {
  return String((Number(code) + 1) % 1000000).padStart(6, '0');
}

// ---------------------------------------------------------------- a second factor

/** The code an authenticator app would show at `timestamp` for `secret` (base32, spaces allowed). */
function totpCode(secret, timestamp = Date.now()) {
  return new TOTP({ secret: Secret.fromBase32(secret.replace(/\s+/g, '')) }).generate({ timestamp });
}

// The 30-second steps whose code has signed someone in.
const usedTotpSteps = new Set();

/**
 * A code to sign in with. Each code signs in once (the server refuses one that
 * has, as RFC 6238 asks), so when this step's code has been used this waits, as
 * a person would, for the app's next one.
 */
async function signInTotpCode(secret) {
  let now = Date.now();
  while (usedTotpSteps.has(Math.floor(now / 30_000))) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    now = Date.now();
  }
  usedTotpSteps.add(Math.floor(now / 30_000));
  return totpCode(secret, now);
}

/**
 * Waits until the session in `page` is older than Kratos' privileged-session
 * age, so that the next change needs the current password again.
 */
async function waitForStaleLogin(page) {
  const session = await (await api('/api/auth/session', await sessionToken(page))).json();
  const age = Date.now() - Date.parse(session.authenticated_at);
  const wait = PRIVILEGED_AGE_S * 1000 + 1000 - age;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/**
 * After a click on a change that may need a recent login: if the app asks for
 * the current password, gives it. Resolves once `done` (a selector) shows;
 * says whether the prompt was there.
 */
async function passReauthentication(page, person, done) {
  const prompt = page.locator('#reauthenticate-password');
  await page.locator(`${done}, #reauthenticate-password`).first().waitFor();
  if (!(await prompt.isVisible())) return false;
  await prompt.fill(person.password);
  await page.click('#reauthenticate button[type=submit]');
  await page.locator(done).waitFor();
  return true;
}

/**
 * Logs in with the password; the app asks for the second factor instead of
 * signing in. The password-only session is in the cookie already (out of the
 * page's reach too), and the API refuses it for anything but the second factor.
 */
async function logInHalfway(page, person) {
  await page.goto(`${BASE_URL}/login`);
  await page.fill('#login-identifier', person.email);
  await page.fill('#login-password', person.password);
  await page.click('#login button[type=submit]');
  await page.locator('#second-factor-code').waitFor();
  const half = await cookieSession(page, 'after the password, before the second factor');
  const refused = await api('/api/auth/session', half);
  assertEqual(refused.status, 403, 'a password-only session is refused');
  assertEqual((await refused.json()).code, 'second_factor_required', 'for want of the second factor');
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

  // Playwright gives the browser a fresh temporary profile of its own.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  /** A page in a new browser context: another person, or another browser of the same one. */
  const newBrowser = async (who) => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, acceptDownloads: true });
    // "Copy" buttons: the test reads back what they put on the clipboard.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
    const page = await context.newPage();
    watch(page, who);
    return page;
  };
  const a = await newBrowser('A');
  const b = await newBrowser('B');
  const c = await newBrowser('C');

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
      assertEqual(await sessionCookie(a), null, 'no session cookie after a refused registration');
      await shot(a, '01-register-short-password');
    });

    await test('two people register (unique emails) and each lands on their documents', async () => {
      tokenA = await registerAndSkipVerification(a, alice);
      tokenB = await registerAndSkipVerification(b, bob);
      assert(tokenA !== tokenB, 'two browsers, two sessions');
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

    await test('A searches her list by a word of a title, in another case, and the address keeps it', async () => {
      const other = await api('/api/documents', tokenA, {
        method: 'POST',
        body: JSON.stringify({ title: `Shopping list ${run}`, body: '' }),
      });
      assertEqual(other.status, 201, 'the second document');
      await a.goto(`${BASE_URL}/documents`);
      await a.locator('.doc-item').nth(1).waitFor();
      await a.fill('#documents-search', 'QUARTERLY');
      await a.waitForURL(`${BASE_URL}/documents?q=QUARTERLY`);
      await a.locator('.doc-item').nth(1).waitFor({ state: 'detached' });
      const ids = await a.locator('.doc-item').evaluateAll((items) => items.map((item) => item.getAttribute('data-id')));
      assertEqual(ids.join(), docId, 'only the quarterly plan');
      assertEqual(await text(a, '.pager-range'), '1 of 1 matching', 'the count is of the search');
      await shot(a, '05a-documents-search');
      await a.reload();
      assertEqual(await a.inputValue('#documents-search'), 'QUARTERLY', 'the search survives a reload');
      await a.locator('.doc-item').first().waitFor();
      await a.fill('#documents-search', `nothing ${run}`);
      await a.locator('.empty').waitFor();
      assert((await text(a, '.empty')).includes(`“nothing ${run}”`), 'says what found nothing');
      await a.fill('#documents-search', '');
      await a.waitForURL(`${BASE_URL}/documents`);
      await a.locator('.doc-item').nth(1).waitFor();
    });

    await test("B keeps what others shared with him, then his own (none)", async () => {
      await b.goto(`${BASE_URL}/documents`);
      await b.locator('.doc-item').first().waitFor();
      await b.click('.owner-filter a:has-text("Shared with me")');
      await b.waitForURL(`${BASE_URL}/documents?owner=others`);
      const item = b.locator(`.doc-item[data-id="${docId}"]`);
      await item.waitFor();
      assert(/Shared with you/.test((await item.textContent()) ?? ''), "A's document, shared with B");
      await shot(b, '06a-documents-shared-with-me');
      await b.click('.owner-filter a:has-text("Mine")');
      await b.waitForURL(`${BASE_URL}/documents?owner=me`);
      assertEqual(await text(b, '.empty'), 'You have no documents of your own yet. Create one.', 'none of his own');
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
      assertEqual(await text(b, '.who-name'), bob.name, 'B is still logged in');
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

    await test('both log out; the cookie goes, the tokens stop working, and the app asks them to log in', async () => {
      for (const [page, token] of [
        [a, tokenA],
        [b, tokenB],
      ]) {
        await page.goto(`${BASE_URL}/documents`);
        assertEqual(await sessionToken(page), token, 'the same session after a page load');
        await logOut(page);
        assert(/logged out/.test(await text(page, 'main [role="status"]')), 'the logged-out notice');
        await page.goto(`${BASE_URL}/documents`);
        await page.waitForURL(/\/login\?next=%2Fdocuments$/);
      }
      await shot(a, '13-logged-out');
    });

    await test('a new account verifies its address with the code from Mailpit, and the notice goes away', async () => {
      await register(c, carol);
      await shot(c, '14-verify-code');

      // Elsewhere in the app, a notice says the address is not verified yet.
      await c.click('nav >> text=My documents');
      await c.waitForURL(`${BASE_URL}/documents`);
      assert((await text(c, '#unverified-notice')).includes(carol.email), 'the notice names the address');
      await shot(c, '15-unverified-notice');

      // Back: the code on its way came back with the history entry.
      await c.goBack();
      await c.waitForURL(`${BASE_URL}/verify`);
      await c.locator('#verify-code').waitFor();
      const code = await waitForCode(carol.email, 1);

      await c.fill('#verify-code', anotherCode(code));
      await c.click('#verify button[type=submit]');
      const refusal = await text(c, '#verify-code-error');
      assert(/invalid|used/i.test(refusal), `Kratos' message next to the code field (got "${refusal}")`);
      assertEqual(await c.getAttribute('#verify-code', 'aria-invalid'), 'true', 'the code input is marked invalid');
      await shot(c, '16-verify-wrong-code');

      await c.fill('#verify-code', code);
      await c.click('#verify button[type=submit]');
      assert((await text(c, '#verify-done')).includes(carol.email), 'the address is verified');
      await shot(c, '17-verified');

      await c.click('main >> text=Continue to my documents');
      await c.waitForURL(`${BASE_URL}/documents`);
      await c.locator('h1', { hasText: 'My documents' }).waitFor();
      assertEqual(await c.locator('#unverified-notice').count(), 0, 'the notice is gone');
      const session = await (await api('/api/auth/session', await sessionToken(c))).json();
      assertEqual(session.identity.email_verified, true, 'the server says verified');
    });

    await test('settings: a new name shows in the header and survives a reload', async () => {
      await c.click('nav >> text=Settings');
      await c.waitForURL(`${BASE_URL}/settings`);
      assertEqual(await c.inputValue('#profile-name'), carol.name, 'the name in the form');
      assertEqual(await text(c, '#profile-email'), carol.email, 'the address');
      assertEqual(await text(c, '#profile-email-status'), 'Verified', 'the address is verified');
      carol.name = 'Carol Renamed';
      await c.fill('#profile-name', carol.name);
      await c.click('#profile button[type=submit]');
      await c.locator('.who-name', { hasText: carol.name }).waitFor();
      await shot(c, '18-settings-renamed');
      await c.reload();
      assertEqual(await text(c, '.who-name'), carol.name, 'the new name after a reload');
    });

    await test('settings: "Download your data" gives a JSON file with the profile and the documents', async () => {
      await c.click('#export-start');
      // A blob: URL behind an <a download>, as for the recovery codes.
      const link = c.locator('#export-download');
      await link.waitFor();
      const [download] = await Promise.all([c.waitForEvent('download'), link.click()]);
      assertEqual(download.suggestedFilename(), 'ory-spa-account.json', 'the file name');
      const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
      assertEqual(data.profile?.email, carol.email, 'the address in the file');
      assert(Array.isArray(data.documents), 'a documents array in the file');
    });

    await test('another tab of the same browser shares its session; logging out there logs this tab out', async () => {
      const tab = await c.context().newPage();
      watch(tab, 'C, second tab');
      try {
        await tab.goto(`${BASE_URL}/documents`);
        assertEqual(await text(tab, '.who-name'), carol.name, 'logged in in the new tab too');
        await assertTokenOutOfReach(tab, await sessionToken(c), 'in the second tab');
        await logOut(tab);
        // The first tab hears of it (BroadcastChannel), asks the server, and is told.
        await c.locator('#login').waitFor();
        assert(/session has ended/i.test(await text(c, 'main [role="status"]')), 'the first tab says so');
      } finally {
        await tab.close();
      }
      await logIn(c, carol);
    });

    await test('forgot password: a code by mail, a new password; the old one fails and the new one works', async () => {
      await logOut(c);
      await c.click('text=Forgot your password?');
      await c.waitForURL(`${BASE_URL}/recovery`);
      await c.fill('#recovery-send-email', carol.email);
      await c.click('#recovery-send button[type=submit]');
      assert(
        (await text(c, '#recovery-sent')).includes(`If an account exists for ${carol.email}`),
        'the page does not say whether the account exists',
      );
      await shot(c, '19-recovery-code');
      const code = await waitForCode(carol.email, 2);
      await c.fill('#recovery-code', code);
      await c.click('#recovery button[type=submit]');
      await c.waitForURL(`${BASE_URL}/recovery/password`);
      await cookieSession(c, 'after the recovery code');
      assert(await c.isChecked('#new-password-sign_out_other_sessions'), '"sign out my other sessions" is checked');
      await shot(c, '20-new-password');

      const old = carol.password;
      carol.password = 'silver orchard calmly 93';
      await c.fill('#new-password-password', carol.password);
      await c.click('#new-password button[type=submit]');
      await c.waitForURL(`${BASE_URL}/documents`);
      assert((await text(c, '#flash')).includes('Your new password is saved'), 'the app says the password is saved');
      await shot(c, '21-new-password-saved');

      await logOut(c);
      await c.fill('#login-identifier', carol.email);
      await c.fill('#login-password', old);
      await c.click('#login button[type=submit]');
      await c.locator('#login-alert').waitFor();
      assertEqual(await sessionCookie(c), null, 'the old password signs nobody in');
      await shot(c, '22-old-password-refused');
      await logIn(c, carol);
      assertEqual(await text(c, '.who-name'), carol.name, 'logged in with the new password');
    });

    await test('sessions: one signed out from here is refused in its own browser; "sign out everywhere else"', async () => {
      // Carol's second session: another browser (a context of its own), since
      // every tab of one browser shares the cookie and so the session.
      const d = await newBrowser('D');
      try {
        const tokenD = await logIn(d, carol);
        const sessionD = (await (await api('/api/auth/session', tokenD)).json()).id;

        await c.click('nav >> text=Settings');
        await c.click('nav[aria-label="Settings"] >> text=Your sessions');
        await c.waitForURL(`${BASE_URL}/settings/sessions`);
        const rowD = c.locator(`tr[data-id="${sessionD}"]`);
        await rowD.waitFor();
        assert(/Chrome/.test(await rowD.locator('td').first().textContent()), "the other browser's device is named");
        assert((await text(c, 'tr[data-current="true"]')).includes('This device'), 'this device is marked');
        assertEqual(await c.locator('tr[data-current="true"] button').count(), 0, 'no sign-out button for this device');
        await shot(c, '23-sessions');

        await rowD.locator('button', { hasText: 'Sign out' }).click();
        await rowD.waitFor({ state: 'detached' });
        assertEqual((await api('/api/auth/session', tokenD)).status, 401, "the other browser's token is revoked");

        // The other browser's next action finds its session gone.
        await d.click('nav >> text=Groups');
        await d.locator('#login').waitFor();
        assert(/session has ended/i.test(await text(d, 'main [role="status"]')), 'the other browser is told');
        await d.reload();
        await d.locator('#login').waitFor();
        assertEqual(await d.locator('#logout').count(), 0, 'and stays logged out after a reload');
        await shot(d, '24-session-ended');

        // One more session (a script's), then "sign out everywhere else".
        const login = await api('/api/auth/login', null, {
          method: 'POST',
          body: JSON.stringify({ identifier: carol.email, password: carol.password }),
        });
        assertEqual(login.status, 200, 'a login from a script');
        const tokenE = (await login.json()).session_token;
        tokensSeen.add(tokenE);
        // The script is a new device to Carol's account (the other browser, the
        // same Chromium from the same place, was not): one mail says so.
        const [notice] = await waitForNotices(carol.email, 'New sign-in to your ory-spa account', 1);
        const noticeText = (await mailpit(`/api/v1/message/${encodeURIComponent(notice.ID)}`)).Text;
        assert(/from node at 127\.0\.0\.1\./.test(noticeText), `the notice names the script's device:\n${noticeText}`);
        assertEqual((await waitForNotices(carol.email, 'New sign-in to your ory-spa account', 1)).length, 1, 'no notice for the other browser');
        await c.reload();
        await c.locator('tr[data-current="false"]').first().waitFor();
        await c.click('#revoke-others');
        const done = await text(c, 'main [role="status"]');
        assertEqual(done, 'Signed out everywhere else.', 'the notice');
        // The list reloads after the notice; then only this device is left.
        await c.locator('tr[data-current="false"]').first().waitFor({ state: 'detached' });
        assertEqual(await c.locator('table.sessions tbody tr').count(), 1, 'only this device is left');
        assertEqual((await api('/api/auth/session', tokenE)).status, 401, "the script's token is revoked");
        assertEqual((await api('/api/auth/session', await sessionToken(c))).status, 200, 'this session stays');

        // The security activity shows the script's sign-in as the one from a new device.
        await c.click('nav[aria-label="Settings"] >> text=Security activity');
        await c.waitForURL(`${BASE_URL}/settings/activity`);
        await c.locator('#activity-table').waitFor();
        const fresh = c.locator('#activity-table tr[data-new-device="true"]');
        assertEqual(await fresh.count(), 1, 'one sign-in from a new device');
        assert((await fresh.textContent()).includes('New device'), 'marked as such');
        assertEqual(await c.locator('#activity-table tr[data-kind="registered"]').count(), 1, 'the registration is there');
        await shot(c, '24a-security-activity');
      } finally {
        await d.context().close();
      }
    });

    await test('a password change after the login grew old asks for the current password, then goes through', async () => {
      if (PRIVILEGED_AGE_S > 60) {
        return new NotRun(`Kratos' privileged-session age is ${PRIVILEGED_AGE_S} s here; scripts/e2e.sh sets 15 s`);
      }
      const token = await sessionToken(c);
      await waitForStaleLogin(c);

      await c.click('nav >> text=Settings');
      await c.click('nav[aria-label="Settings"] >> text=Profile and security');
      await c.waitForURL(`${BASE_URL}/settings`);
      const next = 'golden river slowly 64';
      await c.fill('#password-password', next);
      await c.click('#password button[type=submit]');

      // Kratos says the login is too old: the app asks for the current password.
      await c.locator('#reauthenticate-password').waitFor();
      assertEqual(await c.inputValue('#password-password'), next, 'the new password is still in its field');
      await shot(c, '25-reauthenticate');
      await c.fill('#reauthenticate-password', 'not my password at all');
      await c.click('#reauthenticate button[type=submit]');
      // Kratos' "wrong password" is about the one field typed: under it.
      const wrong = await text(c, '#reauthenticate-password-error');
      assert(/invalid|incorrect/i.test(wrong), `the message under the password field (got "${wrong}")`);
      await c.fill('#reauthenticate-password', carol.password);
      await c.click('#reauthenticate button[type=submit]');
      await c.locator('main [role="status"]', { hasText: 'Your new password is saved' }).waitFor();
      assertEqual(await c.locator('#reauthenticate').count(), 0, 'the prompt is gone');
      await shot(c, '26-password-changed');
      carol.password = next;
      assertEqual(await sessionToken(c), token, 'the same session all along');

      const login = await api('/api/auth/login', null, {
        method: 'POST',
        body: JSON.stringify({ identifier: carol.email, password: next }),
      });
      assertEqual(login.status, 200, 'the new password works');
      tokensSeen.add((await login.json()).session_token);
    });

    // Carol's second factor: codes computed from the key the page shows, as an app would.
    const secondFactor = { secret: null, codes: [] };

    await test('two-factor: an authenticator app set up in settings; a browser logged in before is asked for a code', async () => {
      // Another browser, logged in with the password alone before the app exists.
      const e = await newBrowser('E');
      try {
        await logIn(e, carol);

        await c.click('nav >> text=Settings');
        await c.waitForURL(`${BASE_URL}/settings`);
        assertEqual(await text(c, '#totp-status'), 'Off', 'no app yet');
        assert((await text(c, '#two-factor-status')).includes('is off'), 'two-factor authentication is off');
        await c.click('#totp-start');
        await passReauthentication(c, carol, '#totp-qr');
        const qr = c.locator('#totp-qr');
        assert((await qr.getAttribute('src')).startsWith('data:image/png;base64,'), 'the QR code is a data: PNG');
        assert(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code is shown (the CSP allows it)');
        const shown = await text(c, '#totp-secret');
        assert(/^([A-Z2-7]{4} )*[A-Z2-7]{1,4}$/.test(shown), `the key in groups of four (got "${shown}")`);
        secondFactor.secret = shown.replace(/ /g, '');

        await c.click('#totp-secret-copy');
        await c.locator('#totp-secret-copy-result', { hasText: 'Copied.' }).waitFor();
        assertEqual(await c.evaluate(() => navigator.clipboard.readText()), secondFactor.secret, 'the key on the clipboard');
        await shot(c, '27-totp-setup');

        await c.fill('#totp-confirm-code', anotherCode(totpCode(secondFactor.secret)));
        await c.click('#totp-confirm button[type=submit]');
        const refusal = await text(c, '#totp-confirm-code-error');
        assert(/invalid/i.test(refusal), `Kratos' message next to the code field (got "${refusal}")`);
        await c.fill('#totp-confirm-code', totpCode(secondFactor.secret));
        await c.click('#totp-confirm button[type=submit]');
        await passReauthentication(c, carol, '#totp-status:has-text("On")');
        assert((await text(c, '#totp [role="status"]')).includes('Your authenticator app is set up'), 'the app says so');
        assert((await text(c, '#two-factor-status')).includes('is on'), 'two-factor authentication is on');
        const session = await (await api('/api/auth/session', await sessionToken(c))).json();
        assertEqual(session.assurance_level, 'aal2', 'the session that set it up counts as having used it');
        await shot(c, '28-totp-on');

        // The other browser's session has not used the app: the API refuses it, and the app asks for a code.
        await e.click('nav >> text=Groups');
        await e.locator('#second-factor-required #second-factor-code').waitFor();
        await shot(e, '29-step-up');
        await e.fill('#second-factor-code', await signInTotpCode(secondFactor.secret));
        await e.click('#second-factor button[type=submit]');
        await e.locator('h1', { hasText: 'Groups' }).waitFor();
        assertEqual(new URL(e.url()).pathname, '/groups', 'the screen asked for');
        const raised = await cookieSession(e, 'after stepping up');
        assertEqual((await (await api('/api/auth/session', raised)).json()).assurance_level, 'aal2', 'the session is raised');
      } finally {
        await e.context().close();
      }
    });

    await test('two-factor: recovery codes, after re-authenticating, copied, downloaded and saved', async () => {
      const stale = PRIVILEGED_AGE_S <= 60;
      if (stale) await waitForStaleLogin(c);
      assertEqual(await text(c, '#recovery-codes-status'), 'Off', 'no recovery codes yet');
      await c.click('#recovery-codes-generate');
      const prompted = await passReauthentication(c, carol, '#recovery-codes-list');
      if (stale) assert(prompted, 'a login older than the privileged age asks for the password');
      const codes = await c.locator('#recovery-codes-list li').allTextContents();
      assert(codes.length >= 10 && codes.every((code) => /^\S+$/.test(code)), `the codes (got ${JSON.stringify(codes)})`);
      secondFactor.codes = codes;

      await c.click('#recovery-codes-copy');
      await c.locator('#recovery-codes-copy-result', { hasText: 'Copied.' }).waitFor();
      assertEqual(await c.evaluate(() => navigator.clipboard.readText()), codes.join('\n'), 'the codes on the clipboard');

      // The download: a blob: URL behind an <a download>, which the CSP leaves alone.
      const [download] = await Promise.all([c.waitForEvent('download'), c.click('#recovery-codes-download')]);
      assertEqual(download.suggestedFilename(), 'recovery-codes.txt', 'the file name');
      const file = readFileSync(await download.path(), 'utf8');
      assert(file.startsWith(`Recovery codes for ${carol.email} at ${BASE_URL}`), `the file says whose (got "${file}")`);
      assert(codes.every((code) => file.split('\n').includes(code)), 'every code in the file, one a line');
      await shot(c, '30-recovery-codes');

      await c.click('#recovery-codes-confirm');
      await passReauthentication(c, carol, '#recovery-codes-status:has-text("On")');
      assertEqual(await c.locator('#recovery-codes-list').count(), 0, 'the codes are shown only once');
      const status = await (await api('/api/account/second-factor', await sessionToken(c))).json();
      assertEqual(
        JSON.stringify(status),
        JSON.stringify({ totp: true, recovery_codes: true, recovery_codes_left: codes.length }),
        'the server agrees',
      );
      assertEqual(await text(c, '#recovery-codes-left'), `${codes.length} recovery codes are left.`, 'the count shows');
      await shot(c, '31-two-factor-on');
    });

    await test('two-factor: a login asks for the app’s code after the password, and signs in with it', async () => {
      await logOut(c);
      await logInHalfway(c, carol);
      assert((await text(c, '#second-factor-lead')).includes('authenticator app'), 'the app’s code first');
      await c.fill('#second-factor-code', anotherCode(totpCode(secondFactor.secret)));
      await c.click('#second-factor button[type=submit]');
      const refusal = await text(c, '#second-factor-code-error');
      assert(/invalid/i.test(refusal), `a wrong code is refused under the field (got "${refusal}")`);
      await shot(c, '32-second-factor-wrong-code');
      await c.fill('#second-factor-code', await signInTotpCode(secondFactor.secret));
      await c.click('#second-factor button[type=submit]');
      await c.waitForURL(`${BASE_URL}/documents`);
      const token = await cookieSession(c, 'after the second factor');
      const session = await (await api('/api/auth/session', token)).json();
      assertEqual(session.assurance_level, 'aal2', 'the session used both factors');
    });

    await test('two-factor: a password, and a recovery code, used elsewhere without the code are in the security activity', async () => {
      const stranger = await fetch(`${BASE_URL}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Stranger/1.0' },
        body: JSON.stringify({ identifier: carol.email, password: carol.password }),
      });
      assertEqual(stranger.status, 202, 'the password is right, and a code is asked for');
      // Someone who reads Carol's mail: a recovery code opens the account as far
      // as the second factor, and no further.
      const mailed = (await mailsTo(carol.email)).length;
      const sent = await fetch(`${BASE_URL}/api/auth/recovery`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: carol.email }),
      });
      assertEqual(sent.status, 202, 'a recovery code is sent');
      const code = await waitForMailCode(carol.email, mailed, 'Reset your ory-spa password');
      const recovered = await fetch(`${BASE_URL}/api/auth/recovery/code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Kiosk/2.0' },
        body: JSON.stringify({ flow_id: (await sent.json()).flow_id, code }),
      });
      assertEqual(recovered.status, 202, 'the recovery code is right, and the second factor is asked for');

      await c.goto(`${BASE_URL}/settings/activity`);
      await c.locator('#activity-table').waitFor();
      const unfinished = c.locator('#activity-table tr[data-kind="unfinished_sign_in"]');
      // This browser's own sign-ins got their codes: only the strangers' are left.
      assertEqual(await unfinished.count(), 2, 'two unfinished sign-ins');
      const [recovery, password] = [await unfinished.nth(0).innerText(), await unfinished.nth(1).innerText()];
      assert(
        password.includes('Second factor not given after signing in with password'),
        `said in words (got "${password}")`,
      );
      assert(password.includes('Stranger'), `with the device (got "${password}")`);
      assert(
        recovery.includes('Second factor not given after signing in with emailed recovery code'),
        `the recovery code, newest first (got "${recovery}")`,
      );
      assert(recovery.includes('Kiosk'), `with its device (got "${recovery}")`);
      await shot(c, '32a-unfinished-sign-in');

      // The stranger's half session is in Carol's sessions, marked, and hers to end.
      await c.goto(`${BASE_URL}/settings/sessions`);
      const strangers = c.locator('table.sessions tbody tr', { has: c.locator('span[title="Stranger/1.0"]') });
      await strangers.first().waitFor();
      assertEqual(await strangers.count(), 1, "the stranger's session");
      const row = await strangers.innerText();
      assert(row.includes('Second factor not given'), `marked (got "${row}")`);
      const mine = await c.locator('table.sessions tbody tr[data-current="true"]').innerText();
      assert(!mine.includes('Second factor not given'), `this one is not (got "${mine}")`);
      assert(
        (await text(c, '#sessions-help')).includes('someone knows your password'),
        'what a marked session means is said',
      );
      await shot(c, '32b-session-without-second-factor');
      await strangers.locator('button').click();
      await c.locator('main', { hasText: 'Signed out' }).waitFor();
      await strangers.first().waitFor({ state: 'detached' });
    });

    await test('two-factor: a login with a recovery code instead, which works once', async () => {
      await logOut(c);
      await logInHalfway(c, carol);
      await c.click('#second-factor-switch');
      await c.fill('#second-factor-code', secondFactor.codes[0]);
      await shot(c, '33-second-factor-recovery-code');
      await c.click('#second-factor button[type=submit]');
      await c.waitForURL(`${BASE_URL}/documents`);
      await cookieSession(c, 'after a recovery code as the second factor');
      assertEqual(await text(c, '.who-name'), carol.name, 'logged in');

      await logOut(c);
      await logInHalfway(c, carol);
      await c.click('#second-factor-switch');
      await c.fill('#second-factor-code', secondFactor.codes[0]);
      await c.click('#second-factor button[type=submit]');
      const refusal = await text(c, '#second-factor-code-error');
      assert(/used/i.test(refusal), `a used recovery code is refused (got "${refusal}")`);
      const half = await api('/api/auth/session', await sessionToken(c));
      assertEqual(half.status, 403, 'not logged in: the cookie still holds the password-only session');
    });

    await test('two-factor: removing the app and the codes (each after a confirmation) makes the password enough again', async () => {
      // Still on the second step, with a recovery code asked for.
      assertEqual(await text(c, '[data-field="code"] label'), 'Recovery code', 'the field');
      await c.fill('#second-factor-code', secondFactor.codes[1]);
      await c.click('#second-factor button[type=submit]');
      await c.waitForURL(`${BASE_URL}/documents`);
      await cookieSession(c, 'after the second recovery code');

      await c.click('nav >> text=Settings');
      await c.waitForURL(`${BASE_URL}/settings`);
      const left = `${secondFactor.codes.length - 2} recovery codes are left.`;
      await c.locator('#recovery-codes-left', { hasText: left }).waitFor();
      await c.click('#totp-remove');
      await c.locator('#totp-remove-confirm').waitFor();
      assert((await text(c, '#totp-remove-confirm')).includes('Your recovery codes stay'), 'the codes are mentioned');
      await shot(c, '34-totp-remove-confirm');
      await c.click('#totp-remove-confirm button.danger');
      await passReauthentication(c, carol, '#totp-status:has-text("Off")');
      await c.click('#recovery-codes-remove');
      await c.click('#recovery-codes-remove-confirm button.danger');
      await passReauthentication(c, carol, '#recovery-codes-status:has-text("Off")');
      assert((await text(c, '#two-factor-status')).includes('is off'), 'two-factor authentication is off');
      await shot(c, '35-two-factor-off');

      await logOut(c);
      await logIn(c, carol);
      assertEqual(await text(c, '.who-name'), carol.name, 'the password alone logs in');
    });

    await test('Swagger UI renders under its own Content-Security-Policy, with the Authorize button', async () => {
      const page = await a.context().newPage();
      watch(page, 'Swagger UI');
      const response = await page.goto(`${BASE_URL}/swagger-ui/`);
      const csp = response?.headers()['content-security-policy'] ?? '';
      assert(csp.includes("frame-ancestors 'none'") && csp.includes("script-src 'self'"), `Swagger UI's CSP: ${csp}`);
      await page.waitForSelector('.swagger-ui .info .title', { timeout: TIMEOUT });
      await page.waitForSelector('button.authorize', { timeout: TIMEOUT });
      await shot(page, '90-swagger-ui');
      await page.close();
    });

    await test('a new email address: its code from Mailpit verifies it; it logs in, and the old one no longer does', async () => {
      const g = await newBrowser('G');
      try {
        const token = await registerAndSkipVerification(g, erin);
        await g.click('nav >> text=Settings');
        await g.waitForURL(`${BASE_URL}/settings`);
        assertEqual(await text(g, '#profile-email'), erin.email, 'the address before');
        await g.click('#email-change-start');
        await g.fill('#email-change-email', movedTo);
        await shot(g, 'email-1-change');
        await g.click('#email-change button[type=submit]');
        // Registering was a login, but with this stack's 15-second privileged
        // age it may have grown too old for the change already.
        await passReauthentication(g, erin, '#verify-code');

        // Straight on to the code mailed to the new address, as after registering.
        await g.waitForURL(`${BASE_URL}/verify`);
        assert((await text(g, '#verify-sent')).includes(movedTo), 'the code page names the new address');
        assertEqual(await g.getAttribute('.who-name', 'title'), movedTo, 'the header has the new address');
        await shot(g, 'email-2-verify-code');
        // Its first mail: the registration's code went to the old address.
        const code = await waitForCode(movedTo, 1);
        await g.fill('#verify-code', code);
        await g.click('#verify button[type=submit]');
        assert((await text(g, '#verify-done')).includes(movedTo), 'the new address is verified');

        await g.click('nav >> text=Settings');
        await g.waitForURL(`${BASE_URL}/settings`);
        await g.locator('#profile-email', { hasText: movedTo }).waitFor();
        assertEqual(await text(g, '#profile-email-status'), 'Verified', 'verified, in settings');
        await shot(g, 'email-3-verified');
        assertEqual(await sessionToken(g), token, 'the same session all along');
        const session = await (await api('/api/auth/session', token)).json();
        assertEqual(session.identity.email, movedTo, 'the server has the new address');
        assertEqual(session.identity.email_verified, true, 'the server says verified');

        const old = erin.email;
        erin.oldEmail = old;
        erin.email = movedTo;
        await logOut(g);
        await logIn(g, erin);
        assertEqual(await text(g, '.who-name'), erin.name, 'the new address logs in');

        // The old address signs nobody in, with the message an unknown address gets.
        await logOut(g);
        await g.fill('#login-identifier', old);
        await g.fill('#login-password', erin.password);
        await g.click('#login button[type=submit]');
        const refused = await text(g, '#login-alert');
        assertEqual(await sessionCookie(g), null, 'no session cookie for the old address');
        await shot(g, 'email-4-old-address-refused');
        await g.goto(`${BASE_URL}/login`);
        await g.fill('#login-identifier', `e2e-nobody-em-${run}@example.com`);
        await g.fill('#login-password', erin.password);
        await g.click('#login button[type=submit]');
        assertEqual(refused, await text(g, '#login-alert'), 'the invalid-credentials message');
        assert(/invalid/i.test(refused), `Kratos' message (got "${refused}")`);
      } finally {
        await g.context().close();
      }
    });

    await test('the old address undoes the change with its notice\'s link: asked first; every session ends; the old address logs in again', async () => {
      const g = await newBrowser('G2');
      try {
        const token = await logIn(g, erin);
        const [notice] = await waitForNotices(erin.oldEmail, 'Your ory-spa email address was changed', 1);
        const noticeText = (await mailpit(`/api/v1/message/${encodeURIComponent(notice.ID)}`)).Text;
        const link = /(\S+\/restore-email#token=[0-9a-f]{64})/.exec(noticeText)?.[1];
        assert(link?.startsWith(`${BASE_URL}/restore-email#token=`), `the notice links to this SPA:\n${noticeText}`);

        await g.goto(link);
        await g.locator('#restore-email-undo button[type=submit]').waitFor();
        // The page drops the fragment right after its first render.
        await g.waitForFunction(() => globalThis.location.hash === '', null, { timeout: 5000 });
        assertEqual(new URL(g.url()).hash, '', 'the secret left the address bar');
        assertEqual((await api('/api/auth/session', token)).status, 200, 'opening the link changed nothing');
        await shot(g, 'email-5-undo-asks');
        await g.click('#restore-email-undo button[type=submit]');
        assert((await text(g, '#restore-email-done')).includes(erin.oldEmail), 'the page names the address');
        await shot(g, 'email-6-undone');
        assertEqual((await api('/api/auth/session', token)).status, 401, 'every session ended, this one too');

        erin.email = erin.oldEmail;
        const again = await logIn(g, erin);
        assertEqual(await text(g, '.who-name'), erin.name, 'the old address logs in again');
        const session = await (await api('/api/auth/session', again)).json();
        assertEqual(session.identity.email_verified, true, 'and it is verified');
      } finally {
        await g.context().close();
      }
    });

    await test('deleting the account: typing the address, signed out; the old login fails; the address registers anew, empty', async () => {
      const f = await newBrowser('F');
      try {
        const token = await registerAndSkipVerification(f, dee);
        const before = (await (await api('/api/auth/session', token)).json()).identity.id;
        await f.click('text=New document');
        await f.waitForURL(`${BASE_URL}/documents/new`);
        await f.fill('#new-document-title', `Leaving with me ${run}`);
        await f.fill('#new-document-body', 'Deleted with the account.');
        await f.click('#new-document button[type=submit]');
        await f.waitForURL(/\/documents\/[0-9a-f-]{36}$/);

        await f.click('nav >> text=Settings');
        await f.waitForURL(`${BASE_URL}/settings`);
        await f.click('#delete-account-start');
        const final = f.locator('#delete-account button[type=submit]');
        await f.locator('#delete-account-email').waitFor();
        assert(await final.isDisabled(), '"Delete my account" is disabled until the address is typed');
        await f.fill('#delete-account-email', alice.email);
        assert(await final.isDisabled(), 'and stays disabled for another address');
        await f.fill('#delete-account-email', ` ${dee.email.toUpperCase()} `);
        assert(await final.isEnabled(), 'the address, in any case, enables it');
        await shot(f, '36-delete-account-confirm');
        await final.click();
        // The backend's own limit on the login's age, which this fresh login is
        // normally well within.
        await passReauthentication(f, dee, '#login');
        await f.waitForURL(`${BASE_URL}/login`);
        assertEqual(await text(f, 'main [role="status"]'), 'Your account has been deleted.', 'the notice');
        assertEqual(await sessionCookie(f), null, 'the server cleared the session cookie');
        assertEqual((await api('/api/auth/session', token)).status, 401, 'the session ended with the account');
        await shot(f, '37-account-deleted');

        // The old password signs nobody in, with the message an unknown address gets.
        await f.fill('#login-identifier', dee.email);
        await f.fill('#login-password', dee.password);
        await f.click('#login button[type=submit]');
        const refused = await text(f, '#login-alert');
        assertEqual(await sessionCookie(f), null, 'no session cookie for the deleted account');
        await f.goto(`${BASE_URL}/login`);
        await f.fill('#login-identifier', `e2e-nobody-${run}@example.com`);
        await f.fill('#login-password', dee.password);
        await f.click('#login button[type=submit]');
        assertEqual(refused, await text(f, '#login-alert'), 'the invalid-credentials message');
        assert(/invalid/i.test(refused), `Kratos' message (got "${refused}")`);

        // The address is free again: a new account, with nothing of the old one.
        const fresh = await registerAndSkipVerification(f, dee);
        const after = (await (await api('/api/auth/session', fresh)).json()).identity.id;
        assert(after !== before, 'a new account, not the old one back');
        await f.locator('.empty').waitFor();
        assertEqual(await f.locator('.doc-item').count(), 0, 'no documents');
        await shot(f, '38-registered-again');
      } finally {
        await f.context().close();
      }
    });

    await test('social sign-in: "Sign in with Local provider", the provider\'s pages, back in the app signed in by the cookie', async () => {
      assert(PROVIDER_PASSWORD, 'PROVIDER_PASSWORD is set (scripts/e2e.sh passes the stack\'s)');
      // Sam has no account yet: the provider's sign-in registers one.
      const s = await newBrowser('S');
      try {
        const urls = [];
        s.on('request', (request) => urls.push(request.url()));
        // Note the verifier the start hands out (the page leaves at once, so the
        // answer is read on its way through, unchanged).
        let verifier = null;
        await s.route('**/api/auth/social/providers/hydra', async (route) => {
          const response = await route.fetch();
          verifier = (await response.json()).verifier;
          await route.fulfill({ response });
        });
        await s.goto(`${BASE_URL}/login`);
        await s.click('button[data-provider="hydra"]:has-text("Sign in with Local provider")');

        await s.waitForURL(/\/login\?login_challenge=/);
        assert(!s.url().startsWith(BASE_URL), `the provider's own page, not the app (${s.url()})`);
        await shot(s, 'social-1-provider-login');
        await s.fill('#email', sam.email);
        await s.fill('#name', sam.name);
        await s.fill('#password', PROVIDER_PASSWORD);
        await s.click('#sign-in');
        await s.waitForURL(/\/consent\?consent_challenge=/);
        await shot(s, 'social-2-provider-consent');
        await s.click('#allow');

        await s.waitForURL(`${BASE_URL}/documents`);
        await s.locator('h1', { hasText: 'My documents' }).waitFor();
        assertEqual(await text(s, '.who-name'), sam.name, 'the name the provider gave');
        const token = await cookieSession(s, 'after the social sign-in');
        const session = await (await api('/api/auth/session', token)).json();
        assertEqual(session.identity.email, sam.email, 'the session is the provider\'s person');
        assertEqual(session.identity.email_verified, true, 'the provider vouched for the address');
        assert(urls.some((url) => url.startsWith(`${BASE_URL}/auth/social/return?`)), 'came back to the return page');
        assert(verifier, 'the start answered with a verifier');
        assert(!urls.some((url) => url.includes(verifier)), 'the verifier never appeared in a URL');
        // The pending sign-in (state and verifier) was this tab's only until the return.
        assertEqual(await s.evaluate(() => sessionStorage.length), 0, 'the return page forgot the pending sign-in');
        await shot(s, 'social-3-signed-in');

        // Settings shows the provider as Sam's way in, which cannot be removed
        // while he has no password.
        await s.goto(`${BASE_URL}/settings`);
        await s.locator('#providers-list li[data-provider="hydra"]').waitFor();
        assertEqual(await text(s, '#providers-list .provider-label'), 'Local provider', 'the provider, by its label');
        assert(await s.locator('button[aria-label="Remove Local provider"]').isDisabled(), 'the only way in cannot be removed');
        assert((await text(s, '#providers-only-way')).includes('set a password above'), 'says why');
        await s.locator('#sign-in-providers').scrollIntoViewIfNeeded();
        await shot(s, 'social-3a-providers');

        // A reload finds the session in the cookie, like any other sign-in's.
        await s.reload();
        assertEqual(await text(s, '.who-name'), sam.name, 'still signed in after a reload');
        await logOut(s);
      } finally {
        await s.context().close();
      }
    });

    await test('social sign-in: cancelling at the provider comes back with a message, signed in nowhere', async () => {
      const t = await newBrowser('T');
      try {
        await t.goto(`${BASE_URL}/register`);
        await t.click('button[data-provider="hydra"]');
        await t.waitForURL(/\/login\?login_challenge=/);
        await t.click('#cancel');
        await t.waitForURL(`${BASE_URL}/auth/social/return`);
        assertEqual(await text(t, '#social-return-alert'), 'You cancelled the sign-in at the provider.', 'the message');
        assertEqual(await sessionCookie(t), null, 'no session cookie');
        assertEqual(await t.evaluate(() => sessionStorage.length), 0, 'the pending sign-in is forgotten');
        await shot(t, 'social-4-cancelled');
      } finally {
        await t.context().close();
      }
    });

    await test('social sign-in: an account with the address links the provider with its password; Settings removes it', async () => {
      const l = await newBrowser('L');
      try {
        await registerAndSkipVerification(l, lin);
        await logOut(l);
        await l.click('button[data-provider="hydra"]');
        await l.waitForURL(/\/login\?login_challenge=/);
        await l.fill('#email', lin.email);
        await l.fill('#name', 'Lin at the provider');
        await l.fill('#password', PROVIDER_PASSWORD);
        await l.click('#sign-in');
        await l.waitForURL(/\/consent\?consent_challenge=/);
        await l.click('#allow');

        // Back in the app: the account exists, and its password links the provider.
        await l.locator('#link-account').waitFor();
        await shot(l, 'social-5-link');
        await l.fill('#link-account-password', lin.password);
        await l.click('#link-account button[type=submit]');
        await l.locator('h1', { hasText: 'My documents' }).waitFor();
        assertEqual(await text(l, '.who-name'), lin.name, "the account's own name, not the provider's");

        await l.goto(`${BASE_URL}/settings`);
        await l.locator('#providers-list li[data-provider="hydra"]').waitFor();
        await l.click('button[aria-label="Remove Local provider"]');
        await l.click('#provider-remove-confirm button.danger');
        await l.locator('#providers-none').waitFor();
        assert(
          (await text(l, '#sign-in-providers')).includes('Local provider no longer signs you in.'),
          'says it is removed',
        );
        await l.locator('#sign-in-providers').scrollIntoViewIfNeeded();
        await shot(l, 'social-6-provider-removed');
        // Lin is told of both by mail.
        await waitForNotices(lin.email, 'Local provider was linked to your ory-spa account', 1);
        await waitForNotices(lin.email, 'Local provider was removed from your ory-spa account', 1);
        // And her security activity names the provider, by its label.
        await l.goto(`${BASE_URL}/settings/activity`);
        assertEqual(
          await text(l, 'tr[data-kind="provider_removed"] td:nth-child(2)'),
          'Sign-in provider removed: Local provider',
          'the removal',
        );
        assertEqual(
          await text(l, 'tr[data-kind="provider_linked"] td:nth-child(2)'),
          'Sign-in provider linked: Local provider',
          'the link',
        );
        await shot(l, 'social-7-activity');
        await logOut(l);
      } finally {
        await l.context().close();
      }
    });

    await test('the run had no CSP violations, page errors, leaked tokens, or requests outside cookie mode', async () => {
      assert(apiRequestsChecked > 0, 'the API requests were checked');
      assert(problems.length === 0, `problems seen:\n${problems.join('\n')}`);
    });
  } finally {
    await browser.close().catch(() => undefined);
  }

  const count = (status) => results.filter((r) => r.status === status).length;
  const skipped = count('skipped');
  const notRun = count('not run');
  console.log(
    `${count('passed')} passed, ${count('failed')} failed${skipped ? `, ${skipped} skipped` : ''}${notRun ? `, ${notRun} not run` : ''}`,
  );
  process.exit(count('failed') + skipped === 0 ? 0 : 1);
}

main().catch((error) => {
  console.log(`FAIL - the e2e run crashed\n${indent(error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
  const passed = results.filter((r) => r.status === 'passed').length;
  console.log(`${passed} passed, ${results.length - passed + 1} failed`);
  process.exit(1);
});
