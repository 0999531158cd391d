import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { SESSION_CHANNEL } from './auth/otherTabs';
import { sessions } from './auth/sessionState';
import { pendingState } from './lib/pending';
import { removedText } from './pages/Providers';
import { Screen, body, json, problem, route, type Handler } from './testing/screen';

// The account lifecycle screens against a fake server: verification, recovery,
// settings (with the re-authenticate-and-retry dance), a new email address,
// sessions, security activity, and deleting the account.

const FLOW = '44444444-4444-4444-8444-444444444444';
const FLOW_2 = '55555555-5555-4555-8555-555555555555';
const OTHER_SESSION = '66666666-6666-4666-8666-666666666666';
const ADA = { id: '11111111-1111-4111-8111-111111111111', email: 'ada@example.com', name: 'Ada', email_verified: false };
const WRONG_CODE = 'The verification code is invalid or has already been used. Please try again.';

function session(identity: typeof ADA) {
  return { id: '77777777-7777-4777-8777-777777777777', assurance_level: 'aal1', identity };
}

let screen: Screen;

beforeEach(() => {
  screen = new Screen();
});

afterEach(() => {
  screen.stop();
});

describe('verification', () => {
  it('follows registration to the code page, refuses a wrong code next to the field, and verifies', async () => {
    let verified = false;
    screen.serve(
      route({
        'POST /api/auth/registration': () =>
          json(201, { session: session(ADA), verification: { flow_id: FLOW, email: ADA.email } }),
        'POST /api/auth/verification/code': async (request) => {
          const sent = await body(request);
          if (sent.code !== '123456') {
            return json(400, problem(400, 'validation_failed', 'Refused.', [{ field: 'code', id: 4070006, text: WRONG_CODE }]));
          }
          verified = true;
          return json(204);
        },
        'GET /api/auth/session': () => json(200, session({ ...ADA, email_verified: verified })),
        'GET /api/documents': () => json(200, { items: [], page: 1, per_page: 20, total: 0 }),
      }),
    );
    await screen.start('/register');
    await screen.type('#register-email', ADA.email);
    await screen.type('#register-name', ADA.name);
    await screen.type('#register-password', 'a long enough passphrase');
    await screen.click('#register button[type=submit]');

    await screen.waitForElement('#verify-code');
    expect(location.pathname).toBe('/verify');
    // Neither the flow nor the address is in the URL.
    expect(location.search).toBe('');
    expect(screen.text('#verify-sent')).toContain(ADA.email);
    expect(typeof sessions.get()).toBe('number');
    expect(screen.cookie).not.toBeNull();
    // On the page that fixes it, the "not verified" notice would only repeat it.
    expect(screen.find('#unverified-notice')).toBeNull();

    await screen.type('#verify-code', '000000');
    await screen.click('#verify button[type=submit]');
    const error = await screen.waitForElement('#verify-code-error');
    expect(error.textContent).toBe(WRONG_CODE);
    expect(screen.find('#verify-code')?.getAttribute('aria-describedby')).toContain('verify-code-error');

    await screen.type('#verify-code', '123 456');
    await screen.click('#verify button[type=submit]');
    await screen.waitForElement('#verify-done');
    expect(await screen.sent('POST', '/api/auth/verification/code')).toEqual([
      { flow_id: FLOW, code: '000000' },
      { flow_id: FLOW, code: '123456' },
    ]);

    await screen.click('main a[href="/documents"]');
    await screen.waitForElement('.empty');
    expect(screen.find('#unverified-notice')).toBeNull();
  });

  it('shows the notice on other screens while the address is not verified, and links to the page', async () => {
    screen.withSessionCookie();
    screen.serve(
      route({
        'GET /api/auth/session': () => json(200, session(ADA)),
        'GET /api/documents': () => json(200, { items: [], page: 1, per_page: 20, total: 0 }),
        'POST /api/auth/verification': () => json(202, { flow_id: FLOW }),
      }),
    );
    await screen.start('/documents');
    const notice = await screen.waitForElement('#unverified-notice');
    expect(notice.textContent).toContain(ADA.email);
    await screen.click('#unverified-notice a');
    expect(location.pathname).toBe('/verify');
    // No code on its way yet: offer to send one to the session's address.
    await screen.click('#verify-send button[type=submit]');
    await screen.waitForElement('#verify-code');
    expect(await screen.sent('POST', '/api/auth/verification')).toEqual([{ email: ADA.email, flow_id: null }]);
  });

  it('sends a new code on the same flow, and on a new flow when that one has expired', async () => {
    let calls = 0;
    screen.serve(
      route({
        'POST /api/auth/verification': async (request) => {
          calls += 1;
          const sent = await body(request);
          if (sent.flow_id === FLOW && calls > 1) return json(410, problem(410, 'flow_expired', 'Start again without a flow_id.'));
          return json(202, { flow_id: sent.flow_id ?? FLOW_2 });
        },
      }),
    );
    // Without a session (the login screen sent the person here), the code comes with the history entry.
    await screen.start('/verify', pendingState({ flowId: FLOW, email: ADA.email }));
    expect(screen.text('#verify-sent')).toContain(`If an account exists for ${ADA.email}`);
    await screen.click('#verify-resend');
    await screen.waitFor(() => screen.text('main').includes('We sent a new code'), 'the resend notice');
    await screen.click('#verify-resend');
    await screen.waitFor(() => calls === 3 || null, 'the fallback to a new flow');
    expect(await screen.sent('POST', '/api/auth/verification')).toEqual([
      { email: ADA.email, flow_id: FLOW },
      { email: ADA.email, flow_id: FLOW },
      { email: ADA.email, flow_id: null },
    ]);
    // The new flow is remembered with the history entry, for a reload.
    await screen.waitFor(
      () => (history.state as { pendingCode?: { flowId: string } } | null)?.pendingCode?.flowId === FLOW_2 || null,
      'the new flow in history state',
    );
  });

  it('says a used or expired code in its own words, not the API’s', async () => {
    screen.serve(
      route({
        'POST /api/auth/verification/code': () =>
          json(410, problem(410, 'flow_expired', 'The flow has expired. Start again without a flow_id.')),
      }),
    );
    await screen.start('/verify', pendingState({ flowId: FLOW, email: ADA.email }));
    await screen.type('#verify-code', '123456');
    await screen.click('#verify button[type=submit]');
    const alert = await screen.waitForElement('#verify-alert');
    expect(alert.textContent).toBe('This code has expired. Send yourself a new one.');
  });
});

