// Screen-level tests: the real App in happy-dom, with the network replaced by a
// fake server. Shared by the *.test.tsx files; not part of the app's bundle.

import { render } from 'preact';
import { act } from 'preact/test-utils';
import { vi } from 'vitest';

import { App } from '../App';
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

/** A request's JSON body. */
export async function body(request: Request): Promise<Record<string, unknown>> {
  return (await request.clone().json()) as Record<string, unknown>;
}

/** The app on a fake server; `requests` are copies of what it sent, in order. */
export class Screen {
  container: HTMLElement = document.createElement('div');
  requests: Request[] = [];

  serve(handler: Handler): void {
    this.requests = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (request: Request) => {
        this.requests.push(request.clone());
        return handler(request);
      }),
    );
  }

  async start(path: string, state: unknown = null): Promise<void> {
    // A note from an earlier test about a token that this one reuses would count.
    stepUp.clear();
    history.replaceState(state, '', path);
    document.body.append(this.container);
    await act(() => {
      render(<App />, this.container);
    });
  }

  stop(): void {
    render(null, this.container);
    this.container.remove();
    vi.unstubAllGlobals();
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
