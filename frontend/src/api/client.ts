// The typed API client: openapi-fetch over the types generated from
// ../openapi/openapi.json, so a spec change that breaks a call breaks `tsc`.

import createClient, { type Middleware } from 'openapi-fetch';

import type { paths } from './schema';
import { ApiError, isProblem, parseRetryAfter } from './problem';
import { stepUp as defaultStepUp, type StepUpStore } from '../auth/stepUp';
import { tokens as defaultTokens, type TokenStore } from '../auth/token';

/** Same origin unless VITE_API_BASE is set at build time (the spec's paths start with /api). */
export const API_BASE: string = import.meta.env.VITE_API_BASE ?? '';

/**
 * Adds `Authorization: Bearer <token>` to every request while there is a token.
 * When the API refuses the token it carried (and we still hold it): a 401 drops
 * it, which sends the app to the login screen; a 403 `second_factor_required`
 * notes it in `stepUp`, and the app asks for a code.
 */
export function authMiddleware(store: TokenStore, stepUp: StepUpStore): Middleware {
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
    async onResponse({ request, response }) {
      if (!carried.has(request) || (response.status !== 401 && response.status !== 403)) return undefined;
      // Only if it is still the token that was refused (not a newer login).
      const sent = request.headers.get('Authorization');
      const token = store.get();
      if (token === null || sent !== `Bearer ${token}`) return undefined;
      if (response.status === 401) {
        store.clear();
      } else {
        const body: unknown = await response
          .clone()
          .json()
          .catch(() => null);
        if (isProblem(body) && body.code === 'second_factor_required') stepUp.require(token);
      }
      return undefined;
    },
  };
}

export function createApi(
  options: { baseUrl?: string; fetch?: typeof fetch; tokens?: TokenStore; stepUp?: StepUpStore } = {},
) {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? (API_BASE || globalThis.location.origin),
    // Looked up on each call (not captured once), so tests can stub the global.
    fetch: options.fetch ?? ((request: Request) => globalThis.fetch(request)),
    // Never let the browser add cookies: the token is the only credential.
    credentials: 'omit',
  });
  client.use(authMiddleware(options.tokens ?? defaultTokens, options.stepUp ?? defaultStepUp));
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
