import { describe, expect, it, vi } from 'vitest';

import { call, createApi } from './client';
import { ApiError } from './problem';
import { createStepUpStore } from '../auth/stepUp';
import { createTokenStore } from '../auth/token';

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
  const tokens = createTokenStore(null);
  const requests: Request[] = [];
  const fetch = vi.fn((request: Request) => {
    requests.push(request);
    return Promise.resolve(respond(request));
  });
  const api = createApi({ baseUrl: 'http://app.test', fetch: fetch as unknown as typeof globalThis.fetch, tokens });
  return { api, tokens, requests };
}

describe('the API client', () => {
  it('sends the token as a bearer header, never in the URL', async () => {
    const { api, tokens, requests } = setup(() => json(200, { message: 'hi', user: 'u' }));
    tokens.set('secret-token');
    const home = await call(api.GET('/api/home'));
    expect(home.message).toBe('hi');
    const [request] = requests;
    expect(request?.headers.get('Authorization')).toBe('Bearer secret-token');
    expect(request?.url).toBe('http://app.test/api/home');
    expect(request?.url).not.toContain('secret-token');
    expect(request?.credentials).toBe('omit');
  });

  it('sends no Authorization header without a token', async () => {
    const { api, requests } = setup(() => json(201, { session_token: 't', session: {} }));
    await call(api.POST('/api/auth/registration', { body: { email: 'a@b.c', name: 'A', password: 'x' } }));
    expect(requests[0]?.headers.has('Authorization')).toBe(false);
    expect(requests[0]?.method).toBe('POST');
  });

  it('drops the token when the API answers 401 to it', async () => {
    const { api, tokens } = setup(() => json(401, PROBLEM_401, 'application/problem+json'));
    tokens.set('expired');
    const listener = vi.fn();
    tokens.subscribe(listener);
    const error = await call(api.GET('/api/auth/session')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).code).toBe('unauthenticated');
    expect(tokens.get()).toBeNull();
    expect(listener).toHaveBeenCalledWith(null);
  });

  it('keeps a newer token when an older request comes back 401', async () => {
    const { api, tokens } = setup((request) => {
      // The user logs in again while the old request is on its way.
      if (request.headers.get('Authorization') === 'Bearer old') tokens.set('new');
      return json(401, PROBLEM_401, 'application/problem+json');
    });
    tokens.set('old');
    await call(api.GET('/api/home')).catch(() => undefined);
    expect(tokens.get()).toBe('new');
  });

  it('keeps the token on 403 and turns the problem into an ApiError', async () => {
    const forbidden = { ...PROBLEM_401, status: 403, code: 'forbidden', detail: 'You do not have permission to do this.' };
    const { api, tokens } = setup(() => json(403, forbidden, 'application/problem+json'));
    tokens.set('valid');
    const error = await call(
      api.PATCH('/api/documents/{id}', { params: { path: { id: '0b9ad0b2-8a51-4f6e-9d5e-2a3c1d4e5f60' } }, body: { title: 'x' } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('You do not have permission to do this.');
    expect(tokens.get()).toBe('valid');
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
    const tokens = createTokenStore(null);
    const stepUp = createStepUpStore();
    const fetch = vi.fn(() => Promise.resolve(respond()));
    const api = createApi({ baseUrl: 'http://app.test', fetch: fetch as unknown as typeof globalThis.fetch, tokens, stepUp });
    return { api, tokens, stepUp };
  }

  it('notes the token the API refused with second_factor_required, and keeps it', async () => {
    const { api, tokens, stepUp } = withStepUp(() => json(403, NEEDS_CODE, 'application/problem+json'));
    tokens.set('half');
    const error = await call(api.GET('/api/home')).catch((e: unknown) => e);
    expect((error as ApiError).code).toBe('second_factor_required');
    expect(stepUp.get()).toBe('half');
    expect(tokens.get()).toBe('half');
  });

  it('notes nothing for other refusals, or for a request sent without the stored token', async () => {
    const forbidden = withStepUp(() => json(403, { ...NEEDS_CODE, code: 'forbidden' }, 'application/problem+json'));
    forbidden.tokens.set('full');
    await call(forbidden.api.GET('/api/home')).catch(() => undefined);
    expect(forbidden.stepUp.get()).toBeNull();

    const guest = withStepUp(() => json(403, NEEDS_CODE, 'application/problem+json'));
    await call(guest.api.GET('/api/home')).catch(() => undefined);
    expect(guest.stepUp.get()).toBeNull();
  });
});
