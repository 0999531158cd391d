import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { TOKEN_KEY, tokens } from './auth/token';
import { Screen, json, problem, type Handler } from './testing/screen';

// Screen-level tests: the real App, with the network replaced by a fake server.

const ME = { id: '11111111-1111-4111-8111-111111111111', email: 'bob@example.com', name: 'Bob', email_verified: true };
const DOC_ID = '22222222-2222-4222-8222-222222222222';

let screen: Screen;
let container: HTMLElement;
let requests: Request[];

function serve(handler: Handler) {
  screen.serve(handler);
  requests = screen.requests;
}

const waitFor = <T,>(find: () => T | null | undefined, what: string) => screen.waitFor(find, what);
const type = (selector: string, value: string) => screen.type(selector, value);

async function start(path: string) {
  await screen.start(path);
}

beforeEach(() => {
  sessionStorage.clear();
  tokens.clear();
  screen = new Screen();
  container = screen.container;
});

afterEach(() => {
  screen.stop();
});

describe('registration', () => {
  it("shows Kratos' message next to the password field", async () => {
    const text = 'The password must be at least 8 characters long, but got 3.';
    serve(() => json(400, problem(400, 'validation_failed', 'Refused.', [{ field: 'password', id: 4000032, text }])));
    await start('/register');
    await type('#register-email', 'ada@example.com');
    await type('#register-name', 'Ada');
    await type('#register-password', 'abc');
    await act(() => {
      container.querySelector<HTMLButtonElement>('#register button[type=submit]')?.click();
    });
    const error = await waitFor(() => container.querySelector('#register-password-error'), 'the password error');
    expect(error.textContent).toBe(text);
    // Next to the field: in the password field's own block, and tied to its input.
    expect(error.closest('[data-field]')?.getAttribute('data-field')).toBe('password');
    const input = container.querySelector('#register-password');
    expect(input?.getAttribute('aria-invalid')).toBe('true');
    expect(input?.getAttribute('aria-describedby')).toContain('register-password-error');
    expect(container.querySelector('#register-email-error')).toBeNull();
    expect(container.querySelector('#register-alert')).toBeNull();

    const sent = (await requests[0]?.json()) as Record<string, string>;
    expect(requests[0]?.url).toMatch(/\/api\/auth\/registration$/);
    expect(sent).toEqual({ email: 'ada@example.com', name: 'Ada', password: 'abc' });
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
  });

  it('stores the token in sessionStorage and opens the documents', async () => {
    serve((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/auth/registration') {
        return json(201, { session_token: 'tok-1', session: { id: 's', identity: ME } });
      }
      if (path === '/api/documents') return json(200, { items: [], page: 1, per_page: 20, total: 0 });
      return json(404, problem(404, 'not_found', 'no'));
    });
    await start('/register');
    await type('#register-email', ME.email);
    await type('#register-name', ME.name);
    await type('#register-password', 'a long enough passphrase');
    await act(() => {
      container.querySelector<HTMLButtonElement>('#register button[type=submit]')?.click();
    });
    await waitFor(() => container.querySelector('.empty'), 'the empty document list');
    expect(location.pathname).toBe('/documents');
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('tok-1');
    expect(container.querySelector('.who-name')?.textContent).toBe('Bob');
    const listCall = requests.find((r) => new URL(r.url).pathname === '/api/documents');
    expect(listCall?.headers.get('Authorization')).toBe('Bearer tok-1');
  });
});

describe('a document shared as viewer', () => {
  function viewerServer(patchStatus: number): Handler {
    return (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/auth/session') return json(200, { id: 's', identity: ME });
      if (path === `/api/documents/${DOC_ID}` && request.method === 'GET') {
        return json(200, {
          id: DOC_ID,
          title: 'Plans',
          body: 'secret plans',
          owner_id: '33333333-3333-4333-8333-333333333333',
          created_at: '2026-11-23T10:00:00Z',
          updated_at: '2026-11-23T10:00:00Z',
          permissions: { edit: false, share: false, delete: false },
        });
      }
      if (path === `/api/documents/${DOC_ID}` && request.method === 'PATCH') {
        return json(patchStatus, problem(patchStatus, 'forbidden', 'You do not have permission to do this.'));
      }
      return json(404, problem(404, 'not_found', 'no'));
    };
  }

  it('is read-only, and a forced save shows the 403 message', async () => {
    tokens.set('tok-b');
    serve(viewerServer(403));
    await start(`/documents/${DOC_ID}`);
    const title = await waitFor(() => container.querySelector<HTMLInputElement>('#document-title'), 'the title');
    expect(title.value).toBe('Plans');
    // The whole form sits in a disabled fieldset (inputs and the Save button).
    const fieldset = container.querySelector('#document fieldset');
    expect(fieldset?.hasAttribute('disabled')).toBe(true);
    expect(fieldset?.contains(title)).toBe(true);
    expect(fieldset?.querySelector('button[type=submit]')).not.toBeNull();
    expect(container.querySelector('button.danger')).toBeNull();
    expect(container.textContent).not.toContain('Sharing');

    // Someone re-enables the form in the page: the server still says no.
    container.querySelector('fieldset')?.removeAttribute('disabled');
    await type('#document-title', 'Hijacked');
    await act(() => {
      container.querySelector<HTMLButtonElement>('#document button[type=submit]')?.click();
    });
    const alert = await waitFor(() => container.querySelector('#document-alert'), 'the 403 message');
    expect(alert.textContent).toBe('You do not have permission to do this.');
    const patch = requests.find((r) => r.method === 'PATCH');
    expect(await patch?.json()).toEqual({ title: 'Hijacked' });
    expect(tokens.get()).toBe('tok-b');
  });

  it('sends the viewer to the login screen when the session has expired', async () => {
    tokens.set('tok-expired');
    serve(() => json(401, problem(401, 'unauthenticated', 'The session token is unknown, expired or revoked.')));
    await start(`/documents/${DOC_ID}`);
    await waitFor(() => container.querySelector('#login'), 'the login form');
    // The login form shows at once; the guard then moves the URL to /login?next=….
    await waitFor(() => location.pathname === '/login' || null, 'the URL of the login screen');
    expect(tokens.get()).toBeNull();
    expect(new URLSearchParams(location.search).get('next')).toBe(`/documents/${DOC_ID}`);
    expect(container.textContent).toContain('Your session has ended');
  });
});