describe('login with an unverified address', () => {
  it('offers to send a code, then goes to the code page without a session', async () => {
    screen.serve(
      route({
        'POST /api/auth/login': () =>
          json(
            403,
            problem(403, 'email_not_verified', 'Verify your email address first (POST /api/auth/verification).', [
              { id: 4000010, text: 'Account not active yet. Did you forget to verify your email address?' },
            ]),
          ),
        'POST /api/auth/verification': () => json(202, { flow_id: FLOW }),
      }),
    );
    await screen.start('/login');
    await screen.type('#login-identifier', ADA.email);
    await screen.type('#login-password', 'a long enough passphrase');
    await screen.click('#login button[type=submit]');
    const offer = await screen.waitForElement('#login-unverified');
    expect(offer.textContent).toContain(ADA.email);
    expect(screen.text('#login')).not.toContain('POST /api/');
    await screen.click('#login-unverified button');
    await screen.waitForElement('#verify-code');
    expect(location.pathname).toBe('/verify');
    expect(screen.text('#verify-sent')).toContain(ADA.email);
    expect(sessions.get()).toBeNull();
    expect(screen.cookie).toBeNull();
  });
});

describe('recovery', () => {
  it('sends a code, signs in with it, sets a new password and lands in the app', async () => {
    const recovered = { ...ADA, email_verified: true };
    screen.serve(
      route({
        'POST /api/auth/recovery': () => json(202, { flow_id: FLOW }),
        'POST /api/auth/recovery/code': () => json(200, { session: session(recovered) }),
        'PUT /api/account/password': () => json(200, { signed_out_sessions: 2 }),
        'GET /api/documents': () => json(200, { items: [], page: 1, per_page: 20, total: 0 }),
      }),
    );
    await screen.start('/login');
    await screen.click('a[href="/recovery"]');
    await screen.type('#recovery-send-email', ADA.email);
    await screen.click('#recovery-send button[type=submit]');
    const sent = await screen.waitForElement('#recovery-sent');
    expect(sent.textContent).toContain(`If an account exists for ${ADA.email}, we sent a 6-digit code`);

    await screen.type('#recovery-code', '654321');
    await screen.click('#recovery button[type=submit]');
    await screen.waitForElement('#new-password-password');
    expect(location.pathname).toBe('/recovery/password');
    expect(typeof sessions.get()).toBe('number');
    expect(screen.cookie).not.toBeNull();
    expect(await screen.sent('POST', '/api/auth/recovery/code')).toEqual([{ flow_id: FLOW, code: '654321' }]);

    await screen.type('#new-password-password', 'a brand new passphrase');
    await screen.click('#new-password button[type=submit]');
    const flash = await screen.waitForElement('#flash');
    expect(flash.textContent).toBe('Your new password is saved. Your other sessions are signed out.');
    expect(location.pathname).toBe('/documents');
    expect(await screen.sent('PUT', '/api/account/password')).toEqual([
      { password: 'a brand new passphrase', sign_out_other_sessions: true },
    ]);
  });
});

describe('recovery with a second factor', () => {
  it('asks for the second factor after the code, then goes on to the new password', async () => {
    screen.serve(
      route({
        'POST /api/auth/recovery/code': () =>
          json(202, { second_factor: { flow_id: FLOW_2, methods: ['totp', 'lookup_secret'] } }),
        'POST /api/auth/second-factor': () =>
          json(200, { session: session({ ...ADA, email_verified: true }) }),
      }),
    );
    await screen.start('/recovery', pendingState({ flowId: FLOW, email: ADA.email }));
    await screen.type('#recovery-code', '654321');
    await screen.click('#recovery button[type=submit]');
    await screen.waitForElement('#second-factor-code');
    // The code signed nobody in yet; the password-only session is in the cookie.
    expect(sessions.get()).toBeNull();
    const passwordOnly = screen.cookie;
    expect(passwordOnly).not.toBeNull();
    await screen.type('#second-factor-code', '112233');
    await screen.click('#second-factor button[type=submit]');
    await screen.waitForElement('#new-password-password');
    expect(location.pathname).toBe('/recovery/password');
    expect(typeof sessions.get()).toBe('number');
    expect(screen.cookie).toBe(passwordOnly);
    expect(await screen.sent('POST', '/api/auth/second-factor')).toEqual([{ method: 'totp', code: '112233', flow_id: FLOW_2 }]);
  });
});

describe('settings', () => {
  const REFUSED = 'The provided credentials are invalid, check for spelling mistakes in your password.';

  function settingsServer(state: { recent: boolean }): Handler {
    return route({
      'GET /api/auth/session': () => json(200, session({ ...ADA, email_verified: true })),
      'GET /api/account/profile': () => json(200, { ...ADA, email_verified: true }),
      'PATCH /api/account/profile': async (request) => {
        const { name } = (await body(request)) as { name: string };
        if (name.trim() === '') {
          return json(400, problem(400, 'validation_failed', 'Refused.', [{ field: 'name', id: 4000003, text: 'length must be >= 1, but got 0' }]));
        }
        return json(200, { ...ADA, email_verified: true, name });
      },
      'PUT /api/account/password': () =>
        state.recent
          ? json(200, { signed_out_sessions: 1 })
          : json(403, problem(403, 'session_refresh_required', 'This change needs a recent login.')),
      'POST /api/auth/reauthenticate': async (request) => {
        const { password } = (await body(request)) as { password: string };
        if (password !== 'the old passphrase') {
          // As the server says it: on the password, the only field of the prompt.
          return json(
            400,
            problem(400, 'invalid_credentials', 'Wrong.', [{ field: 'password', id: 4000006, text: REFUSED }]),
          );
        }
        state.recent = true;
        return json(200, { session: session({ ...ADA, email_verified: true }) });
      },
    });
  }

  it('changes the name, and the header follows', async () => {
    screen.withSessionCookie();
    screen.serve(settingsServer({ recent: true }));
    await screen.start('/settings');
    await screen.waitForElement('#profile-name');
    expect(screen.value('#profile-name')).toBe('Ada');
    expect(screen.text('#profile-email-status')).toBe('Verified');

    await screen.type('#profile-name', '');
    await screen.click('#profile button[type=submit]');
    expect((await screen.waitForElement('#profile-name-error')).textContent).toBe('length must be >= 1, but got 0');

    await screen.type('#profile-name', 'Ada Lovelace');
    await screen.click('#profile button[type=submit]');
    await screen.waitFor(() => screen.text('.who-name') === 'Ada Lovelace' || null, 'the new name in the header');
    expect(screen.find('#profile-name-error')).toBeNull();
  });

  it('asks for the current password when the login is too old, then sends the same change again', async () => {
    screen.withSessionCookie();
    const state = { recent: false };
    screen.serve(settingsServer(state));
    await screen.start('/settings');
    await screen.waitForElement('#password-password');
    expect(screen.checked('#password-sign_out_other_sessions')).toBe(true);
    await screen.click('#password-sign_out_other_sessions');
    await screen.type('#password-password', 'a brand new passphrase');
    await screen.click('#password button[type=submit]');

    // The prompt opens; the change waits with what the person typed.
    await screen.waitForElement('#reauthenticate-password');
    expect(document.activeElement?.id).toBe('reauthenticate-password');
    // Someone setting a first password (an account made with a provider) has none to give.
    expect(screen.find('#reauthenticate')?.closest('section')?.textContent).toContain(
      'No password, because you sign in with a provider?',
    );
    expect(screen.value('#password-password')).toBe('a brand new passphrase');
    expect(screen.find('#password fieldset')?.hasAttribute('disabled')).toBe(true);

    await screen.type('#reauthenticate-password', 'not it');
    await screen.click('#reauthenticate button[type=submit]');
    expect((await screen.waitForElement('#reauthenticate-password-error')).textContent).toBe(REFUSED);
    expect(await screen.sent('PUT', '/api/account/password')).toHaveLength(1);

    await screen.type('#reauthenticate-password', 'the old passphrase');
    await screen.click('#reauthenticate button[type=submit]');
    await screen.waitFor(() => screen.text('main').includes('Your new password is saved.') || null, 'the success');
    expect(screen.find('#reauthenticate')).toBeNull();
    const change = { password: 'a brand new passphrase', sign_out_other_sessions: false };
    expect(await screen.sent('PUT', '/api/account/password')).toEqual([change, change]);
    expect(await screen.sent('POST', '/api/auth/reauthenticate')).toEqual([
      { password: 'not it' },
      { password: 'the old passphrase' },
    ]);
    expect(screen.value('#password-password')).toBe('');
  });

  it('leaves the password as it was when the prompt is cancelled', async () => {
    screen.withSessionCookie();
    screen.serve(settingsServer({ recent: false }));
    await screen.start('/settings');
    await screen.waitForElement('#password-password');
    await screen.type('#password-password', 'a brand new passphrase');
    await screen.click('#password button[type=submit]');
    await screen.waitForElement('#reauthenticate-password');
    await screen.click('#reauthenticate button[type=button]');
    await screen.waitFor(() => screen.text('#password').includes('Your password was not changed.') || null, 'the notice');
    expect(screen.find('#reauthenticate')).toBeNull();
    expect(screen.value('#password-password')).toBe('a brand new passphrase');
    expect(screen.find('#password fieldset')?.hasAttribute('disabled')).toBe(false);
  });
});

