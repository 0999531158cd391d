import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { Screen, body, json, problem, route, type Handler } from './testing/screen';

// Settings' two-factor section against a fake server: an authenticator app
// (TOTP) and recovery codes, each change behind a recent login.

const FLOW = '44444444-4444-4444-8444-444444444444';
const ADA = { id: '11111111-1111-4111-8111-111111111111', email: 'ada@example.com', name: 'Ada', email_verified: true };
const QR = 'data:image/png;base64,iVBORw0KGgo=';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const WRONG_TOTP = 'The provided authentication code is invalid, please try again.';
const CODES = ['abcd1234', 'efgh5678', 'ijkl9012'];
const REFRESH = problem(403, 'session_refresh_required', 'For this change, please confirm your password first.');

function session() {
  return { id: '77777777-7777-4777-8777-777777777777', assurance_level: 'aal1', identity: ADA };
}

let screen: Screen;
let factors: { totp: boolean; recovery_codes: boolean; recovery_codes_left?: number };

/** The settings page's own endpoints, with the two-factor status from `factors`, plus `routes`. */
function serve(routes: Record<string, Handler>) {
  screen.serve(
    route({
      'GET /api/auth/session': () => json(200, session()),
      'GET /api/account/profile': () => json(200, ADA),
      'GET /api/account/second-factor': () => json(200, factors),
      ...routes,
    }),
  );
}

async function openSettings() {
  await screen.start('/settings');
  return screen.waitForElement('#two-factor-status');
}

beforeEach(() => {
  factors = { totp: false, recovery_codes: false };
  screen = new Screen();
  screen.withSessionCookie();
});

afterEach(() => {
  screen.stop();
});

