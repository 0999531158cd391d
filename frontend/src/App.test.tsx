import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { App } from './App';
import { SOCIAL_KEY } from './auth/social';
import { TOKEN_KEY, tokens } from './auth/token';

// Screen-level tests: the real App, with the network replaced by a fake server.

const ME = { id: '11111111-1111-4111-8111-111111111111', email: 'bob@example.com', name: 'Bob' };
const DOC_ID = '22222222-2222-4222-8222-222222222222';

type Handler = (request: Request) => Response | Promise<Response>;

function json(status: number, body: unknown): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
}

function problem(status: number, code: string, detail: string, messages?: unknown[]) {
  return { type: `urn:ory-spa:problem:${code}`, title: code, status, detail, code, ...(messages ? { messages } : {}) };
}

let container: HTMLElement;
let requests: Request[];

function serve(handler: Handler) {
  requests = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      requests.push(request.clone());
      return handler(request);
    }),
  );
}

async function waitFor<T>(find: () => T | null | undefined, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const found = find();
    if (found !== null && found !== undefined) return found;
    await act(() => new Promise((resolve) => setTimeout(resolve, 10)));
  }
  throw new Error(`timed out waiting for ${what}; page: ${container.innerHTML}`);
}

async function type(selector: string, value: string) {
  const input = container.querySelector<HTMLInputElement | HTMLTextAreaElement>(selector);
  if (!input) throw new Error(`no ${selector}`);
  await act(() => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function start(path: string) {
  history.replaceState(null, '', path);
  container = document.createElement('div');
  document.body.append(container);
  await act(() => {
    render(<App />, container);
  });
}

beforeEach(() => {
  sessionStorage.clear();
  tokens.clear();
});

afterEach(() => {
  render(null, container);
  container.remove();
  vi.unstubAllGlobals();
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

    // The page also asks which sign-in providers there are; this is the form's request.
    const registration = requests.find((r) => new URL(r.url).pathname === '/api/auth/registration');
    const sent = (await registration?.json()) as Record<string, string>;
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
    expect(tokens.get()).toBeNull();
    expect(location.pathname).toBe('/login');
    expect(new URLSearchParams(location.search).get('next')).toBe(`/documents/${DOC_ID}`);
    expect(container.textContent).toContain('Your session has ended');
  });
});

describe('social sign-in', () => {
  const STATE = 'a'.repeat(64);
  const VERIFIER = 'b'.repeat(64);
  const signedIn = { session_token: 'tok-social', session: { id: 's', identity: ME } };

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
      if (path === '/api/documents') return json(200, { items: [], page: 1, per_page: 20, total: 0 });
      return json(404, problem(404, 'not_found', 'no'));
    };
  }

  it('offers the providers on the login page and keeps the verifier in this tab only', async () => {
    const assign = vi.fn();
    // Leaving for the provider is a real navigation; the test only sees where to.
    vi.stubGlobal('location', { assign, origin: location.origin, pathname: '/login', search: '?next=%2Fgroups' });
    serve(socialServer(() => json(500, {})));
    await start('/login?next=%2Fgroups');
    const button = await waitFor(
      () => container.querySelector<HTMLButtonElement>('button[data-provider="hydra"]'),
      'the provider button',
    );
    expect(button.textContent).toBe('Sign in with Local provider');
    await act(() => {
      button.click();
    });
    await waitFor(() => (assign.mock.calls.length > 0 ? true : null), 'the browser sent to the provider');
    expect(assign).toHaveBeenCalledWith('http://provider.test/oauth2/auth?client_id=x');
    const started = requests.find((r) => new URL(r.url).pathname === '/api/auth/social/providers/hydra');
    expect(await started?.json()).toEqual({ intent: 'login' });
    expect(JSON.parse(sessionStorage.getItem(SOCIAL_KEY) ?? 'null')).toEqual({
      state: STATE,
      verifier: VERIFIER,
      next: '/groups',
    });
  });

  it('finishes with the code from the return URL and lands signed in, the code gone from the address bar', async () => {
    sessionStorage.setItem(SOCIAL_KEY, JSON.stringify({ state: STATE, verifier: VERIFIER, next: null }));
    serve(socialServer(() => json(200, signedIn)));
    await start(`/auth/social/return?code=kratos-code&state=${STATE}`);
    await waitFor(() => container.querySelector('.empty'), 'the document list');
    const completed = requests.find((r) => new URL(r.url).pathname === '/api/auth/social/complete');
    expect(await completed?.json()).toEqual({ state: STATE, verifier: VERIFIER, code: 'kratos-code' });
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('tok-social');
    expect(sessionStorage.getItem(SOCIAL_KEY)).toBeNull();
    expect(location.pathname).toBe('/documents');
    expect(requests.every((r) => !r.url.includes(VERIFIER))).toBe(true);
  });

  it('refuses a return this tab did not start, without asking the server', async () => {
    serve(socialServer(() => json(200, signedIn)));
    await start(`/auth/social/return?code=someone-elses&state=${STATE}`);
    const alert = await waitFor(() => container.querySelector('#social-return-alert'), 'the message');
    expect(alert.textContent).toContain('not started in this tab');
    expect(requests.some((r) => new URL(r.url).pathname === '/api/auth/social/complete')).toBe(false);
    expect(tokens.get()).toBeNull();
  });

  it("shows the server's error from the return URL", async () => {
    sessionStorage.setItem(SOCIAL_KEY, JSON.stringify({ state: STATE, verifier: VERIFIER, next: null }));
    serve(socialServer(() => json(200, signedIn)));
    await start('/auth/social/return?error=exchange_code_expired');
    const alert = await waitFor(() => container.querySelector('#social-return-alert'), 'the message');
    expect(alert.textContent).toBe('The sign-in took too long. Please start again.');
    expect(sessionStorage.getItem(SOCIAL_KEY)).toBeNull();
  });

  it('links to an existing account with its password', async () => {
    sessionStorage.setItem(SOCIAL_KEY, JSON.stringify({ state: STATE, verifier: VERIFIER, next: null }));
    const text = 'You tried to sign in with "bob@example.com", but that email is already used by another account.';
    serve(
      socialServer((body) =>
        'password' in body
          ? json(200, signedIn)
          : json(409, problem(409, 'account_exists', 'An account exists.', [{ id: 1010016, text }])),
      ),
    );
    const flow = '44444444-4444-4444-8444-444444444444';
    await start(`/auth/social/return?flow=${flow}&state=${STATE}`);
    await waitFor(() => container.querySelector('#link-account'), 'the link form');
    expect(container.textContent).toContain(text);
    await type('#link-account-password', 'the account password');
    await act(() => {
      container.querySelector<HTMLButtonElement>('#link-account button[type=submit]')?.click();
    });
    await waitFor(() => container.querySelector('.empty'), 'the document list');
    const link = requests.find((r) => new URL(r.url).pathname === '/api/auth/social/link');
    expect(await link?.json()).toEqual({ state: STATE, verifier: VERIFIER, password: 'the account password' });
    expect(tokens.get()).toBe('tok-social');
  });
});