describe('changing the email address', () => {
  const NEW = 'ada@example.org';
  const TAKEN = 'An account with the same identifier exists already.';
  const UNAVAILABLE = 'The service is unavailable. Try again shortly.';

  interface Account {
    /** Whether the login is recent enough for the change. */
    recent: boolean;
    email: string;
    verified: boolean;
    /** Answer PUT /api/account/email with a 503. */
    unavailable?: boolean;
  }

  /**
   * Settings and the code page against an account in `state`, changed as the
   * real server changes it: the new address at once, unverified, with a code on
   * its way (named lower-cased, as Kratos does); grace@example.com is taken.
   */
  function emailServer(state: Account): Handler {
    const identity = () => ({ ...ADA, email: state.email, email_verified: state.verified });
    return route({
      'GET /api/auth/session': () => json(200, session(identity())),
      'GET /api/account/profile': () => json(200, identity()),
      'GET /api/account/second-factor': () => json(200, { totp: false, recovery_codes: false }),
      'PUT /api/account/email': async (request) => {
        if (!state.recent) return json(403, problem(403, 'session_refresh_required', 'This change needs a recent login.'));
        if (state.unavailable) return json(503, problem(503, 'service_unavailable', UNAVAILABLE));
        const email = String((await body(request)).email).trim();
        if (email === 'grace@example.com') {
          return json(400, problem(400, 'validation_failed', 'Refused.', [{ field: 'email', id: 4000007, text: TAKEN }]));
        }
        if (email === state.email) return json(200, { identity: identity() });
        state.email = email;
        state.verified = false;
        return json(200, { identity: identity(), verification: { flow_id: FLOW, email: email.toLowerCase() } });
      },
      'POST /api/auth/reauthenticate': async (request) => {
        const { password } = (await body(request)) as { password: string };
        if (password !== 'the old passphrase') {
          return json(400, problem(400, 'invalid_credentials', 'Wrong.', [{ field: 'password', id: 4000006, text: 'Wrong.' }]));
        }
        state.recent = true;
        return json(200, { session: session(identity()) });
      },
      'POST /api/auth/verification/code': () => {
        state.verified = true;
        return json(204);
      },
    });
  }

  /** Settings with the new-address form open. */
  async function openForm(): Promise<void> {
    await screen.start('/settings');
    await screen.waitForElement('#email-change-start');
    await screen.click('#email-change-start');
    await screen.waitForElement('#email-change-email');
  }

  const pendingFlow = () => (history.state as { pendingCode?: { flowId: string } } | null)?.pendingCode?.flowId;

  it('changes the address, the header follows, and the code sent to the new one verifies it', async () => {
    screen.withSessionCookie();
    screen.serve(emailServer({ recent: true, email: ADA.email, verified: true }));
    await openForm();
    expect(document.activeElement?.id).toBe('email-change-email');
    expect(screen.find('label[for="email-change-email"]')?.textContent).toBe('New email address');
    await screen.type('#email-change-email', NEW);
    await screen.click('#email-change button[type=submit]');

    // On to the code, as after registering: the flow with the history entry, not in the URL.
    await screen.waitForElement('#verify-code');
    expect(location.pathname).toBe('/verify');
    expect(location.search).toBe('');
    expect(pendingFlow()).toBe(FLOW);
    expect(screen.text('#verify-sent')).toBe(`We sent a 6-digit code to ${NEW}. Enter it here; it works for 15 minutes.`);
    expect(screen.find('.who-name')?.getAttribute('title')).toBe(NEW);
    expect(await screen.sent('PUT', '/api/account/email')).toEqual([{ email: NEW }]);

    await screen.type('#verify-code', '123456');
    await screen.click('#verify button[type=submit]');
    expect((await screen.waitForElement('#verify-done')).textContent).toBe(`Thank you: ${NEW} is verified.`);
    expect(await screen.sent('POST', '/api/auth/verification/code')).toEqual([{ flow_id: FLOW, code: '123456' }]);

    await screen.click('header a[href="/settings"]');
    await screen.waitFor(() => screen.text('#profile-email') === NEW || null, 'the new address in settings');
    expect(screen.text('#profile-email-status')).toBe('Verified');
    expect(screen.find('#unverified-notice')).toBeNull();
  });

  it('shows the new address as not verified everywhere until its code comes back', async () => {
    screen.withSessionCookie();
    screen.serve(emailServer({ recent: true, email: ADA.email, verified: true }));
    await openForm();
    await screen.type('#email-change-email', NEW);
    await screen.click('#email-change button[type=submit]');
    await screen.waitForElement('#verify-code');

    // The code can wait: elsewhere, the notice names the new address.
    await screen.click('header a[href="/groups"]');
    const notice = await screen.waitForElement('#unverified-notice');
    expect(notice.textContent).toContain(NEW);
    expect(notice.textContent).not.toContain(ADA.email);
  });

  it('goes to the code for an address typed with capitals, which Kratos names lower-cased', async () => {
    screen.withSessionCookie();
    screen.serve(emailServer({ recent: true, email: ADA.email, verified: true }));
    await openForm();
    await screen.type('#email-change-email', 'Ada.Lovelace@Example.ORG');
    await screen.click('#email-change button[type=submit]');
    await screen.waitForElement('#verify-code');
    expect(pendingFlow()).toBe(FLOW);
    expect(screen.text('#verify-sent')).toContain('ada.lovelace@example.org');
    expect(screen.find('.who-name')?.getAttribute('title')).toBe('Ada.Lovelace@Example.ORG');
  });

  it('refuses an address another account has, under the field, and changes nothing', async () => {
    screen.withSessionCookie();
    const state = { recent: true, email: ADA.email, verified: true };
    screen.serve(emailServer(state));
    await openForm();
    await screen.type('#email-change-email', 'grace@example.com');
    await screen.click('#email-change button[type=submit]');

    expect((await screen.waitForElement('#email-change-email-error')).textContent).toBe(TAKEN);
    expect(screen.find('#email-change-email')?.getAttribute('aria-describedby')).toContain('email-change-email-error');
    expect(screen.find('#email-change-alert')).toBeNull();
    expect(location.pathname).toBe('/settings');
    expect(screen.text('#profile-email')).toBe(ADA.email);
    expect(screen.text('#profile-email-status')).toBe('Verified');
    expect(screen.find('.who-name')?.getAttribute('title')).toBe(ADA.email);
    // Still there to correct.
    expect(screen.value('#email-change-email')).toBe('grace@example.com');
    expect(state.email).toBe(ADA.email);
  });

  it('asks for the current password when the login is too old, then sends the same change again', async () => {
    screen.withSessionCookie();
    screen.serve(emailServer({ recent: false, email: ADA.email, verified: true }));
    await openForm();
    await screen.type('#email-change-email', NEW);
    await screen.click('#email-change button[type=submit]');

    await screen.waitForElement('#reauthenticate-password');
    expect(document.activeElement?.id).toBe('reauthenticate-password');
    expect(screen.text('.prompt')).toContain('sign in with a provider');
    expect(screen.text('#email-change button[type=submit]')).toBe('Waiting for your current password…');
    expect(screen.find('#email-change fieldset')?.hasAttribute('disabled')).toBe(true);
    expect(screen.value('#email-change-email')).toBe(NEW);

    await screen.type('#reauthenticate-password', 'the old passphrase');
    await screen.click('#reauthenticate button[type=submit]');
    await screen.waitForElement('#verify-code');
    expect(screen.text('#verify-sent')).toContain(NEW);
    expect(await screen.sent('POST', '/api/auth/reauthenticate')).toEqual([{ password: 'the old passphrase' }]);
    expect(await screen.sent('PUT', '/api/account/email')).toEqual([{ email: NEW }, { email: NEW }]);
  });

  it('changes nothing when the password prompt is cancelled', async () => {
    screen.withSessionCookie();
    screen.serve(emailServer({ recent: false, email: ADA.email, verified: true }));
    await openForm();
    await screen.type('#email-change-email', NEW);
    await screen.click('#email-change button[type=submit]');
    await screen.waitForElement('#reauthenticate-password');
    await screen.click('#reauthenticate button[type=button]');

    await screen.waitFor(() => screen.text('#email-change').includes('Your email address was not changed.') || null, 'the notice');
    expect(screen.find('#reauthenticate')).toBeNull();
    expect(screen.value('#email-change-email')).toBe(NEW);
    expect(screen.find('#email-change fieldset')?.hasAttribute('disabled')).toBe(false);
    expect(screen.text('#profile-email')).toBe(ADA.email);
    expect(await screen.sent('PUT', '/api/account/email')).toHaveLength(1);
  });

  it('Cancel sends nothing and gives the focus back to "Change"', async () => {
    screen.withSessionCookie();
    screen.serve(emailServer({ recent: true, email: ADA.email, verified: true }));
    await screen.start('/settings');
    const start = await screen.waitForElement('#email-change-start');
    expect(start.getAttribute('aria-label')).toBe('Change your email address');
    // Loading the page leaves the focus alone.
    expect(document.activeElement?.id).not.toBe('email-change-start');
    await screen.click('#email-change-start');
    await screen.type('#email-change-email', NEW);
    await screen.click('#email-change button[type=button]');

    expect(screen.find('#email-change')).toBeNull();
    await screen.waitFor(() => document.activeElement?.id === 'email-change-start' || null, 'the focus back on the button');
    expect(screen.text('#profile-email')).toBe(ADA.email);
    expect(await screen.sent('PUT', '/api/account/email')).toHaveLength(0);
  });

  it('closes the form for the same address again, and stays', async () => {
    screen.withSessionCookie();
    screen.serve(emailServer({ recent: true, email: ADA.email, verified: true }));
    await openForm();
    await screen.type('#email-change-email', ADA.email);
    await screen.click('#email-change button[type=submit]');

    await screen.waitFor(() => (screen.find('#email-change') ? null : true), 'the form to close');
    await screen.waitFor(() => document.activeElement?.id === 'email-change-start' || null, 'the focus back on the button');
    expect(location.pathname).toBe('/settings');
    expect(screen.text('#profile-email-status')).toBe('Verified');
    expect(await screen.sent('PUT', '/api/account/email')).toEqual([{ email: ADA.email }]);
  });

  it('shows why when the server cannot change it, above the form', async () => {
    screen.withSessionCookie();
    screen.serve(emailServer({ recent: true, email: ADA.email, verified: true, unavailable: true }));
    await openForm();
    await screen.type('#email-change-email', NEW);
    await screen.click('#email-change button[type=submit]');

    expect((await screen.waitForElement('#email-change-alert')).textContent).toBe(UNAVAILABLE);
    expect(location.pathname).toBe('/settings');
    expect(screen.text('#profile-email')).toBe(ADA.email);
    expect(screen.value('#email-change-email')).toBe(NEW);
    expect(screen.text('#email-change button[type=submit]')).toBe('Save');
  });
});

