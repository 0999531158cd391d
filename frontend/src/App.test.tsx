import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SESSION_CHANNEL } from './auth/otherTabs';
import { sessions } from './auth/sessionState';
import { emptyText } from './pages/Documents';
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

    // The page first asked whether the browser has a session (it had none), and
    // which sign-in providers there are, for the buttons under the form.
    expect(requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      'GET /api/auth/session',
      'GET /api/auth/social/providers',
      'POST /api/auth/registration',
    ]);
    const registration = requests.find((r) => new URL(r.url).pathname === '/api/auth/registration');
    expect(await registration?.json()).toEqual({ email: 'ada@example.com', name: 'Ada', password: 'abc' });
    expect(screen.cookie).toBeNull();
    expect(sessions.get()).toBeNull();
  });

  it('signs in by the cookie the answer set, and opens the documents', async () => {
    serve((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/auth/registration') {
        return json(201, { session: { id: 's', identity: ME } });
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
    expect(screen.cookie).not.toBeNull();
    expect(container.querySelector('.who-name')?.textContent).toBe('Bob');
    const listCall = requests.find((r) => new URL(r.url).pathname === '/api/documents');
    expect(listCall?.headers.get('X-Session-Mode')).toBe('cookie');
    // The harness fails the test on any token the page sent or stored (testing/screen.tsx).
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
    screen.withSessionCookie();
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
    expect(typeof sessions.get()).toBe('number');
  });

  it('sends the viewer to the login screen when the session has expired', async () => {
    screen.withSessionCookie();
    const expired = json(401, problem(401, 'unauthenticated', 'The session token is unknown, expired or revoked.'));
    serve((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/auth/session') return json(200, { id: 's', identity: ME });
      return expired.clone();
    });
    await start(`/documents/${DOC_ID}`);
    await waitFor(() => container.querySelector('#login'), 'the login form');
    // The login form shows at once; the guard then moves the URL to /login?next=….
    await waitFor(() => location.pathname === '/login' || null, 'the URL of the login screen');
    expect(sessions.get()).toBeNull();
    expect(new URLSearchParams(location.search).get('next')).toBe(`/documents/${DOC_ID}`);
    expect(container.textContent).toContain('Your session has ended');
  });
});

describe('a reload', () => {
  it('asks the server whether the browser has a session, and shows the screen', async () => {
    screen.withSessionCookie();
    serve((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/auth/session') return json(200, { id: 's', identity: ME });
      if (path === '/api/documents') return json(200, { items: [], page: 1, per_page: 20, total: 0 });
      return json(404, problem(404, 'not_found', 'no'));
    });
    await start('/documents');
    await waitFor(() => container.querySelector('.empty'), 'the empty document list');
    expect(container.querySelector('.who-name')?.textContent).toBe('Bob');
    expect(requests[0]?.url).toMatch(/\/api\/auth\/session$/);
  });

  it('without a session cookie goes to the login screen, saying nothing about an ended session', async () => {
    serve(() => json(404, problem(404, 'not_found', 'no')));
    await start('/documents');
    await waitFor(() => location.pathname === '/login' || null, 'the login screen');
    await waitFor(() => container.querySelector('#login'), 'the login form');
    expect(new URLSearchParams(location.search).get('next')).toBe('/documents');
    expect(container.textContent).not.toContain('Your session has ended');
  });

  it('shows what went wrong when the server cannot say, and tries again', async () => {
    screen.withSessionCookie();
    let down = true;
    serve((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/auth/session') {
        return down
          ? json(503, problem(503, 'service_unavailable', 'The service is unavailable. Try again shortly.'))
          : json(200, { id: 's', identity: ME });
      }
      return json(200, { items: [], page: 1, per_page: 20, total: 0 });
    });
    await start('/documents');
    await waitFor(() => container.querySelector('[role="alert"]'), 'the error');
    expect(container.querySelector('#login')).toBeNull();
    down = false;
    await act(() => {
      container.querySelector<HTMLButtonElement>('main button')?.click();
    });
    await waitFor(() => container.querySelector('.empty'), 'the documents');
  });
});

