import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { sessions } from '../auth/sessionState';
import { Screen, json, problem, route, type Handler } from '../testing/screen';
import { tokenFromFragment } from './RestoreEmail';

// Undoing an email change with the link mailed to the old address
// (`/restore-email#token=…`): the page keeps the token, takes it out of the
// address bar, and sends it only when the person presses the button.

const TOKEN = '0123456789abcdef'.repeat(4);
const OLD = 'ada@example.com';
const ADA = { id: '11111111-1111-4111-8111-111111111111', email: 'mallory@example.com', name: 'Ada', email_verified: true };
const UNDO = '#restore-email-undo button[type=submit]';
const INCOMPLETE = 'This link is incomplete';

let screen: Screen;

beforeEach(() => {
  screen = new Screen();
});

afterEach(() => {
  screen.stop();
});

function restored(flags: { authenticator_removed?: boolean; recovery_codes_removed?: boolean } = {}) {
  return json(200, { email: OLD, authenticator_removed: false, recovery_codes_removed: false, ...flags });
}

function serveRestore(answer: Handler): void {
  screen.serve(route({ 'POST /api/account/email/restore': answer }));
}

/** What the page asked the server, as "METHOD /path". */
function asked(): string[] {
  return screen.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
}

describe('tokenFromFragment', () => {
  it('takes 64 lower-case hex digits from #token=, and nothing else', () => {
    expect(tokenFromFragment(`#token=${TOKEN}`)).toBe(TOKEN);
    expect(tokenFromFragment(`token=${TOKEN}`)).toBe(TOKEN);
    expect(tokenFromFragment('')).toBeNull();
    expect(tokenFromFragment('#token=')).toBeNull();
    expect(tokenFromFragment(`#token=${TOKEN.slice(0, 63)}`)).toBeNull();
    expect(tokenFromFragment(`#token=${TOKEN}0`)).toBeNull();
    expect(tokenFromFragment(`#token=${TOKEN.toUpperCase()}`)).toBeNull();
    expect(tokenFromFragment(`#token=${'g'.repeat(64)}`)).toBeNull();
    expect(tokenFromFragment(`#other=${TOKEN}`)).toBeNull();
  });
});