describe('an authenticator app', () => {
  it('shows the QR code and the key, refuses a wrong code under the field, and turns on with the right one', async () => {
    serve({
      'POST /api/account/second-factor/totp': () => json(201, { flow_id: FLOW, qr_code: QR, secret: SECRET }),
      'POST /api/account/second-factor/totp/confirm': async (request) => {
        if ((await body(request)).code !== '123456') {
          return json(400, problem(400, 'validation_failed', 'Refused.', [{ field: 'code', id: 4000008, text: WRONG_TOTP }]));
        }
        factors = { totp: true, recovery_codes: false };
        return json(204);
      },
      'POST /api/account/second-factor/recovery-codes': () => json(201, { flow_id: FLOW, codes: CODES }),
      'POST /api/account/second-factor/recovery-codes/confirm': () => {
        factors = { totp: true, recovery_codes: true };
        return json(204);
      },
    });
    const status = await openSettings();
    expect(status.textContent).toContain('Two-factor authentication is off');
    expect(screen.text('#totp-status')).toBe('Off');
    // Recovery codes come after an app.
    expect(screen.find('#recovery-codes-generate')).toBeNull();
    expect(screen.text('#recovery-codes-later')).toContain('Set up an authenticator app first');

    await screen.click('#totp-start');
    const qr = await screen.waitForElement('#totp-qr');
    expect(qr.getAttribute('src')).toBe(QR);
    expect(qr.getAttribute('alt')).toBe('QR code for your authenticator app');
    expect(screen.text('#totp-secret')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(document.activeElement?.id).toBe('totp-setup');

    // The key is copied as the app wants it, without the spaces.
    await screen.click('#totp-secret-copy');
    await screen.waitFor(() => screen.text('#totp-secret-copy-result') === 'Copied.' || null, 'the copied notice');
    expect(await navigator.clipboard.readText()).toBe(SECRET);

    await screen.type('#totp-confirm-code', '000000');
    await screen.click('#totp-confirm button[type=submit]');
    const error = await screen.waitForElement('#totp-confirm-code-error');
    expect(error.textContent).toBe(WRONG_TOTP);
    expect(screen.find('#totp-confirm-code')?.getAttribute('aria-describedby')).toContain('totp-confirm-code-error');

    await screen.type('#totp-confirm-code', '123 456');
    await screen.click('#totp-confirm button[type=submit]');
    await screen.waitFor(() => screen.text('#totp-status') === 'On' || null, 'the app to be on');
    expect(screen.find('#totp-setup')).toBeNull();
    expect(screen.text('#totp [role="status"]')).toContain('Your authenticator app is set up.');
    expect(screen.text('#totp [role="status"]')).toContain('Now generate recovery codes');
    expect(screen.text('#two-factor-status')).toContain('Two-factor authentication is on');
    expect(screen.find('#recovery-codes-generate')).not.toBeNull();
    expect(await screen.sent('POST', '/api/account/second-factor/totp/confirm')).toEqual([
      { flow_id: FLOW, code: '000000' },
      { flow_id: FLOW, code: '123456' },
    ]);

    // Once there are recovery codes, the nudge to make them goes.
    await screen.click('#recovery-codes-generate');
    await screen.waitForElement('#recovery-codes-confirm');
    await screen.click('#recovery-codes-confirm');
    await screen.waitFor(() => screen.text('#recovery-codes-status') === 'On' || null, 'the codes to be on');
    expect(screen.text('#totp [role="status"]')).toBe(
      'Your authenticator app is set up. From now on, logging in asks for a code from it.',
    );
  });

  it('asks for the password when the login is too old, then starts the setup', async () => {
    let started = 0;
    serve({
      'POST /api/account/second-factor/totp': () => {
        started += 1;
        return started === 1 ? json(403, REFRESH) : json(201, { flow_id: FLOW, qr_code: QR, secret: SECRET });
      },
      'POST /api/auth/reauthenticate': () => json(200, { session: session() }),
    });
    await openSettings();
    await screen.click('#totp-start');
    await screen.waitForElement('#reauthenticate-password');
    expect(screen.text('#totp-start')).toBe('Waiting for your current password…');
    await screen.type('#reauthenticate-password', 'my current password');
    await screen.click('#reauthenticate button[type=submit]');
    await screen.waitForElement('#totp-qr');
    expect(started).toBe(2);
    expect(screen.find('#reauthenticate')).toBeNull();
    expect(await screen.sent('POST', '/api/auth/reauthenticate')).toEqual([{ password: 'my current password' }]);
  });

  it('says so when the setup expired before the code came', async () => {
    serve({
      'POST /api/account/second-factor/totp': () => json(201, { flow_id: FLOW, qr_code: QR, secret: SECRET }),
      'POST /api/account/second-factor/totp/confirm': () =>
        json(410, problem(410, 'flow_expired', 'The flow has expired. Start again without a flow_id.')),
    });
    await openSettings();
    await screen.click('#totp-start');
    await screen.waitForElement('#totp-confirm-code');
    await screen.type('#totp-confirm-code', '123456');
    await screen.click('#totp-confirm button[type=submit]');
    await screen.waitFor(() => (screen.find('#totp-setup') ? null : true), 'the setup to close');
    expect(screen.text('#totp [role="status"]')).toContain('The setup expired before it was confirmed. Start again');
    expect(screen.find('#totp-start')).not.toBeNull();
  });

  it('is removed only after a confirmation', async () => {
    factors = { totp: true, recovery_codes: true };
    serve({
      'DELETE /api/account/second-factor/totp': () => {
        factors = { totp: false, recovery_codes: true };
        return json(204);
      },
    });
    await openSettings();
    expect(screen.text('#totp-status')).toBe('On');
    expect(screen.find('#totp-remove')?.getAttribute('aria-label')).toBe('Remove the authenticator app');
    await screen.click('#totp-remove');
    const confirm = await screen.waitForElement('#totp-remove-confirm');
    expect(confirm.getAttribute('role')).toBe('alertdialog');
    expect(confirm.textContent).toContain('Your recovery codes stay');
    expect(document.activeElement?.textContent).toBe('Cancel');
    await screen.click('#totp-remove-confirm button.danger');
    await screen.waitFor(() => screen.text('#totp-status') === 'Off' || null, 'the app to be off');
    expect(screen.text('#totp [role="status"]')).toBe(
      'The authenticator app is removed. Logging in no longer asks for its codes.',
    );
    expect(screen.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });
});

describe('recovery codes', () => {
  it.each([
    [12, null, '12 recovery codes are left.'],
    [1, 'Few left', 'Few left 1 recovery code is left. Generate new ones before they run out.'],
    [0, 'None left', 'None left All your recovery codes have been used: none of them will log you in. Generate new ones.'],
  ])('says how many are left (%i), and suggests new ones when few or none are', async (left, badge, words) => {
    factors = { totp: true, recovery_codes: true, recovery_codes_left: left };
    serve({});
    await openSettings();
    expect(screen.text('#recovery-codes-status')).toBe('On');
    expect(screen.text('#recovery-codes-left')).toBe(words);
    expect(screen.find('#recovery-codes-left .badge--warn')?.textContent ?? null).toBe(badge);
  });

  it('shows new codes once, to copy or download, and puts them in force when saved', async () => {
    factors = { totp: true, recovery_codes: false };
    serve({
      'POST /api/account/second-factor/recovery-codes': () => json(201, { flow_id: FLOW, codes: CODES }),
      'POST /api/account/second-factor/recovery-codes/confirm': () => {
        factors = { totp: true, recovery_codes: true };
        return json(204);
      },
    });
    // The file behind the download link (happy-dom cannot read a blob: URL back).
    const files = vi.spyOn(URL, 'createObjectURL');
    await openSettings();
    expect(screen.text('#recovery-codes-status')).toBe('Off');
    await screen.click('#recovery-codes-generate');
    const list = await screen.waitForElement('#recovery-codes-list');
    expect([...list.querySelectorAll('li')].map((li) => li.textContent)).toEqual(CODES);
    expect(document.activeElement?.id).toBe('recovery-codes-new');

    await screen.click('#recovery-codes-copy');
    await screen.waitFor(() => screen.text('#recovery-codes-copy-result') === 'Copied.' || null, 'the copied notice');
    expect(await navigator.clipboard.readText()).toBe(CODES.join('\n'));

    const download = await screen.waitForElement('#recovery-codes-download');
    expect(download.getAttribute('download')).toBe('recovery-codes.txt');
    const href = download.getAttribute('href') ?? '';
    expect(href).toMatch(/^blob:/);
    const blob = files.mock.calls.at(-1)?.[0] as Blob;
    expect(blob.type).toBe('text/plain;charset=utf-8');
    const file = await blob.text();
    expect(file).toContain(`Recovery codes for ${ADA.email} at ${location.origin}`);
    expect(file.split('\n').slice(4, 7)).toEqual(CODES);

    await screen.click('#recovery-codes-confirm');
    await screen.waitFor(() => screen.text('#recovery-codes-status') === 'On' || null, 'the codes to be on');
    expect(screen.find('#recovery-codes-list')).toBeNull();
    expect(screen.text('#recovery-codes [role="status"]')).toContain('Your recovery codes are in force.');
    expect(await screen.sent('POST', '/api/account/second-factor/recovery-codes/confirm')).toEqual([{ flow_id: FLOW }]);
    expect(screen.find('#recovery-codes-generate')?.textContent).toBe('Generate new codes');
  });

  it('keeps the old codes when new ones are not saved', async () => {
    factors = { totp: true, recovery_codes: true };
    serve({ 'POST /api/account/second-factor/recovery-codes': () => json(201, { flow_id: FLOW, codes: CODES }) });
    await openSettings();
    await screen.click('#recovery-codes-generate');
    const panel = await screen.waitForElement('#recovery-codes-new');
    expect(panel.textContent).toContain('Your old codes keep working until you confirm');
    await screen.click('#recovery-codes-discard');
    expect(screen.find('#recovery-codes-new')).toBeNull();
    expect(screen.text('#recovery-codes [role="status"]')).toBe('Nothing was changed: your old codes still work.');
    expect(await screen.sent('POST', '/api/account/second-factor/recovery-codes/confirm')).toEqual([]);
  });

  it('says expired codes in words, and removes codes after a confirmation', async () => {
    factors = { totp: true, recovery_codes: true };
    serve({
      'POST /api/account/second-factor/recovery-codes': () => json(201, { flow_id: FLOW, codes: CODES }),
      'POST /api/account/second-factor/recovery-codes/confirm': () =>
        json(410, problem(410, 'flow_expired', 'The flow has expired. Start again without a flow_id.')),
      'DELETE /api/account/second-factor/recovery-codes': () => {
        factors = { totp: true, recovery_codes: false };
        return json(204);
      },
    });
    await openSettings();
    await screen.click('#recovery-codes-generate');
    await screen.waitForElement('#recovery-codes-confirm');
    await screen.click('#recovery-codes-confirm');
    const alert = await screen.waitForElement('#recovery-codes-alert');
    expect(alert.textContent).toBe('These codes expired before you confirmed them, and do not work. Generate new ones.');
    expect(screen.find('#recovery-codes-list')).toBeNull();

    await screen.click('#recovery-codes-remove');
    await screen.waitForElement('#recovery-codes-remove-confirm');
    await screen.click('#recovery-codes-remove-confirm button.danger');
    await screen.waitFor(() => screen.text('#recovery-codes-status') === 'Off' || null, 'the codes to be off');
    expect(screen.text('#recovery-codes [role="status"]')).toBe('Your recovery codes are removed and no longer work.');
  });
});
