// Screen-level tests: the real App in happy-dom, with the network replaced by a
// fake server. Shared by the *.test.tsx files; not part of the app's bundle.
//
// The fake keeps the server's side of cookie mode (README.md, "The session
// lives in an HttpOnly cookie"), so the handlers a test writes answer like the
// real server would: the session is a cookie the page never sees, set by the
// sign-ins that succeed and cleared by logout; a request that needs a session
// and comes without the cookie gets the gate's 401 before any handler runs.
// What the real server would refuse or what would leak a token is recorded as
// broken, and `stop()` fails the test: a request without `X-Session-Mode:
// cookie` or with other credentials than 'same-origin', a token sent by the
// page, a handler that answers a sign-in with `session_token` (the real server
// leaves it out in cookie mode), and anything the app put in storage but a
// social sign-in's pending verifier (see `stop()`).

import { render } from 'preact';
import { act } from 'preact/test-utils';
import { vi } from 'vitest';

import { App } from '../App';
import { sessions } from '../auth/sessionState';
import { SOCIAL_KEY } from '../auth/social';
import { stepUp } from '../auth/stepUp';

export type Handler = (request: Request) => Response | Promise<Response>;

export function json(status: number, body?: unknown): Response {
  if (body === undefined) return new Response(null, { status });
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
}

export function problem(status: number, code: string, detail: string, messages?: unknown[]) {
  return { type: `urn:ory-spa:problem:${code}`, title: code, status, detail, code, ...(messages ? { messages } : {}) };
}

/** A fake server from `"METHOD /path"` to handler; anything else is a 404 problem. */
export function route(routes: Record<string, Handler>): Handler {
  return (request) => {
    const key = `${request.method} ${new URL(request.url).pathname}`;
    const handler = routes[key];
    return handler ? handler(request) : json(404, problem(404, 'not_found', `no fake for ${key}`));
  };
}

function newCookie(): string {
  cookies += 1;
  return `ory_st_fake_${cookies}`;
}

/** A request's JSON body. */
export async function body(request: Request): Promise<Record<string, unknown>> {
  return (await request.clone().json()) as Record<string, unknown>;
}

/** The operations that take no session; the real gate answers 401 to the rest without one. */
const PUBLIC = new Set([
  'POST /api/auth/registration',
  'POST /api/auth/login',
  'POST /api/auth/verification',
  'POST /api/auth/verification/code',
  'POST /api/auth/recovery',
  'POST /api/auth/recovery/code',
  'GET /api/auth/social/providers',
  'POST /api/auth/social/complete',
  'POST /api/auth/social/link',
  'POST /api/account/email/restore',
]);

/** Starting a social sign-in (`POST /api/auth/social/providers/{provider}`) takes no session either. */
const SOCIAL_START = /^POST \/api\/auth\/social\/providers\/[^/]+$/;

/** The sign-ins that start a session (and set its cookie) when they succeed, a 202 included. */
const NEW_SESSION = new Set([
  'POST /api/auth/registration',
  'POST /api/auth/login',
  'POST /api/auth/recovery/code',
  'POST /api/auth/social/complete',
  'POST /api/auth/social/link',
]);

/** The sign-ins that keep the session they were sent with (the server sets the same cookie again). */
const SAME_SESSION = new Set(['POST /api/auth/reauthenticate', 'POST /api/auth/second-factor']);

let cookies = 0;

function isPendingSignIn(raw: string | null): boolean {
  try {
    const value: unknown = JSON.parse(raw ?? 'null');
    return (
      typeof value === 'object' &&
      value !== null &&
      Object.keys(value).sort().join(',') === 'next,state,verifier'
    );
  } catch {
    return false;
  }
}

/** The app on a fake server; `requests` are copies of what it sent, in order. */
export class Screen {
  container: HTMLElement = document.createElement('div');
  requests: Request[] = [];
  /**
   * The session cookie's value in the fake browser, null without one. The page
   * cannot read it (HttpOnly); a handler may set it to null for a request that
   * clears it (signing out the current session by id).
   */
  cookie: string | null = null;
  /** What the app did that the real server would refuse, or that leaks a token. */
  broken: string[] = [];

  /** The browser holds a session cookie from before the page loaded (a reload). */
  withSessionCookie(): void {
    this.cookie = newCookie();
  }

