// A social sign-in in progress ("Sign in with <provider>"): what this tab must
// remember while the browser is away at the provider.
//
// The start hands out a `verifier` that proves, at the return, that the tab which
// comes back is the one that started. It lives in this tab's sessionStorage and
// nowhere else: never in a URL, so a return URL opened in another tab or sent to
// someone else signs nobody in. The server keeps Kratos' half of the exchange.
// It is the only thing the app keeps in web storage: the session itself is an
// HttpOnly cookie (README.md, "The session lives in an HttpOnly cookie").

export const SOCIAL_KEY = 'ory-spa.social-sign-in';

/** This tab's sessionStorage when the browser lets us use it (it may throw when storage is off). */
export function tabStorage(): Storage | null {
  try {
    const storage = globalThis.sessionStorage;
    // Reading it is not enough: Safari's private mode used to throw only on a write.
    const probe = `${SOCIAL_KEY}.probe`;
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return null;
  }
}

export interface PendingSocialSignIn {
  /** Names the sign-in; it comes back in the return URL. */
  state: string;
  verifier: string;
  /** Where to go once signed in (a path on this origin). */
  next: string | null;
}

function isPending(value: unknown): value is PendingSocialSignIn {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.state === 'string' &&
    typeof v.verifier === 'string' &&
    (v.next === null || typeof v.next === 'string')
  );
}

/** Remembers the sign-in the tab is about to leave for; false if it cannot (no storage). */
export function savePending(pending: PendingSocialSignIn, storage = tabStorage()): boolean {
  if (!storage) return false;
  try {
    storage.setItem(SOCIAL_KEY, JSON.stringify(pending));
    return true;
  } catch {
    return false;
  }
}

/** The sign-in this tab started, if it started one. */
export function readPending(storage = tabStorage()): PendingSocialSignIn | null {
  try {
    const raw = storage?.getItem(SOCIAL_KEY);
    const value: unknown = raw ? JSON.parse(raw) : null;
    return isPending(value) ? value : null;
  } catch {
    return null;
  }
}

export function clearPending(storage = tabStorage()): void {
  try {
    storage?.removeItem(SOCIAL_KEY);
  } catch {
    // Nothing to forget.
  }
}

/**
 * What to tell people for the problems a return can carry: the server's problem
 * codes (`ProblemCode`), also used in `error=` when the server sent the browser
 * back without a sign-in to finish.
 */
export function socialProblemText(code: string | null): string {
  switch (code) {
    case 'state_mismatch':
      return 'This sign-in was not started in this tab, or it was finished already. Please start again.';
    case 'exchange_code_expired':
      return 'The sign-in took too long. Please start again.';
    case 'social_sign_in_cancelled':
      return 'You cancelled the sign-in at the provider.';
    case 'service_unavailable':
      return 'Signing in is not possible at the moment. Please try again shortly.';
    default:
      return 'The provider could not sign you in. Please try again.';
  }
}