describe('security notices', () => {
  const NEW_SIGN_IN = 'your account is signed in to from a browser, app or network it has not used before';
  const UNAVAILABLE = 'The service is unavailable. Try again shortly.';

  /** Settings, with `answer` for GET /api/account/notices. */
  function serveSettings(answer: () => Response) {
    screen.withSessionCookie();
    screen.serve(
      route({
        'GET /api/auth/session': () => json(200, session({ ...ADA, email_verified: true })),
        'GET /api/account/profile': () => json(200, { ...ADA, email_verified: true }),
        'GET /api/account/second-factor': () => json(200, { totp: false, recovery_codes: false }),
        'GET /api/account/notices': answer,
      }),
    );
  }

  it('lists the emails the server sends, to the person’s address', async () => {
    serveSettings(() =>
      json(200, { enabled: true, events: ['new_sign_in', 'password_changed', 'email_changed', 'passkey_added'] }),
    );
    await screen.start('/settings');
    const list = await screen.waitForElement('#notices-events');
    expect(list.closest('section')?.id).toBe('security-notices');
    expect(screen.text('#notices-intro')).toBe(`We email ${ADA.email} when:`);
    const items = [...list.querySelectorAll('li')].map((item) => item.textContent);
    expect(items).toEqual([
      NEW_SIGN_IN,
      'your password is changed',
      'your email address is changed (we write to the old address)',
      // A kind from a newer server: by its name, not a crash.
      'passkey added',
    ]);
    expect(screen.text('#security-notices')).toContain('If it was not you, it says what to do.');
    const links = [...(list.closest('section')?.querySelectorAll('a') ?? [])];
    const activity = links.find((a) => a.textContent === 'your security activity');
    expect(activity?.getAttribute('href')).toBe('/settings/activity');
    expect(screen.find('#notices-off')).toBeNull();
    expect(await screen.sent('GET', '/api/account/notices')).toHaveLength(1);
  });

  it('says so when the server sends none', async () => {
    serveSettings(() => json(200, { enabled: false, events: [] }));
    await screen.start('/settings');
    const off = await screen.waitForElement('#notices-off');
    expect(off.textContent).toBe(
      'This server does not send security notices by email. Sign-ins and changes are listed in your security activity.',
    );
    expect(off.querySelector('a')?.getAttribute('href')).toBe('/settings/activity');
    expect(screen.find('#notices-events')).toBeNull();
  });

  it('shows an error in the section', async () => {
    serveSettings(() => json(503, problem(503, 'service_unavailable', UNAVAILABLE)));
    await screen.start('/settings');
    const alert = await screen.waitForElement('#notices-alert');
    expect(alert.textContent).toBe(UNAVAILABLE);
    expect(alert.closest('section')?.id).toBe('security-notices');
    expect(screen.find('#notices-events')).toBeNull();
    expect(screen.find('#notices-off')).toBeNull();
  });
});