  serve(handler: Handler): void {
    this.requests = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (request: Request) => {
        this.requests.push(request.clone());
        const key = `${request.method} ${new URL(request.url).pathname}`;
        if (request.headers.get('X-Session-Mode') !== 'cookie') this.broken.push(`${key} without X-Session-Mode: cookie`);
        if (request.credentials !== 'same-origin') this.broken.push(`${key} with credentials '${request.credentials}'`);
        if (request.headers.has('Authorization') || request.headers.has('X-Session-Token')) {
          this.broken.push(`${key} presents a token: the page holds none in cookie mode`);
        }
        if (!PUBLIC.has(key) && !SOCIAL_START.test(key) && this.cookie === null) {
          return json(401, problem(401, 'unauthenticated', 'A session token is required.'));
        }
        const response = await handler(request);
        if (response.ok && (NEW_SESSION.has(key) || SAME_SESSION.has(key))) {
          if ((await response.clone().text()).includes('session_token')) {
            this.broken.push(`the fake ${key} answered with a session_token; in cookie mode the real one does not`);
          }
          if (NEW_SESSION.has(key)) this.cookie = newCookie();
        }
        if (key === 'POST /api/auth/logout' && response.ok) this.cookie = null;
        return response;
      }),
    );
  }

  async start(path: string, state: unknown = null): Promise<void> {
    // A new page: it knows of no session until it has asked the server.
    sessions.forget();
    stepUp.clear();
    history.replaceState(state, '', path);
    document.body.append(this.container);
    await act(() => {
      render(<App />, this.container);
    });
    // The page first asks whether the browser has a session; wait for the
    // answer (or the error it shows), as a person waits for the page to load.
    await this.waitFor(
      () => sessions.get() !== undefined || this.find('[role="alert"]'),
      'the page to learn whether there is a session',
    );
  }

  /** Unmounts the app; throws (failing the test) if it broke cookie mode's rules. */
  stop(): void {
    render(null, this.container);
    this.container.remove();
    vi.unstubAllGlobals();
    for (const storage of [sessionStorage, localStorage]) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i) ?? '';
        // A social sign-in in progress keeps its state and verifier in this tab's
        // sessionStorage (auth/social.ts): not a session token, and the tab must
        // prove at the return that it started the sign-in, without putting the
        // verifier in a URL. That one key, with just those fields, and nothing else.
        if (storage === sessionStorage && key === SOCIAL_KEY && isPendingSignIn(storage.getItem(key))) continue;
        this.broken.push(`the app stored ${key} in web storage`);
      }
    }
    sessionStorage.clear();
    localStorage.clear();
    if (this.broken.length > 0) throw new Error(`cookie mode broken:\n${this.broken.join('\n')}`);
  }

  find(selector: string): HTMLElement | null {
    return this.container.querySelector<HTMLElement>(selector);
  }

  /** An input's current value. */
  value(selector: string): string | null {
    return this.container.querySelector<HTMLInputElement>(selector)?.value ?? null;
  }

  /** Whether a checkbox is checked. */
  checked(selector: string): boolean | null {
    return this.container.querySelector<HTMLInputElement>(selector)?.checked ?? null;
  }

  text(selector: string): string {
    return this.find(selector)?.textContent ?? '';
  }

  async waitFor<T>(find: () => T | null | undefined | false, what: string): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const found = find();
      if (found !== null && found !== undefined && found !== false) return found;
      await act(() => new Promise((resolve) => setTimeout(resolve, 10)));
    }
    throw new Error(`timed out waiting for ${what}; page: ${this.container.innerHTML}`);
  }

  async waitForElement(selector: string): Promise<HTMLElement> {
    return this.waitFor(() => this.find(selector), selector);
  }

  async type(selector: string, value: string): Promise<void> {
    const input = this.container.querySelector<HTMLInputElement | HTMLTextAreaElement>(selector);
    if (!input) throw new Error(`no ${selector}`);
    await act(() => {
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }

  async click(selector: string): Promise<void> {
    const element = this.find(selector);
    if (!element) throw new Error(`no ${selector}; page: ${this.container.innerHTML}`);
    await act(() => {
      element.click();
    });
  }

  /** The requests to `path` (and `method`), with their JSON bodies. */
  async sent(method: string, path: string): Promise<unknown[]> {
    const matching = this.requests.filter((r) => r.method === method && new URL(r.url).pathname === path);
    return Promise.all(matching.map((r) => r.clone().text().then((body) => (body ? (JSON.parse(body) as unknown) : null))));
  }
}
