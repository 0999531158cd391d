// The typed API client: openapi-fetch over the types generated from
// ../openapi/openapi.json, so a spec change that breaks a call breaks `tsc`.

import createClient, { type Middleware } from 'openapi-fetch';

import type { paths } from './schema';
import { ApiError, isProblem, parseRetryAfter } from './problem';
import { sessions as defaultSessions, type SessionMark, type SessionStore } from '../auth/sessionState';
import { stepUp as defaultStepUp, type StepUpStore } from '../auth/stepUp';

/**
 * Cookie mode, on every request: the session token travels in the HttpOnly
 * cookie the server sets when we sign in with this header, never through the
 * page. The server also wants the header (and our `Origin`, which the browser
 * adds) on every change a cookie authenticates, so it is simply always sent.
 */
export const SESSION_MODE = { header: 'X-Session-Mode', value: 'cookie' } as const;

/**
 * Puts `X-Session-Mode: cookie` on every request. When the API refuses the
 * session a request went with (and the page has not signed in anew since): a
 * 401 ends it, which sends the app to the login screen; a 403
 * `second_factor_required` notes it in `stepUp`, and the app asks for a code.
 */
export function sessionMiddleware(sessions: SessionStore, stepUp: StepUpStore): Middleware {
  const sentWith = new WeakMap<Request, SessionMark>();
  return {
    onRequest({ request }) {
      request.headers.set(SESSION_MODE.header, SESSION_MODE.value);
      const session = sessions.get();
      if (typeof session === 'number') sentWith.set(request, session);
      return request;
    },
    async onResponse({ request, response }) {
      if (response.status !== 401 && response.status !== 403) return undefined;
      // Only about the page's current session: not a newer login, and not a
      // guest's request (a 401 there is the form's business).
      const session = sentWith.get(request);
      if (session === undefined || session !== sessions.get()) return undefined;
      if (response.status === 401) {
        sessions.end();
      } else {
        const body: unknown = await response
          .clone()
          .json()
          .catch(() => null);
        if (isProblem(body) && body.code === 'second_factor_required') stepUp.require(session);
      }
      return undefined;
    },
  };
}

export function createApi(
  options: { baseUrl?: string; fetch?: typeof fetch; sessions?: SessionStore; stepUp?: StepUpStore } = {},
) {
  const client = createClient<paths>({
    // The page's own origin: the session cookie is host-only and SameSite=Strict,
    // and `npm run dev` proxies /api, so the API is always same-origin.
    baseUrl: options.baseUrl ?? globalThis.location.origin,
    // Looked up on each call (not captured once), so tests can stub the global.
    fetch: options.fetch ?? ((request: Request) => globalThis.fetch(request)),
    // The session cookie goes with our own requests and nowhere else.
    credentials: 'same-origin',
  });
  client.use(sessionMiddleware(options.sessions ?? defaultSessions, options.stepUp ?? defaultStepUp));
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