describe('logging out', () => {
  function server(logout: () => Response): Handler {
    return (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/auth/session') return json(200, { id: 's', identity: ME });
      if (path === '/api/auth/logout') return logout();
      // The login screen it ends on lists the sign-in providers.
      if (path === '/api/auth/social/providers') return json(200, []);
      return json(200, { items: [], page: 1, per_page: 20, total: 0 });
    };
  }

  it('ends the session at the server, which clears the cookie', async () => {
    screen.withSessionCookie();
    serve(server(() => json(204)));
    await start('/documents');
    await waitFor(() => container.querySelector('#logout'), 'the logout button');
    await act(() => {
      container.querySelector<HTMLButtonElement>('#logout')?.click();
    });
    await waitFor(() => container.querySelector('#login'), 'the login form');
    expect(container.textContent).toContain('You have logged out.');
    expect(screen.cookie).toBeNull();
  });

  it('does not claim to have logged out when the server could not end the session', async () => {
    screen.withSessionCookie();
    serve(server(() => json(503, problem(503, 'service_unavailable', 'The service is unavailable. Try again shortly.'))));
    await start('/documents');
    await waitFor(() => container.querySelector('#logout'), 'the logout button');
    await act(() => {
      container.querySelector<HTMLButtonElement>('#logout')?.click();
    });
    const alert = await waitFor(() => container.querySelector('#logout-error'), 'the error');
    expect(alert.textContent).toContain('You are still logged in');
    expect(container.querySelector('#login')).toBeNull();
    expect(typeof sessions.get()).toBe('number');
  });
});

describe('another tab of the same browser', () => {
  const ALICE = { id: '44444444-4444-4444-8444-444444444444', email: 'alice@example.com', name: 'Alice', email_verified: true };
  const EMPTY = { items: [], page: 1, per_page: 20, total: 0 };
  // For the login screen's social buttons.
  const NO_PROVIDERS: never[] = [];

  /** Plays the other tab: says on the app's channel that it signed in or out. */
  function otherTab(change: 'signed-in' | 'signed-out') {
    const channel = new BroadcastChannel(SESSION_CHANNEL);
    channel.postMessage(change);
    channel.close();
  }

  it('logging in as someone else there makes this tab start over as them', async () => {
    screen.withSessionCookie();
    let who = ME;
    serve((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/auth/session') return json(200, { id: 's', identity: who });
      return json(200, EMPTY);
    });
    await start('/documents');
    await waitFor(() => container.querySelector('.who-name')?.textContent === 'Bob' || null, 'Bob');
    const before = sessions.get();
    // The other tab's login replaced the cookie.
    who = ALICE;
    screen.withSessionCookie();
    otherTab('signed-in');
    await waitFor(() => container.querySelector('.who-name')?.textContent === 'Alice' || null, 'Alice');
    expect(sessions.get()).not.toBe(before);
    expect(location.pathname).toBe('/documents');
  });

  it('logging out there sends this tab to the login screen', async () => {
    screen.withSessionCookie();
    serve((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/auth/session') return json(200, { id: 's', identity: ME });
      if (path === '/api/auth/social/providers') return json(200, NO_PROVIDERS);
      return json(200, EMPTY);
    });
    await start('/documents');
    await waitFor(() => container.querySelector('.who-name'), 'the header');
    screen.cookie = null;
    otherTab('signed-out');
    await waitFor(() => container.querySelector('#login'), 'the login form');
    expect(sessions.get()).toBeNull();
  });

  it('logging in there takes this tab off the login screen', async () => {
    serve((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/auth/session') return json(200, { id: 's', identity: ME });
      if (path === '/api/auth/social/providers') return json(200, NO_PROVIDERS);
      return json(200, EMPTY);
    });
    await start('/login');
    await waitFor(() => container.querySelector('#login'), 'the login form');
    screen.withSessionCookie();
    otherTab('signed-in');
    await waitFor(() => container.querySelector('.empty'), 'the documents');
    expect(location.pathname).toBe('/documents');
  });

  it('hears from this tab when it signs in, and sends nothing but which', async () => {
    const heard: unknown[] = [];
    const listener = new BroadcastChannel(SESSION_CHANNEL);
    listener.onmessage = (event: MessageEvent<unknown>) => heard.push(event.data);
    try {
      serve((request) => {
        const path = new URL(request.url).pathname;
        if (path === '/api/auth/login') return json(200, { session: { id: 's', identity: ME } });
        if (path === '/api/auth/social/providers') return json(200, NO_PROVIDERS);
        return json(200, EMPTY);
      });
      await start('/login');
      await type('#login-identifier', ME.email);
      await type('#login-password', 'a long enough passphrase');
      await act(() => {
        container.querySelector<HTMLButtonElement>('#login button[type=submit]')?.click();
      });
      await waitFor(() => container.querySelector('.empty'), 'the documents');
      await waitFor(() => heard.length > 0 || null, 'the message');
      expect(heard).toEqual(['signed-in']);
    } finally {
      listener.close();
    }
  });
});

