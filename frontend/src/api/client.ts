// The typed API client: openapi-fetch over the types generated from
// ../openapi/openapi.json, so a spec change that breaks a call breaks `tsc`.

import createClient, { type Middleware } from 'openapi-fetch';

import type { paths } from './schema';
import { ApiError, isProblem, parseRetryAfter } from './problem';
import { tokens as defaultTokens, type TokenStore } from '../auth/token';

/** Same origin unless VITE_API_BASE is set at build time (the spec's paths start with /api). */
export const API_BASE: string = import.meta.env.VITE_API_BASE ?? '';

/**
 * Adds `Authorization: Bearer <token>` to every request while there is a token,
 * and drops the token when the API answers 401 to a request that carried it,
 * which sends the app to the login screen.
 */
export function authMiddleware(store: TokenStore): Middleware {
  const carried = new WeakSet<Request>();
  return {
    onRequest({ request }) {
      const token = store.get();
      if (token !== null) {
        request.headers.set('Authorization', `Bearer ${token}`);
        carried.add(request);
      }
      return request;
    },
    onResponse({ request, response }) {
      if (response.status === 401 && carried.has(request)) {
        // Only if it is still the token that was refused (not a newer login).
        const sent = request.headers.get('Authorization');
        const token = store.get();
        if (token !== null && sent === `Bearer ${token}`) store.clear();
      }
      return undefined;
    },
  };
}

export function createApi(options: { baseUrl?: string; fetch?: typeof fetch; tokens?: TokenStore } = {}) {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? (API_BASE || globalThis.location.origin),
    // Looked up on each call (not captured once), so tests can stub the global.
    fetch: options.fetch ?? ((request: Request) => globalThis.fetch(request)),
    // Never let the browser add cookies: the token is the only credential.
    credentials: 'omit',
  });
  client.use(authMiddleware(options.tokens ?? defaultTokens));
  return client;
}

export type Api = ReturnType<typeof createApi>;

interface Outcome<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError that
 * carries the problem document and `Retry-After` (status 0 when the server
 * could not be reached).
 */
export async function call<D>(request: Promise<Outcome<D>>): Promise<D> {
  let outcome: Outcome<D>;
  try {
    outcome = await request;
  } catch (cause) {
    throw new ApiError(0, null, cause instanceof Error ? cause.message : 'network error');
  }
  const { response } = outcome;
  if (response.ok) return outcome.data as D;
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  throw new ApiError(response.status, isProblem(outcome.error) ? outcome.error : null, undefined, retryAfter);
}

/** The app's client. */
export const api = createApi();
