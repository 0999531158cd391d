import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { sessions } from './auth/sessionState';
import { Screen, body, json, problem, route } from './testing/screen';

// The second factor when signing in: the login's second step, and a session
// that the API refuses with `second_factor_required` (stepping up). In cookie
// mode the password-only session is in the cookie from the 202 on.

const FLOW = '44444444-4444-4444-8444-444444444444';
const ADA = { id: '11111111-1111-4111-8111-111111111111', email: 'ada@example.com', name: 'Ada', email_verified: true };
const WRONG_TOTP = 'The provided authentication code is invalid, please try again.';
const EMPTY_PAGE = { items: [], page: 1, per_page: 20, total: 0 };
const NEEDS_CODE = problem(403, 'second_factor_required', 'Enter a code from your authenticator app, or a recovery code, to continue.');

function signedIn() {
  return {
    session: { id: '77777777-7777-4777-8777-777777777777', assurance_level: 'aal2', identity: ADA },
  };
}

function halfway(methods: string[]) {
  return json(202, { second_factor: { flow_id: FLOW, methods } });
}

let screen: Screen;

beforeEach(() => {
  screen = new Screen();
});

afterEach(() => {
  screen.stop();
});

async function logIn() {
  await screen.start('/login');
  await screen.type('#login-identifier', ADA.email);
  await screen.type('#login-password', 'a long enough passphrase');
  await screen.click('#login button[type=submit]');
  return screen.waitForElement('#second-factor-code');
}

describe('the login’s second step', () => {
  it('asks for the app’s code, shows a wrong one under the field, and signs in with the right one', async () => {
    screen.serve(
      route({
        'POST /api/auth/login': () => halfway(['totp']),
        'POST /api/auth/second-factor': async (request) => {
          if ((await body(request)).code !== '123456') {
            return json(400, problem(400, 'validation_failed', 'Refused.', [{ field: 'code', id: 4000008, text: WRONG_TOTP }]));
          }
          return json(200, signedIn());
        },
        'GET /api/documents': () => json(200, EMPTY_PAGE),
      }),
    );
    const input = await logIn();
    expect(screen.find('#second-factor-code')?.closest('[data-field]')?.textContent).toContain(
      'Code from your authenticator app',
    );
    expect(input.getAttribute('inputmode')).toBe('numeric');
    expect(input.getAttribute('autocomplete')).toBe('one-time-code');
    // Only an app: nothing to switch to.
    expect(screen.find('#second-factor-switch')).toBeNull();
    // Halfway is not logged in: the password-only session is in the cookie,
    // and only the code step may use it.
    expect(sessions.get()).toBeNull();
    const passwordOnly = screen.cookie;
    expect(passwordOnly).not.toBeNull();

    await screen.type('#second-factor-code', '000000');
    await screen.click('#second-factor button[type=submit]');
    const error = await screen.waitForElement('#second-factor-code-error');
    expect(error.textContent).toBe(WRONG_TOTP);
    expect(screen.find('#second-factor-code')?.getAttribute('aria-invalid')).toBe('true');
    expect(screen.find('#second-factor-code')?.getAttribute('aria-describedby')).toContain('second-factor-code-error');
    expect(screen.find('#second-factor-alert')).toBeNull();

    await screen.type('#second-factor-code', '123 456');
    await screen.click('#second-factor button[type=submit]');
    await screen.waitForElement('.empty');
    expect(location.pathname).toBe('/documents');
    expect(typeof sessions.get()).toBe('number');
    // The same session, raised: the cookie the 202 set.
    expect(screen.cookie).toBe(passwordOnly);
    expect(await screen.sent('POST', '/api/auth/second-factor')).toEqual([
      { method: 'totp', code: '000000', flow_id: FLOW },
      { method: 'totp', code: '123456', flow_id: FLOW },
    ]);
  });

  it('takes a recovery code instead, and says plainly when there were too many wrong codes', async () => {
    screen.serve(
      route({
        'POST /api/auth/login': () => halfway(['totp', 'lookup_secret']),
        'POST /api/auth/second-factor': () =>
          new Response(JSON.stringify(problem(429, 'rate_limited', 'Too many attempts. Try again in 900 seconds.')), {
            status: 429,
            headers: { 'content-type': 'application/problem+json', 'retry-after': '900' },
          }),
      }),
    );
    await logIn();
    await screen.type('#second-factor-code', '99');
    await screen.click('#second-factor-switch');
    expect(screen.text('[data-field="code"] label')).toBe('Recovery code');
    expect(screen.value('#second-factor-code')).toBe('');
    expect(screen.text('#second-factor-switch')).toBe('Use a code from your authenticator app instead');
    expect(document.activeElement?.id).toBe('second-factor-code');

    await screen.type('#second-factor-code', ' abcd1234 ');
    await screen.click('#second-factor button[type=submit]');
    const alert = await screen.waitForElement('#second-factor-alert');
    expect(alert.textContent).toBe('Too many wrong codes. For your security, please wait and try again in 15 minutes.');
    expect(screen.find('#second-factor-code-error')).toBeNull();
    expect(await screen.sent('POST', '/api/auth/second-factor')).toEqual([
      { method: 'lookup_secret', code: 'abcd1234', flow_id: FLOW },
    ]);
  });

  it('starts a new flow for the same session when the login’s has expired', async () => {
    screen.serve(
      route({
        'POST /api/auth/login': () => halfway(['totp']),
        'POST /api/auth/second-factor': async (request) =>
          (await body(request)).flow_id === FLOW
            ? json(410, problem(410, 'flow_expired', 'The flow has expired. Start again without a flow_id.'))
            : json(200, signedIn()),
        'GET /api/documents': () => json(200, EMPTY_PAGE),
      }),
    );
    await logIn();
    await screen.type('#second-factor-code', '123456');
    await screen.click('#second-factor button[type=submit]');
    await screen.waitForElement('.empty');
    expect(await screen.sent('POST', '/api/auth/second-factor')).toEqual([
      { method: 'totp', code: '123456', flow_id: FLOW },
      { method: 'totp', code: '123456', flow_id: null },
    ]);
  });

  it('says when a code has signed in already, and offers only to start over', async () => {
    const USED = 'This code has been used already, so this login was ended to keep your account safe.';
    screen.serve(
      route({
        'POST /api/auth/login': () => halfway(['totp']),
        'POST /api/auth/second-factor': () =>
          json(400, problem(400, 'validation_failed', 'Refused.', [{ field: 'code', id: 9000009, text: USED }])),
        'POST /api/auth/logout': () => json(401, problem(401, 'unauthenticated', 'No session.')),
      }),
    );
    await logIn();
    await screen.type('#second-factor-code', '123456');
    await screen.click('#second-factor button[type=submit]');
    const alert = await screen.waitForElement('#second-factor-alert');
    expect(alert.textContent).toContain(USED);
    // The server ended this login: no code can finish it, so none is asked for.
    expect(screen.find('#second-factor-code')).toBeNull();
    expect(screen.text('#second-factor-cancel')).toBe('Log in with another account');
    await screen.click('#second-factor-cancel');
    await screen.waitForElement('#login-password');
    expect(sessions.get()).toBeNull();
  });

  it('goes back to the password, ending the half-made session', async () => {
    screen.serve(
      route({
        'POST /api/auth/login': () => halfway(['totp']),
        'POST /api/auth/logout': () => json(204),
      }),
    );
    await logIn();
    await screen.click('#second-factor-cancel');
    await screen.waitForElement('#login-password');
    expect(screen.value('#login-identifier')).toBe(ADA.email);
    expect(screen.value('#login-password')).toBe('');
    await screen.waitFor(() => screen.requests.some((r) => new URL(r.url).pathname === '/api/auth/logout'), 'the logout');
    // The logout went with the cookie, and cleared it.
    expect(screen.cookie).toBeNull();
  });
});