describe('sign-in providers', () => {
  const LOCAL = { id: 'hydra', label: 'Local provider' };

  function serveProviders(state: {
    linked: (typeof LOCAL)[];
    password: boolean;
    recent: boolean;
    offered?: (typeof LOCAL)[];
  }) {
    screen.withSessionCookie();
    screen.serve(
      route({
        'GET /api/auth/session': () => json(200, session({ ...ADA, email_verified: true })),
        'GET /api/account/profile': () => json(200, { ...ADA, email_verified: true }),
        'GET /api/account/second-factor': () => json(200, { totp: false, recovery_codes: false }),
        'GET /api/account/providers': () => json(200, { providers: state.linked, password: state.password }),
        'GET /api/auth/social/providers': () => json(200, state.offered ?? [LOCAL]),
        'DELETE /api/account/providers/hydra': () => {
          if (!state.recent) return json(403, problem(403, 'session_refresh_required', 'This change needs a recent login.'));
          state.linked = [];
          return json(200, { signed_out_sessions: 2 });
        },
        'POST /api/auth/reauthenticate': () => {
          state.recent = true;
          return json(200, { session: session({ ...ADA, email_verified: true }) });
        },
      }),
    );
  }

  it('lists a linked provider, and removes it after the current password', async () => {
    serveProviders({ linked: [LOCAL], password: true, recent: false });
    await screen.start('/settings');
    const item = await screen.waitForElement('#providers-list li[data-provider="hydra"]');
    expect(item.querySelector('.provider-label')?.textContent).toBe('Local provider');
    const remove = item.querySelector<HTMLButtonElement>('button[aria-label="Remove Local provider"]');
    expect(remove?.disabled).toBe(false);

    await screen.click('#providers-list button[aria-label="Remove Local provider"]');
    expect(screen.text('#provider-remove-confirm')).toContain('Remove Local provider? It will no longer sign you in');
    expect(await screen.sent('DELETE', '/api/account/providers/hydra')).toHaveLength(0);
    await screen.click('#provider-remove-confirm button.danger');

    await screen.waitForElement('#reauthenticate-password');
    await screen.type('#reauthenticate-password', 'the passphrase');
    await screen.click('#reauthenticate button[type=submit]');
    await screen.waitForElement('#providers-none');
    expect(screen.text('#sign-in-providers')).toContain(
      'Local provider no longer signs you in. The 2 other sessions it had signed in are signed out.',
    );
    expect(await screen.sent('DELETE', '/api/account/providers/hydra')).toHaveLength(2);
  });

  it('does not offer to remove the only way in, and says why', async () => {
    serveProviders({ linked: [LOCAL], password: false, recent: true });
    await screen.start('/settings');
    await screen.waitForElement('#providers-only-way');
    const remove = screen.find('#providers-list button[aria-label="Remove Local provider"]') as HTMLButtonElement | null;
    expect(remove?.disabled).toBe(true);
    expect(screen.text('#providers-only-way')).toBe(
      'This is the only way to sign in to your account: set a password above before you remove it.',
    );
  });

  it('says how many sessions went with it', () => {
    expect(removedText('Google', 0)).toBe('Google no longer signs you in. No other session had signed in with it.');
    expect(removedText('Google', 1)).toBe('Google no longer signs you in. The other session it had signed in is signed out.');
  });

  it('is not there on a server without social sign-in', async () => {
    serveProviders({ linked: [], password: true, recent: true, offered: [] });
    await screen.start('/settings');
    await screen.waitForElement('#security-notices');
    await screen.waitFor(() => (screen.find('#sign-in-providers') ? null : true), 'no providers section');
    expect(await screen.sent('GET', '/api/auth/social/providers')).toHaveLength(1);
  });

  it('says how to link one when there is none', async () => {
    serveProviders({ linked: [], password: true, recent: true });
    await screen.start('/settings');
    const none = await screen.waitForElement('#providers-none');
    expect(none.textContent).toContain('No provider is linked.');
    expect(screen.find('#providers-list')).toBeNull();
  });
});

