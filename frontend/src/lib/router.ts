// A tiny history router (no hash): routes as data, parsed from and formatted to
// paths, so that both directions are tested and links can never drift apart.

import { MAX_SEARCH, parsePage } from './pagination';

/** Whose documents the list keeps (the API's `owner`). */
export type Owner = 'me' | 'others';

export type Route =
  | { name: 'login'; next: string | null }
  | { name: 'register' }
  /** Where a social sign-in comes back to, with what the server put in the URL. */
  | { name: 'social-return'; state: string | null; code: string | null; flow: string | null; error: string | null }
  /**
   * `q`: a title search, as typed (the server trims it); `owner`: only one's own
   * documents or only others'. Each is absent for the whole list.
   */
  | { name: 'documents'; page: number; q?: string; owner?: Owner }
  | { name: 'new-document' }
  | { name: 'document'; id: string }
  | { name: 'sharing'; id: string }
  | { name: 'groups' }
  | { name: 'group'; id: string }
  | { name: 'verify' }
  | { name: 'recovery' }
  | { name: 'new-password' }
  /** Undoing an email change, with the link mailed to the old address (its secret is in the fragment). */
  | { name: 'restore-email' }
  | { name: 'settings' }
  | { name: 'sessions' }
  | { name: 'activity' }
  | { name: 'not-found'; path: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A `next` target we are willing to go to after login: a path on this origin, not a screen for guests. */
export function safeNext(value: string | null | undefined): string | null {
  if (!value?.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 0x20) return null;
  const path = value.split(/[?#]/, 1)[0] ?? '';
  if (access(parseRoute(path)) === 'guest') return null;
  return value;
}

export function parseRoute(pathname: string, search = ''): Route {
  const query = new URLSearchParams(search);
  const parts = pathname.split('/').filter((part) => part !== '');
  const [first, second, third] = parts;
  switch (parts.length) {
    case 0:
      return { name: 'documents', page: 1 };
    case 1:
      if (first === 'login') return { name: 'login', next: safeNext(query.get('next')) };
      if (first === 'register') return { name: 'register' };
      if (first === 'documents') {
        const q = (query.get('q') ?? '').slice(0, MAX_SEARCH);
        const owner = query.get('owner');
        return {
          name: 'documents',
          page: parsePage(query.get('page')),
          ...(q === '' ? {} : { q }),
          ...(owner === 'me' || owner === 'others' ? { owner } : {}),
        };
      }
      if (first === 'groups') return { name: 'groups' };
      if (first === 'verify') return { name: 'verify' };
      if (first === 'recovery') return { name: 'recovery' };
      if (first === 'restore-email') return { name: 'restore-email' };
      if (first === 'settings') return { name: 'settings' };
      break;
    case 2:
      if (first === 'documents' && second === 'new') return { name: 'new-document' };
      if (first === 'documents' && second !== undefined && isUuid(second)) return { name: 'document', id: second };
      if (first === 'groups' && second !== undefined && isUuid(second)) return { name: 'group', id: second };
      if (first === 'recovery' && second === 'password') return { name: 'new-password' };
      if (first === 'settings' && second === 'sessions') return { name: 'sessions' };
      if (first === 'settings' && second === 'activity') return { name: 'activity' };
      break;
    case 3:
      if (first === 'documents' && second !== undefined && isUuid(second) && third === 'sharing') {
        return { name: 'sharing', id: second };
      }
      if (first === 'auth' && second === 'social' && third === 'return') {
        const flow = query.get('flow');
        return {
          name: 'social-return',
          state: query.get('state'),
          code: query.get('code'),
          flow: flow !== null && isUuid(flow) ? flow : null,
          error: query.get('error'),
        };
      }
      break;
  }
  return { name: 'not-found', path: pathname };
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'login':
      return route.next ? `/login?${new URLSearchParams({ next: route.next }).toString()}` : '/login';
    case 'register':
      return '/register';
    case 'social-return': {
      const query = new URLSearchParams();
      for (const key of ['state', 'code', 'flow', 'error'] as const) {
        const value = route[key];
        if (value !== null) query.set(key, value);
      }
      const search = query.toString();
      return search ? `/auth/social/return?${search}` : '/auth/social/return';
    }
    case 'documents': {
      const query = new URLSearchParams();
      if (route.owner) query.set('owner', route.owner);
      if (route.q) query.set('q', route.q);
      if (route.page > 1) query.set('page', String(route.page));
      const search = query.toString();
      return search ? `/documents?${search}` : '/documents';
    }
    case 'new-document':
      return '/documents/new';
    case 'document':
      return `/documents/${encodeURIComponent(route.id)}`;
    case 'sharing':
      return `/documents/${encodeURIComponent(route.id)}/sharing`;
    case 'groups':
      return '/groups';
    case 'group':
      return `/groups/${encodeURIComponent(route.id)}`;
    case 'verify':
      return '/verify';
    case 'recovery':
      return '/recovery';
    case 'new-password':
      return '/recovery/password';
    case 'restore-email':
      return '/restore-email';
    case 'settings':
      return '/settings';
    case 'sessions':
      return '/settings/sessions';
    case 'activity':
      return '/settings/activity';
    case 'not-found':
      return route.path;
  }
}

/**
 * Who may see a route: `guest` screens are for people without a session (a
 * logged-in person is sent on into the app), `any` screens work with or without
 * one (verifying an address: where Kratos requires verified addresses, an
 * unverified person cannot log in; undoing an email change: the link in the
 * mail must work in a browser that is signed in, and not be lost on the way
 * into the app), and `session` screens need one.
 */
export type Access = 'guest' | 'any' | 'session';

export function access(route: Route): Access {
  switch (route.name) {
    case 'login':
    case 'register':
    case 'recovery':
    case 'social-return': // a social sign-in comes back here; once signed in, on into the app
      return 'guest';
    case 'verify':
    case 'restore-email':
      return 'any';
    default:
      return 'session';
  }
}

const NAVIGATE = 'app:navigate';

export function currentLocation(): { pathname: string; search: string } {
  return { pathname: globalThis.location.pathname, search: globalThis.location.search };
}

/**
 * Goes to `href` within the app. `state` travels with the history entry (it
 * survives a reload of the tab and comes back with back/forward) and never
 * appears in the URL: the pages keep a pending code's flow and address there.
 */
export function navigate(href: string, options: { replace?: boolean; state?: unknown } = {}): void {
  const state = options.state ?? null;
  if (options.replace) globalThis.history.replaceState(state, '', href);
  else globalThis.history.pushState(state, '', href);
  globalThis.dispatchEvent(new Event(NAVIGATE));
}

/** The state of the current history entry (see `navigate`). */
export function historyState(): unknown {
  return globalThis.history.state as unknown;
}

/** Replaces the current history entry's state without navigating. */
export function replaceHistoryState(state: unknown): void {
  globalThis.history.replaceState(state, '');
}

/** Calls `listener` on back/forward and on `navigate`; returns the unsubscribe function. */
export function onLocationChange(listener: () => void): () => void {
  globalThis.addEventListener('popstate', listener);
  globalThis.addEventListener(NAVIGATE, listener);
  return () => {
    globalThis.removeEventListener('popstate', listener);
    globalThis.removeEventListener(NAVIGATE, listener);
  };
}

/** Whether a click on a link should be left to the browser (new tab, download, …). */
export function isModifiedClick(event: MouseEvent): boolean {
  return event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
}
