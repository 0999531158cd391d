import { describe, expect, it, vi } from 'vitest';

import { call, createApi } from './client';
import { ApiError } from './problem';
import { createSessionStore } from '../auth/sessionState';
import { createStepUpStore } from '../auth/stepUp';

const PROBLEM_401 = {
  type: 'urn:ory-spa:problem:unauthenticated',
  title: 'Unauthenticated',
  status: 401,
  detail: 'The session token is unknown, expired or revoked.',
  code: 'unauthenticated',
};

function json(status: number, body: unknown, type = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
}

function setup(respond: (request: Request) => Response | Promise<Response>) {
  const sessions = createSessionStore();
  const requests: Request[] = [];
  const fetch = vi.fn((request: Request) => {
    requests.push(request);
    return Promise.resolve(respond(request));
  });
  const api = createApi({ baseUrl: 'http://app.test', fetch: fetch as unknown as typeof globalThis.fetch, sessions });
  return { api, sessions, requests };
}

describe('the API client', () => {
  it('asks for cookie mode on every request, lets the browser add the same-origin cookie, and sends no token', async () => {
    const { api, sessions, requests } = setup(() => json(200, { message: 'hi', user: 'u' }));
    await call(api.POST('/api/auth/login', { body: { identifier: 'a@b.c', password: 'x' } })).catch(() => undefined);
    sessions.begin();
    const home = await call(api.GET('/api/home'));
    expect(home.message).toBe('hi');
    await call(api.DELETE('/api/account/sessions')).catch(() => undefined);
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST http://app.test/api/auth/login',
      'GET http://app.test/api/home',
      'DELETE http://app.test/api/account/sessions',
    ]);
    for (const request of requests) {
      expect(request.headers.get('X-Session-Mode')).toBe('cookie');
      expect(request.credentials).toBe('same-origin');
      expect(request.headers.has('Authorization')).toBe(false);
      expect(request.headers.has('X-Session-Token')).toBe(false);
    }
  });

  it('ends the session when the API answers 401 to a request made with it', async () => {
    const { api, sessions } = setup(() => json(401, PROBLEM_401, 'application/problem+json'));
    sessions.begin();
    const listener = vi.fn();
    sessions.subscribe(listener);
    const error = await call(api.GET('/api/auth/session')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).code).toBe('unauthenticated');
    expect(sessions.get()).toBeNull();
    expect(listener).toHaveBeenCalledWith(null);
  });

  it('keeps a newer session when an older request comes back 401', async () => {
    const { api, sessions } = setup(() => {
      // The person logs in again while the old request is on its way.
      sessions.begin();
      return json(401, PROBLEM_401, 'application/problem+json');
    });
    sessions.begin();
    await call(api.GET('/api/home')).catch(() => undefined);
    expect(sessions.get()).toBe(2);
  });

  it('leaves a 401 to a guest, or before the page knows, to whoever asked', async () => {
    const guest = setup(() => json(401, PROBLEM_401, 'application/problem+json'));
    guest.sessions.end();
    await call(guest.api.POST('/api/auth/second-factor', { body: { method: 'totp', code: '123456' } })).catch(
      () => undefined,
    );
    expect(guest.sessions.get()).toBeNull();

    const starting = setup(() => json(401, PROBLEM_401, 'application/problem+json'));
    await call(starting.api.GET('/api/auth/session')).catch(() => undefined);
    expect(starting.sessions.get()).toBeUndefined();
  });

  it('keeps the session on 403 and turns the problem into an ApiError', async () => {
    const forbidden = { ...PROBLEM_401, status: 403, code: 'forbidden', detail: 'You do not have permission to do this.' };
    const { api, sessions } = setup(() => json(403, forbidden, 'application/problem+json'));
    const mark = sessions.begin();
    const error = await call(
      api.PATCH('/api/documents/{id}', { params: { path: { id: '0b9ad0b2-8a51-4f6e-9d5e-2a3c1d4e5f60' } }, body: { title: 'x' } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('You do not have permission to do this.');
    expect(sessions.get()).toBe(mark);
  });

  it('keeps Retry-After with the error', async () => {
    const limited = { ...PROBLEM_401, status: 429, code: 'rate_limited', detail: 'Too many attempts. Try again in 60 seconds.' };
    const { api } = setup(
      () =>
        new Response(JSON.stringify(limited), {
          status: 429,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '60' },
        }),
    );
    const error = await call(api.POST('/api/auth/login', { body: { identifier: 'a@b.c', password: 'x' } })).catch(
      (e: unknown) => e,
    );
    expect((error as ApiError).code).toBe('rate_limited');
    expect((error as ApiError).retryAfter).toBe(60);
  });

  it('returns undefined for 204 and reports an unreachable server as status 0', async () => {
    const ok = setup(() => new Response(null, { status: 204 }));
    await expect(call(ok.api.POST('/api/auth/logout'))).resolves.toBeUndefined();

    const down = setup(() => Promise.reject(new TypeError('Failed to fetch')));
    const error = await call(down.api.GET('/api/home')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(0);
  });

  it('serialises pagination into the query string', async () => {
    const { api, requests } = setup(() => json(200, { items: [], page: 2, per_page: 20, total: 0 }));
    await call(api.GET('/api/documents', { params: { query: { page: 2, per_page: 20 } } }));
    expect(new URL(requests[0]?.url ?? '').search).toBe('?page=2&per_page=20');
  });
});

describe('a session that needs its second factor', () => {
  const NEEDS_CODE = {
    type: 'urn:ory-spa:problem:second_factor_required',
    title: 'Second factor required',
    status: 403,
    detail: 'Enter a code from your authenticator app, or a recovery code, to continue.',
    code: 'second_factor_required',
  };

  function withStepUp(respond: () => Response) {
    const sessions = createSessionStore();
    const stepUp = createStepUpStore();
    const fetch = vi.fn(() => Promise.resolve(respond()));
    const api = createApi({ baseUrl: 'http://app.test', fetch: fetch as unknown as typeof globalThis.fetch, sessions, stepUp });
    return { api, sessions, stepUp };
  }

  it('notes the session the API refused with second_factor_required, and keeps it', async () => {
    const { api, sessions, stepUp } = withStepUp(() => json(403, NEEDS_CODE, 'application/problem+json'));
    const half = sessions.begin();
    const error = await call(api.GET('/api/home')).catch((e: unknown) => e);
    expect((error as ApiError).code).toBe('second_factor_required');
    expect(stepUp.get()).toBe(half);
    expect(sessions.get()).toBe(half);
  });

  it('notes nothing for other refusals, or for a request sent without a session', async () => {
    const forbidden = withStepUp(() => json(403, { ...NEEDS_CODE, code: 'forbidden' }, 'application/problem+json'));
    forbidden.sessions.begin();
    await call(forbidden.api.GET('/api/home')).catch(() => undefined);
    expect(forbidden.stepUp.get()).toBeNull();

    const guest = withStepUp(() => json(403, NEEDS_CODE, 'application/problem+json'));
    guest.sessions.end();
    await call(guest.api.GET('/api/home')).catch(() => undefined);
    expect(guest.stepUp.get()).toBeNull();
  });
});