describe('downloading your data', () => {
  const UNAVAILABLE = 'The service is unavailable. Try again shortly.';
  const EXPORT = {
    exported_at: '2025-01-02T03:04:05Z',
    profile: { ...ADA, email_verified: true },
    sessions: [],
    second_factors: { totp: false, recovery_codes: false },
    documents: [
      { id: FLOW, title: 'Mine', owned: true, body: 'Hello', created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z' },
    ],
    groups: [],
    known_devices: [{ first_seen: 1735700000, last_seen: 1735787045 }],
    security_activity: [],
  };

  /** Settings, with `answer` for GET /api/account/export. */
  function serveSettings(answer: () => Response | Promise<Response>) {
    screen.withSessionCookie();
    screen.serve(
      route({
        'GET /api/auth/session': () => json(200, session({ ...ADA, email_verified: true })),
        'GET /api/account/profile': () => json(200, { ...ADA, email_verified: true }),
        'GET /api/account/second-factor': () => json(200, { totp: false, recovery_codes: false }),
        'GET /api/account/export': answer,
      }),
    );
  }

  const exportButton = () => screen.find('#export-start') as HTMLButtonElement | null;

  it('fetches the export, then offers it as ory-spa-account.json behind a blob: URL', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    serveSettings(async () => {
      await held;
      return json(200, EXPORT);
    });
    // The file behind the download link (happy-dom cannot read a blob: URL back).
    const files = vi.spyOn(URL, 'createObjectURL');
    await screen.start('/settings');
    await screen.waitForElement('#export-start');
    expect(screen.text('#export-what')).toContain('documents you can see');
    expect(screen.text('#export-what')).toContain('your security activity');
    expect(exportButton()?.textContent).toBe('Download your data');
    expect(screen.find('#export-download')).toBeNull();

    await screen.click('#export-start');
    await screen.waitFor(() => exportButton()?.textContent === 'Preparing…' || null, 'the button to say Preparing…');
    expect(exportButton()?.disabled).toBe(true);
    release();

    const link = await screen.waitForElement('#export-download');
    expect(link.textContent).toBe('ory-spa-account.json');
    expect(link.getAttribute('download')).toBe('ory-spa-account.json');
    expect(link.getAttribute('href') ?? '').toMatch(/^blob:/);
    expect(exportButton()?.textContent).toBe('Download your data');
    expect(exportButton()?.disabled).toBe(false);
    expect(screen.requests.filter((r) => r.method === 'GET' && new URL(r.url).pathname === '/api/account/export')).toHaveLength(1);

    const blob = files.mock.calls.at(-1)?.[0] as Blob;
    expect(blob.type).toBe('application/json');
    const file = await blob.text();
    expect(file).toBe(JSON.stringify(EXPORT, null, 2));
    expect(screen.find('#export-alert')).toBeNull();
  });

  it('shows a 503 in the section, and no link', async () => {
    serveSettings(() => json(503, problem(503, 'service_unavailable', UNAVAILABLE)));
    await screen.start('/settings');
    await screen.waitForElement('#export-start');
    await screen.click('#export-start');
    const alert = await screen.waitForElement('#export-alert');
    expect(alert.textContent).toBe(UNAVAILABLE);
    expect(alert.closest('section')?.id).toBe('your-data');
    expect(screen.find('#export-download')).toBeNull();
    expect(exportButton()?.disabled).toBe(false);
    expect(await screen.sent('GET', '/api/account/export')).toHaveLength(1);
  });
});