describe('a session that has not used the second factor', () => {
  it('asks for a code after a reload, then shows the screen asked for', async () => {
    screen.withSessionCookie();
    let steppedUp = false;
    screen.serve(
      route({
        'GET /api/auth/session': () => (steppedUp ? json(200, signedIn().session) : json(403, NEEDS_CODE)),
        'POST /api/auth/second-factor': () => {
          steppedUp = true;
          return json(200, signedIn());
        },
        'GET /api/account/profile': () => json(200, ADA),
        'GET /api/account/second-factor': () => json(200, { totp: true, recovery_codes: false }),
      }),
    );
    await screen.start('/settings');
    await screen.waitForElement('#second-factor-required #second-factor-code');
    expect(document.title).toBe('Two-factor authentication · Documents');
    expect(screen.find('#logout')).toBeNull();
    // Which factors the person has is unknown: the app's code, or a recovery code.
    expect(screen.find('#second-factor-switch')).not.toBeNull();

    await screen.type('#second-factor-code', '654321');
    await screen.click('#second-factor button[type=submit]');
    await screen.waitForElement('#profile-name');
    expect(location.pathname).toBe('/settings');
    expect(screen.find('#second-factor-required')).toBeNull();
    expect(screen.text('.who-name')).toBe(ADA.name);
    expect(await screen.sent('POST', '/api/auth/second-factor')).toEqual([{ method: 'totp', code: '654321', flow_id: null }]);
  });

  it('asks for a code when any request is refused for it, and reloads the screen afterwards', async () => {
    screen.withSessionCookie();
    let steppedUp = false;
    let listed = 0;
    screen.serve(
      route({
        'GET /api/auth/session': () => json(200, signedIn().session),
        'GET /api/documents': () => {
          listed += 1;
          return steppedUp ? json(200, EMPTY_PAGE) : json(403, NEEDS_CODE);
        },
        'POST /api/auth/second-factor': () => {
          steppedUp = true;
          return json(200, signedIn());
        },
      }),
    );
    await screen.start('/documents');
    await screen.waitForElement('#second-factor-required');
    await screen.type('#second-factor-code', '654321');
    await screen.click('#second-factor button[type=submit]');
    await screen.waitForElement('.empty');
    expect(listed).toBe(2);
    expect(typeof sessions.get()).toBe('number');
  });

  it('can log out instead', async () => {
    screen.withSessionCookie();
    screen.serve(
      route({
        'GET /api/auth/session': () => json(403, NEEDS_CODE),
        'POST /api/auth/logout': () => json(204),
      }),
    );
    await screen.start('/documents');
    await screen.waitForElement('#second-factor-required');
    await screen.click('#second-factor-cancel');
    await screen.waitForElement('#login');
    expect(sessions.get()).toBeNull();
    expect(screen.cookie).toBeNull();
    expect(screen.text('main [role="status"]')).toBe('You have logged out.');
  });
});
