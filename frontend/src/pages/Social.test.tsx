import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { sessions } from '../auth/sessionState';
import { SOCIAL_KEY } from '../auth/social';
import { Screen, body, json, problem, type Handler } from '../testing/screen';

// Social sign-in on the screen: the buttons, leaving for the provider, and the
// return page in each of its endings. Like every sign-in in cookie mode, the
// return's answer sets the session cookie (the fake does, testing/screen.tsx)
// and carries no token.

const ME = { id: '11111111-1111-4111-8111-111111111111', email: 'bob@example.com', name: 'Bob', email_verified: true };
const STATE = 'a'.repeat(64);
const VERIFIER = 'b'.repeat(64);
const FLOW = '55555555-5555-4555-8555-555555555555';
const signedIn = { session: { id: 's', identity: ME } };

let screen: Screen;

function socialServer(complete: (body: Record<string, unknown>) => Response): Handler {
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (path === '/api/auth/social/providers') return json(200, [{ id: 'hydra', label: 'Local provider' }]);
    if (path === '/api/auth/social/providers/hydra') {
      return json(201, {
        redirect_to: 'http://provider.test/oauth2/auth?client_id=x',
        state: STATE,
        verifier: VERIFIER,
        expires_at: '2026-11-23T10:10:00Z',
      });
    }
    if (path === '/api/auth/social/complete' || path === '/api/auth/social/link') {
      return complete((await request.json()) as Record<string, unknown>);
    }
    if (path === '/api/auth/second-factor') {
      return (await body(request)).code === '123456'
        ? json(200, signedIn)
        : json(400, problem(400, 'validation_failed', 'Refused.', [{ field: 'code', id: 4000008, text: 'Wrong code.' }]));
    }
    if (path === '/api/auth/logout') return json(204);
    if (path === '/api/documents') return json(200, { items: [], page: 1, per_page: 20, total: 0 });
    return json(404, problem(404, 'not_found', 'no'));
  };
}

function pending() {
  sessionStorage.setItem(SOCIAL_KEY, JSON.stringify({ state: STATE, verifier: VERIFIER, next: null }));
}

beforeEach(() => {
  screen = new Screen();
});

afterEach(() => {
  screen.stop();
});