describe('deleting the account', () => {
  const DELETED = 'Your account has been deleted.';
  const UNAVAILABLE = 'The service is unavailable. Try again shortly.';

  /**
   * Settings, with `deletion` answering DELETE /api/account unless the login
   * is too old (`state.recent`); a 204 clears the cookie, as the server's does.
   */
  function deletionServer(state: { recent: boolean }, deletion: () => Response = () => json(204)): Handler {
    return route({
      'GET /api/auth/session': () => json(200, session({ ...ADA, email_verified: true })),
      'GET /api/account/profile': () => json(200, { ...ADA, email_verified: true }),
      'GET /api/account/second-factor': () => json(200, { totp: false, recovery_codes: false }),
      // For the login screen's social buttons.
      'GET /api/auth/social/providers': () => json(200, []),
      'DELETE /api/account': () => {
        if (!state.recent) return json(403, problem(403, 'session_refresh_required', 'This needs a recent login.'));
        const answer = deletion();
        if (answer.status === 204) screen.cookie = null;
        return answer;
      },
      'POST /api/auth/reauthenticate': async (request) => {
        const { password } = (await body(request)) as { password: string };
        if (password !== 'the old passphrase') {
          return json(400, problem(400, 'invalid_credentials', 'Wrong.', [{ field: 'password', id: 4000006, text: 'Wrong.' }]));
        }
        state.recent = true;
        return json(200, { session: session({ ...ADA, email_verified: true }) });
      },
    });
  }

  /** Settings with the confirmation step open. */
  async function openConfirmation(): Promise<void> {
    await screen.start('/settings');
    await screen.waitForElement('#delete-account-start');
    await screen.click('#delete-account-start');
    await screen.waitForElement('#delete-account-email');
  }

  const finalButton = () => screen.find('#delete-account button[type=submit]') as HTMLButtonElement | null;

  it('enables "Delete my account" only once the address is typed, and Cancel deletes nothing', async () => {
    screen.withSessionCookie();
    screen.serve(deletionServer({ recent: true }));
    await openConfirmation();
    expect(screen.text('#delete-account-what')).toContain('cannot be undone');
    expect(document.activeElement?.id).toBe('delete-account-email');
    expect(screen.find('#delete-account-email')?.getAttribute('aria-describedby')).toBe('delete-account-email-hint');
    expect(screen.text('#delete-account-email-hint')).toContain(ADA.email);
    expect(finalButton()?.textContent).toBe('Delete my account');

    expect(finalButton()?.disabled).toBe(true);
    await screen.type('#delete-account-email', 'ada@example.co');
    expect(finalButton()?.disabled).toBe(true);
    await screen.type('#delete-account-email', 'ada@example.com.au');
    expect(finalButton()?.disabled).toBe(true);
    // As addresses are compared: in any case, without the spaces around.
    await screen.type('#delete-account-email', '  ADA@Example.com ');
    expect(finalButton()?.disabled).toBe(false);
    await screen.type('#delete-account-email', '');
    expect(finalButton()?.disabled).toBe(true);

    await screen.type('#delete-account-email', ADA.email);
    await screen.click('#delete-account button[type=button]');
    expect(screen.find('#delete-account')).toBeNull();
    await screen.waitFor(() => document.activeElement?.id === 'delete-account-start' || null, 'the focus back on the button');
    expect(await screen.sent('DELETE', '/api/account')).toHaveLength(0);
    expect(typeof sessions.get()).toBe('number');
  });

  it('signs out once the account is deleted, and says so on the login screen', async () => {
    screen.withSessionCookie();
    screen.serve(deletionServer({ recent: true }));
    const heard: unknown[] = [];
    const otherTab = new BroadcastChannel(SESSION_CHANNEL);
    otherTab.onmessage = (event: MessageEvent<unknown>) => heard.push(event.data);
    try {
      await openConfirmation();
      await screen.type('#delete-account-email', ADA.email);
      await screen.click('#delete-account button[type=submit]');

      await screen.waitForElement('#login');
      expect(screen.text('main [role="status"]')).toBe(DELETED);
      // The login screen itself, not one that leads back into the account.
      expect(location.pathname).toBe('/login');
      expect(location.search).toBe('');
      expect(sessions.get()).toBeNull();
      expect(screen.cookie).toBeNull();
      expect(screen.find('.who-name')).toBeNull();
      expect(await screen.sent('DELETE', '/api/account')).toHaveLength(1);
      // The server ended the session with the account: nothing left to log out.
      expect(await screen.sent('POST', '/api/auth/logout')).toHaveLength(0);
      // The browser's other tabs shared that session.
      await screen.waitFor(() => heard.includes('signed-out') || null, 'the other tabs to be told');
    } finally {
      otherTab.close();
    }
  });

  it('asks for the password when the login is too old, then deletes with the same request', async () => {
    screen.withSessionCookie();
    screen.serve(deletionServer({ recent: false }));
    await openConfirmation();
    await screen.type('#delete-account-email', ADA.email);
    await screen.click('#delete-account button[type=submit]');

    await screen.waitForElement('#reauthenticate-password');
    expect(document.activeElement?.id).toBe('reauthenticate-password');
    expect(screen.text('#danger-zone .prompt')).toContain('sign in with a provider');
    expect(finalButton()?.textContent).toBe('Waiting for your current password…');
    expect(screen.find('#delete-account fieldset')?.hasAttribute('disabled')).toBe(true);
    expect(typeof sessions.get()).toBe('number');

    await screen.type('#reauthenticate-password', 'the old passphrase');
    await screen.click('#reauthenticate button[type=submit]');
    await screen.waitForElement('#login');
    expect(screen.text('main [role="status"]')).toBe(DELETED);
    expect(sessions.get()).toBeNull();
    expect(await screen.sent('POST', '/api/auth/reauthenticate')).toEqual([{ password: 'the old passphrase' }]);
    expect(await screen.sent('DELETE', '/api/account')).toHaveLength(2);
  });

  it('deletes nothing when the password prompt is cancelled', async () => {
    screen.withSessionCookie();
    screen.serve(deletionServer({ recent: false }));
    await openConfirmation();
    await screen.type('#delete-account-email', ADA.email);
    await screen.click('#delete-account button[type=submit]');
    await screen.waitForElement('#reauthenticate-password');
    await screen.click('#reauthenticate button[type=button]');

    await screen.waitFor(() => screen.text('#delete-account').includes('Your account was not deleted.') || null, 'the notice');
    expect(screen.find('#reauthenticate')).toBeNull();
    expect(screen.value('#delete-account-email')).toBe(ADA.email);
    expect(finalButton()?.disabled).toBe(false);
    expect(await screen.sent('DELETE', '/api/account')).toHaveLength(1);
    expect(typeof sessions.get()).toBe('number');
  });

  it('shows why when the server cannot delete, and keeps the person signed in', async () => {
    screen.withSessionCookie();
    screen.serve(deletionServer({ recent: true }, () => json(503, problem(503, 'service_unavailable', UNAVAILABLE))));
    await openConfirmation();
    await screen.type('#delete-account-email', ADA.email);
    await screen.click('#delete-account button[type=submit]');

    expect((await screen.waitForElement('#delete-account-alert')).textContent).toBe(UNAVAILABLE);
    expect(location.pathname).toBe('/settings');
    expect(typeof sessions.get()).toBe('number');
    expect(screen.cookie).not.toBeNull();
    expect(screen.text('.who-name')).toBe(ADA.name);
    expect(screen.find('#login')).toBeNull();
    // Still there to try again.
    expect(screen.value('#delete-account-email')).toBe(ADA.email);
    expect(finalButton()?.disabled).toBe(false);
    expect(finalButton()?.textContent).toBe('Delete my account');
  });
});

describe('sessions', () => {
  it('lists them with this device first, signs one out, and signs out everywhere else', async () => {
    screen.withSessionCookie();
    let others = [
      {
        id: OTHER_SESSION,
        current: false,
        issued_at: '2026-11-20T10:00:00Z',
        expires_at: '2026-11-21T10:00:00Z',
        assurance_level: 'aal2',
        second_factor_missing: false,
        methods: ['oidc', 'totp'],
        provider: 'hydra',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
        ip_address: '203.0.113.7',
      },
    ];
    const current = {
      id: '77777777-7777-4777-8777-777777777777',
      current: true,
      issued_at: '2026-11-23T09:00:00Z',
      expires_at: '2026-11-24T09:00:00Z',
      assurance_level: 'aal1',
      second_factor_missing: false,
      methods: ['password'],
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      ip_address: '198.51.100.2',
    };
    screen.serve(
      route({
        'GET /api/auth/session': () => json(200, session({ ...ADA, email_verified: true })),
        'GET /api/account/sessions': () => json(200, [current, ...others]),
        [`DELETE /api/account/sessions/${OTHER_SESSION}`]: () => {
          others = [];
          return json(204);
        },
        'DELETE /api/account/sessions': () => json(200, { revoked: 0 }),
        'GET /api/auth/social/providers': () => json(200, [{ id: 'hydra', label: 'Local provider' }]),
      }),
    );
    await screen.start('/settings/sessions');
    const rows = await screen.waitFor(() => {
      const found = screen.container.querySelectorAll('table.sessions tbody tr');
      return found.length === 2 ? found : null;
    }, 'two sessions');
    expect(rows[0]?.textContent).toContain('Chrome on Linux');
    expect(rows[0]?.textContent).toContain('This device');
    expect(rows[0]?.querySelector('button')).toBeNull();
    expect(rows[1]?.textContent).toContain('Firefox on Linux');
    expect(rows[1]?.textContent).toContain('203.0.113.7');
    // How each signed in, the provider by its label.
    expect(rows[0]?.querySelector('.session-how')?.textContent).toBe('with password');
    await screen.waitFor(
      () => (rows[1]?.querySelector('.session-how')?.textContent === 'with Local provider and authenticator app' ? true : null),
      'the provider by its label',
    );

    await screen.click(`tr[data-id="${OTHER_SESSION}"] button`);
    await screen.waitFor(() => screen.text('main').includes('Signed out Firefox on Linux.') || null, 'the notice');
    await screen.waitFor(() => (screen.find(`tr[data-id="${OTHER_SESSION}"]`) ? null : true), 'the row to go');
    expect(screen.text('main')).toContain('You are logged in nowhere else.');
    expect(screen.find('#revoke-others')).toBeNull();
    expect(typeof sessions.get()).toBe('number');
  });

  it('marks a session that stopped at the second factor, and says what it means', async () => {
    screen.withSessionCookie();
    const listed = (id: string, current: boolean, missing: boolean) => ({
      id,
      current,
      issued_at: '2026-11-23T09:00:00Z',
      expires_at: '2026-11-24T09:00:00Z',
      assurance_level: missing ? 'aal1' : 'aal2',
      second_factor_missing: missing,
      methods: missing ? ['password'] : ['password', 'totp'],
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
      ip_address: '203.0.113.7',
    });
    screen.serve(
      route({
        'GET /api/auth/session': () => json(200, session({ ...ADA, email_verified: true })),
        'GET /api/account/sessions': () =>
          json(200, [listed('77777777-7777-4777-8777-777777777777', true, false), listed(OTHER_SESSION, false, true)]),
        'GET /api/auth/social/providers': () => json(200, []),
      }),
    );
    await screen.start('/settings/sessions');
    const rows = await screen.waitFor(() => {
      const found = screen.container.querySelectorAll('table.sessions tbody tr');
      return found.length === 2 ? found : null;
    }, 'two sessions');
    expect(rows[0]?.textContent).not.toContain('Second factor not given');
    expect(rows[1]?.querySelector('.badge--warn')?.textContent).toBe('Second factor not given');
    expect(rows[1]?.querySelector('button')?.textContent).toBe('Sign out');
    expect(screen.text('main')).toContain('stopped at your second factor: if it was not you, someone knows your password');
  });
});