describe('the document list', () => {
  const summary = (title: string, n: number) => ({
    id: `33333333-3333-4333-8333-${String(n).padStart(12, '0')}`,
    title,
    owner_id: ME.id,
    created_at: '2026-12-06T10:00:00Z',
    updated_at: '2026-12-06T10:00:00Z',
  });

  it('searches titles once typing pauses, and keeps the search in the address and the pages', async () => {
    screen.withSessionCookie();
    serve((request) => {
      const url = new URL(request.url);
      if (url.pathname === '/api/auth/session') return json(200, { id: 's', identity: ME });
      if (url.pathname !== '/api/documents') return json(404, problem(404, 'not_found', 'no'));
      const q = url.searchParams.get('q');
      const page = Number(url.searchParams.get('page') ?? '1');
      if (q === null) {
        return json(200, { items: [summary('Shopping list', 1), summary('Quarterly plan', 2)], page, per_page: 20, total: 2 });
      }
      if (q === 'plan') return json(200, { items: [summary('Quarterly plan', 2)], page, per_page: 20, total: 41 });
      return json(200, { items: [], page, per_page: 20, total: 0 });
    });
    await start('/documents');
    await waitFor(() => container.querySelectorAll('.doc-item').length === 2, 'the whole list');

    for (const typed of ['p', 'pl', 'pla', 'plan']) await type('#documents-search', typed);
    await waitFor(() => location.search === '?q=plan', 'the search in the address');
    await waitFor(() => container.querySelectorAll('.doc-item').length === 1, 'the match');
    const searches = requests.map((r) => new URL(r.url)).filter((u) => u.searchParams.has('q'));
    expect(searches.map((u) => u.searchParams.get('q'))).toEqual(['plan']);
    expect(searches[0]?.searchParams.get('page')).toBe('1');
    expect(container.querySelector('a[rel="next"]')?.getAttribute('href')).toBe('/documents?q=plan&page=2');
    expect(container.querySelector('.pager-range')?.textContent).toBe('1 of 41 matching');

    await type('#documents-search', 'budget');
    const empty = await waitFor(() => container.querySelector('.empty'), 'no match');
    expect(empty.textContent).toBe('No document you can see has “budget” in its title.');

    await type('#documents-search', '');
    await waitFor(() => location.search === '' && container.querySelectorAll('.doc-item').length === 2, 'the list');
    expect(new URL(requests.at(-1)?.url ?? '').searchParams.has('q')).toBe(false);
    expect(container.querySelector('.pager-range')?.textContent).toBe('1–2 of 2');
  });

  it("keeps one's own or others' documents, together with the search", async () => {
    screen.withSessionCookie();
    serve((request) => {
      const url = new URL(request.url);
      if (url.pathname === '/api/auth/session') return json(200, { id: 's', identity: ME });
      if (url.pathname !== '/api/documents') return json(404, problem(404, 'not_found', 'no'));
      return json(200, { items: [], page: 1, per_page: 20, total: 0 });
    });
    await start('/documents?q=plan');
    await waitFor(() => container.querySelector('.empty'), 'the empty list');
    const current = () => container.querySelector('.owner-filter [aria-current="page"]')?.textContent;
    expect(current()).toBe('All');

    await screen.click('.owner-filter a:nth-child(3)');
    await waitFor(() => location.search === '?owner=others&q=plan', 'the filter in the address');
    await waitFor(() => current() === 'Shared with me', 'the filter shown as chosen');
    await waitFor(
      () => container.querySelector('.empty')?.textContent === 'No document shared with you has “plan” in its title.',
      'what the empty list says',
    );
    const asked = new URL(requests.at(-1)?.url ?? '');
    expect([asked.searchParams.get('owner'), asked.searchParams.get('q')]).toEqual(['others', 'plan']);

    // A new search keeps the filter.
    await type('#documents-search', 'notes');
    await waitFor(() => location.search === '?owner=others&q=notes', 'the search beside the filter');
  });
});

describe('emptyText', () => {
  it('says what the list kept', () => {
    expect(emptyText('', undefined)).toBe('No documents yet. Create one, or ask someone to share one with you.');
    expect(emptyText('', 'me')).toBe('You have no documents of your own yet. Create one.');
    expect(emptyText('', 'others')).toBe('Nobody has shared a document with you yet.');
    expect(emptyText('plan', 'me')).toBe('No document of yours has “plan” in its title.');
  });
});