describe('social sign-in', () => {
  it('offers the providers on the login page and keeps the verifier in this tab only', async () => {
    const assign = vi.fn();
    screen.serve(socialServer(() => json(500, {})));
    await screen.start('/login?next=%2Fgroups');
    const button = await screen.waitForElement('button[data-provider="hydra"]');
    expect(button.textContent).toBe('Sign in with Local provider');
    // Leaving for the provider is a real navigation; the test only sees where to.
    vi.stubGlobal('location', { assign, origin: location.origin, pathname: '/login', search: '?next=%2Fgroups' });
    await screen.click('button[data-provider="hydra"]');
    await screen.waitFor(() => assign.mock.calls.length > 0, 'the browser sent to the provider');
    expect(assign).toHaveBeenCalledWith('http://provider.test/oauth2/auth?client_id=x');
    expect(await screen.sent('POST', '/api/auth/social/providers/hydra')).toEqual([{ intent: 'login' }]);
    expect(JSON.parse(sessionStorage.getItem(SOCIAL_KEY) ?? 'null')).toEqual({
      state: STATE,
      verifier: VERIFIER,
      next: '/groups',
    });
  });

  it('finishes with the code from the return URL and lands signed in, the code gone from the address bar', async () => {
    pending();
    screen.serve(socialServer(() => json(200, signedIn)));
    await screen.start(`/auth/social/return?code=kratos-code&state=${STATE}`);
    await screen.waitForElement('.empty');
    expect(await screen.sent('POST', '/api/auth/social/complete')).toEqual([
      { state: STATE, verifier: VERIFIER, code: 'kratos-code' },
    ]);
    // Signed in by the cookie the answer set; the tab forgot the verifier.
    expect(screen.cookie).not.toBeNull();
    expect(typeof sessions.get()).toBe('number');
    expect(sessionStorage.getItem(SOCIAL_KEY)).toBeNull();
    expect(location.pathname).toBe('/documents');
    expect(screen.requests.every((r) => !r.url.includes(VERIFIER))).toBe(true);
  });

  it('refuses a return this tab did not start, without asking the server', async () => {
    screen.serve(socialServer(() => json(200, signedIn)));
    await screen.start(`/auth/social/return?code=someone-elses&state=${STATE}`);
    const alert = await screen.waitForElement('#social-return-alert');
    expect(alert.textContent).toContain('not started in this tab');
    expect(await screen.sent('POST', '/api/auth/social/complete')).toEqual([]);
    expect(screen.cookie).toBeNull();
    expect(sessions.get()).toBeNull();
  });

  it("shows the server's error from the return URL", async () => {
    pending();
    screen.serve(socialServer(() => json(200, signedIn)));
    await screen.start('/auth/social/return?error=exchange_code_expired');
    const alert = await screen.waitForElement('#social-return-alert');
    expect(alert.textContent).toBe('The sign-in took too long. Please start again.');
    expect(sessionStorage.getItem(SOCIAL_KEY)).toBeNull();
  });

  it('links to an existing account with its password', async () => {
    pending();
    const text = 'You tried to sign in with "bob@example.com", but that email is already used by another account.';
    screen.serve(
      socialServer((body) =>
        'password' in body
          ? json(200, signedIn)
          : json(409, problem(409, 'account_exists', 'An account exists.', [{ id: 1010016, text }])),
      ),
    );
    const flow = '44444444-4444-4444-8444-444444444444';
    await screen.start(`/auth/social/return?flow=${flow}&state=${STATE}`);
    await screen.waitForElement('#link-account');
    expect(screen.container.textContent).toContain(text);
    expect(await screen.sent('POST', '/api/auth/social/complete')).toEqual([
      { state: STATE, verifier: VERIFIER, flow_id: flow },
    ]);
    await screen.type('#link-account-password', 'the account password');
    await screen.click('#link-account button[type=submit]');
    await screen.waitForElement('.empty');
    expect(await screen.sent('POST', '/api/auth/social/link')).toEqual([
      { state: STATE, verifier: VERIFIER, password: 'the account password' },
    ]);
    expect(screen.cookie).not.toBeNull();
    expect(typeof sessions.get()).toBe('number');
    expect(sessionStorage.getItem(SOCIAL_KEY)).toBeNull();
  });

  it('asks for the second factor when the account has one, and signs in with the session the 202 started', async () => {
    pending();
    screen.serve(socialServer(() => json(202, { second_factor: { flow_id: FLOW, methods: ['totp'] } })));
    await screen.start(`/auth/social/return?code=kratos-code&state=${STATE}`);
    await screen.waitForElement('#second-factor');
    // Halfway is not signed in: the provider-only session is in the cookie, and
    // only the code step may use it.
    expect(sessions.get()).toBeNull();
    const providerOnly = screen.cookie;
    expect(providerOnly).not.toBeNull();
    expect(sessionStorage.getItem(SOCIAL_KEY)).toBeNull();

    await screen.type('#second-factor-code', '123456');
    await screen.click('#second-factor button[type=submit]');
    await screen.waitForElement('.empty');
    expect(location.pathname).toBe('/documents');
    expect(await screen.sent('POST', '/api/auth/second-factor')).toEqual([
      { method: 'totp', code: '123456', flow_id: FLOW },
    ]);
    // The same session, raised.
    expect(screen.cookie).toBe(providerOnly);
    expect(typeof sessions.get()).toBe('number');
  });

  it('ends the half-finished session when the person logs in another way instead of entering a code', async () => {
    pending();
    screen.serve(socialServer(() => json(202, { second_factor: { flow_id: FLOW, methods: ['totp'] } })));
    await screen.start(`/auth/social/return?code=kratos-code&state=${STATE}`);
    await screen.waitForElement('#second-factor');
    await screen.click('#second-factor-cancel');
    await screen.waitForElement('#login');
    await screen.waitFor(() => screen.requests.some((r) => new URL(r.url).pathname === '/api/auth/logout'), 'the logout');
    expect(screen.cookie).toBeNull();
    expect(sessions.get()).toBeNull();
  });
});