describe('security activity', () => {
  const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const CHROME =
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

  /** The activity tab, with `events` for GET /api/account/activity. */
  function serveActivity(events: unknown[]) {
    screen.withSessionCookie();
    screen.serve(
      route({
        'GET /api/auth/session': () => json(200, session({ ...ADA, email_verified: true })),
        'GET /api/account/activity': () => json(200, { events }),
      }),
    );
  }

  it('lists what happened, newest first, with the device, the address, and a badge for a new device', async () => {
    serveActivity([
      {
        kind: 'signed_in',
        occurred_at: '2026-11-23T09:00:00Z',
        user_agent: FIREFOX,
        ip_address: '203.0.113.7',
        new_device: true,
        methods: ['password', 'totp'],
      },
      {
        kind: 'signed_in',
        occurred_at: '2026-11-22T08:00:00Z',
        user_agent: CHROME,
        ip_address: '198.51.100.2',
        new_device: false,
        methods: ['password'],
      },
      {
        kind: 'password_changed',
        occurred_at: '2026-11-21T07:00:00Z',
        user_agent: null,
        ip_address: null,
        new_device: false,
        methods: [],
      },
    ]);
    await screen.start('/settings/activity');
    const rows = await screen.waitFor(() => {
      const found = screen.container.querySelectorAll('#activity-table tbody tr');
      return found.length === 3 ? found : null;
    }, 'three events');
    expect(document.title).toContain('Security activity');
    expect(screen.text('h1')).toBe('Security activity');
    expect(screen.text('main')).toContain('What happened to your account, when, and from which device.');

    const cells = (row: Element | undefined) => [...(row?.querySelectorAll('td') ?? [])].map((cell) => cell.textContent);
    expect(rows[0]?.getAttribute('data-kind')).toBe('signed_in');
    expect(rows[0]?.getAttribute('data-new-device')).toBe('true');
    expect(cells(rows[0]).slice(1)).toEqual([
      'Signed in with password and authenticator appNew device',
      'Firefox on Linux',
      '203.0.113.7',
    ]);
    expect(rows[0]?.querySelector('.badge')?.textContent).toBe('New device');

    expect(rows[1]?.getAttribute('data-new-device')).toBe('false');
    expect(cells(rows[1]).slice(1)).toEqual(['Signed in with password', 'Chrome on Windows', '198.51.100.2']);

    expect(rows[2]?.getAttribute('data-kind')).toBe('password_changed');
    expect(cells(rows[2]).slice(1)).toEqual(['Password changed', 'Unknown device', '—']);

    expect(screen.container.querySelectorAll('#activity-table .badge')).toHaveLength(1);
    expect(screen.find('#activity-empty')).toBeNull();

    // The tab is marked as the current one, next to the other two.
    const tabs = [...screen.container.querySelectorAll('nav.tabs a')];
    expect(tabs.map((tab) => tab.textContent)).toEqual(['Profile and security', 'Your sessions', 'Security activity']);
    const current = screen.container.querySelectorAll('nav.tabs a[aria-current="page"]');
    expect(current).toHaveLength(1);
    expect(current[0]?.textContent).toBe('Security activity');
    expect(current[0]?.getAttribute('href')).toBe('/settings/activity');

    // The intro's link goes to the sessions tab.
    const link = [...screen.container.querySelectorAll('main p a')].find(
      (anchor) => anchor.textContent === 'sign out your other sessions',
    );
    expect(link?.getAttribute('href')).toBe('/settings/sessions');
    expect(await screen.sent('GET', '/api/account/activity')).toHaveLength(1);
  });

  it('shows a kind it does not know (a newer server’s) by its name', async () => {
    serveActivity([
      {
        kind: 'passkey_added',
        occurred_at: '2026-11-23T09:00:00Z',
        user_agent: null,
        ip_address: null,
        new_device: false,
        methods: [],
      },
    ]);
    await screen.start('/settings/activity');
    const row = await screen.waitForElement('#activity-table tbody tr');
    expect(row.getAttribute('data-kind')).toBe('passkey_added');
    expect(row.querySelectorAll('td')[1]?.textContent).toBe('passkey added');
  });

  it('says so when there is nothing yet', async () => {
    serveActivity([]);
    await screen.start('/settings/activity');
    const empty = await screen.waitForElement('#activity-empty');
    expect(empty.textContent).toBe('Nothing yet.');
    expect(screen.find('#activity-table')).toBeNull();
  });

  it('sends a visitor without a session to log in, and back here after', async () => {
    screen.serve(route({}));
    await screen.start('/settings/activity');
    await screen.waitFor(() => location.pathname === '/login' || null, 'the login screen');
    await screen.waitForElement('#login');
    expect(new URLSearchParams(location.search).get('next')).toBe('/settings/activity');
  });
});