describe('undoing an email change', () => {
  it('takes the token out of the address bar and sends nothing until the button is pressed', async () => {
    serveRestore(() => restored());
    await screen.start(`/restore-email#token=${TOKEN}`);
    const what = await screen.waitForElement('#restore-email-what');
    expect(what.textContent).toContain(
      'This puts your old address back as your login, signs every session out, and removes an authenticator app or recovery codes set up since the change.',
    );
    expect(screen.text(UNDO)).toBe('Undo the email change');
    // The secret left the address bar (and this history entry) at once; the path stayed.
    expect(location.pathname).toBe('/restore-email');
    expect(location.hash).toBe('');
    expect(location.href).not.toContain(TOKEN);
    // Opening the link (as a mail scanner would) changed nothing at the server.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(asked()).toEqual(['GET /api/auth/session']);
    expect(await screen.sent('POST', '/api/account/email/restore')).toEqual([]);

    await screen.click(UNDO);
    const done = await screen.waitForElement('#restore-email-done');
    expect(await screen.sent('POST', '/api/account/email/restore')).toEqual([{ token: TOKEN }]);
    // The token went in the body, never in a URL.
    expect(screen.requests.every((r) => !r.url.includes(TOKEN))).toBe(true);
    expect(done.textContent).toBe(
      `Your address ${OLD} is your login again, and every session of the account was signed out.`,
    );
    expect(screen.find('#restore-email-authenticator')).toBeNull();
    expect(screen.find('#restore-email-recovery-codes')).toBeNull();
    expect(screen.text('#restore-email-next')).toContain('Now set a new password: someone else may know the current one.');
    expect(screen.find('#restore-email-next a')?.getAttribute('href')).toBe('/recovery');
    expect(screen.find(UNDO)).toBeNull();
    expect(document.title).toBe('Email change undone · Documents');

    await screen.click('#restore-email-next a');
    await screen.waitForElement('#recovery-send');
    expect(location.pathname).toBe('/recovery');
  });

  it('says what else went: an authenticator app and recovery codes set up after the change', async () => {
    serveRestore(() => restored({ authenticator_removed: true, recovery_codes_removed: true }));
    await screen.start(`/restore-email#token=${TOKEN}`);
    await screen.click(UNDO);
    await screen.waitForElement('#restore-email-done');
    expect(screen.text('#restore-email-authenticator')).toBe('The authenticator app set up after the change was removed.');
    expect(screen.text('#restore-email-recovery-codes')).toBe('The recovery codes made after the change were removed.');
  });

  it('says only what went: recovery codes without an authenticator app', async () => {
    serveRestore(() => restored({ recovery_codes_removed: true }));
    await screen.start(`/restore-email#token=${TOKEN}`);
    await screen.click(UNDO);
    await screen.waitForElement('#restore-email-done');
    expect(screen.find('#restore-email-authenticator')).toBeNull();
    expect(screen.find('#restore-email-recovery-codes')).not.toBeNull();
  });

  it('shows a link that no longer works, without the button', async () => {
    const detail = 'This link no longer works: it was used, is more than seven days old, or was ended by another undo.';
    serveRestore(() => json(400, problem(400, 'restore_link_invalid', detail)));
    await screen.start(`/restore-email#token=${TOKEN}`);
    await screen.click(UNDO);
    const alert = await screen.waitForElement('#restore-email-alert');
    expect(alert.textContent).toBe(detail);
    expect(alert.getAttribute('role')).toBe('alert');
    expect(screen.find(UNDO)).toBeNull();
    expect(screen.find('#restore-email-done')).toBeNull();
    expect(screen.find('main a[href="/login"]')).not.toBeNull();
  });

  it.each([
    [409, 'conflict', 'Another account uses that address now.', 'Another account uses that address now.'],
    [503, 'service_unavailable', 'The identity service is unavailable.', 'The identity service is unavailable.'],
  ])('shows a %i and keeps the button, and a second press can succeed', async (status, code, detail, text) => {
    let calls = 0;
    serveRestore(() => {
      calls += 1;
      return calls === 1 ? json(status, problem(status, code, detail)) : restored();
    });
    await screen.start(`/restore-email#token=${TOKEN}`);
    await screen.click(UNDO);
    const alert = await screen.waitForElement('#restore-email-alert');
    expect(alert.textContent).toBe(text);
    expect(screen.find(UNDO)).not.toBeNull();
    await screen.waitFor(() => (screen.find(UNDO) as HTMLButtonElement | null)?.disabled === false, 'the button again');

    await screen.click(UNDO);
    await screen.waitForElement('#restore-email-done');
    expect(await screen.sent('POST', '/api/account/email/restore')).toEqual([{ token: TOKEN }, { token: TOKEN }]);
  });

  it('says how long to wait after too many attempts, and keeps the button', async () => {
    serveRestore(
      () =>
        new Response(JSON.stringify(problem(429, 'rate_limited', 'Too many requests. Try again in 600 seconds.')), {
          status: 429,
          headers: { 'content-type': 'application/problem+json', 'Retry-After': '600' },
        }),
    );
    await screen.start(`/restore-email#token=${TOKEN}`);
    await screen.click(UNDO);
    const alert = await screen.waitForElement('#restore-email-alert');
    expect(alert.textContent).toBe('Too many attempts. For your security, please wait and try again in 10 minutes.');
    expect(screen.find(UNDO)).not.toBeNull();
  });

  it.each([
    ['without a fragment', '/restore-email'],
    ['with an empty token', '/restore-email#token='],
    ['with a token cut short', `/restore-email#token=${TOKEN.slice(0, 40)}`],
    ['with an upper-case token', `/restore-email#token=${TOKEN.toUpperCase()}`],
    ['with something else in the fragment', `/restore-email#code=${TOKEN}`],
  ])('says a link %s is incomplete, and offers no button', async (_, path) => {
    serveRestore(() => restored());
    await screen.start(path);
    const alert = await screen.waitForElement('#restore-email-incomplete');
    expect(alert.textContent).toContain(INCOMPLETE);
    expect(alert.textContent).toContain('Open the link from the mail again');
    expect(screen.find(UNDO)).toBeNull();
    expect(location.pathname).toBe('/restore-email');
    expect(location.hash).toBe('');
    expect(asked()).toEqual(['GET /api/auth/session']);
  });

  it('ends the session this browser held, which the undo signed out, and still shows what it did', async () => {
    screen.withSessionCookie();
    screen.serve(
      route({
        'GET /api/auth/session': () => json(200, { id: 's', identity: ADA }),
        'POST /api/account/email/restore': () => {
          // Every session of the account is signed out: the cookie's session is
          // gone, and the server answers 401 to it from now on.
          screen.cookie = null;
          return restored({ authenticator_removed: true });
        },
      }),
    );
    await screen.start(`/restore-email#token=${TOKEN}`);
    // Signed in, the link is not lost on the way into the app.
    await screen.waitForElement('#logout');
    expect(location.pathname).toBe('/restore-email');
    expect(location.hash).toBe('');
    expect(typeof sessions.get()).toBe('number');

    await screen.click(UNDO);
    await screen.waitFor(() => sessions.get() === null, 'the session to end');
    const done = await screen.waitForElement('#restore-email-done');
    expect(done.textContent).toContain(`Your address ${OLD} is your login again`);
    expect(screen.find('#restore-email-authenticator')).not.toBeNull();
    expect(screen.find('#logout')).toBeNull();
    expect(location.pathname).toBe('/restore-email');
    expect(asked()).toEqual(['GET /api/auth/session', 'POST /api/account/email/restore', 'GET /api/auth/session']);
  });

  it('keeps a session of another account that this browser held', async () => {
    screen.withSessionCookie();
    screen.serve(
      route({
        'GET /api/auth/session': () => json(200, { id: 's', identity: ADA }),
        'POST /api/account/email/restore': () => restored(),
      }),
    );
    await screen.start(`/restore-email#token=${TOKEN}`);
    await screen.click(UNDO);
    await screen.waitForElement('#restore-email-done');
    await screen.waitFor(() => asked().length === 3, 'the session checked');
    expect(typeof sessions.get()).toBe('number');
    expect(screen.find('#logout')).not.toBeNull();
  });

  it('shows the result again on a reload, without the token', async () => {
    serveRestore(() => restored({ recovery_codes_removed: true }));
    await screen.start(`/restore-email#token=${TOKEN}`);
    await screen.click(UNDO);
    await screen.waitForElement('#restore-email-done');
    const state: unknown = history.state;
    expect(JSON.stringify(state)).not.toContain(TOKEN);
    screen.stop();

    screen = new Screen();
    serveRestore(() => restored());
    await screen.start('/restore-email', state);
    await screen.waitForElement('#restore-email-done');
    expect(screen.find('#restore-email-recovery-codes')).not.toBeNull();
    expect(asked()).toEqual(['GET /api/auth/session']);
  });

  it('takes a new link opened in the same tab', async () => {
    serveRestore(() => restored());
    await screen.start('/restore-email');
    await screen.waitForElement('#restore-email-incomplete');
    const other = 'f'.repeat(64);
    history.replaceState(null, '', `/restore-email#token=${other}`);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await screen.waitForElement(UNDO);
    expect(location.hash).toBe('');
    await screen.click(UNDO);
    await screen.waitForElement('#restore-email-done');
    expect(await screen.sent('POST', '/api/account/email/restore')).toEqual([{ token: other }]);
  });
});
