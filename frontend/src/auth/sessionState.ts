// Whether this browser has a session, as far as the page knows. The session
// itself is an HttpOnly cookie that no script can read (cookie mode; see
// README.md, "The session lives in an HttpOnly cookie"): the page learns of it
// from GET /api/auth/session when it starts and from the answers that sign in,
// and of its end from logging out or from a 401. Nothing here is a secret.
//
// Each session the page learns of gets a number (its mark), so that an answer
// about an older session can be told from one about the current one: a 401 to a
// request sent before a new login must not log the new one out.

/** The page's own number for a session it knows of. */
export type SessionMark = number;

/** A mark while signed in, null when signed out, undefined until the server has said. */
export type SessionState = SessionMark | null | undefined;

export type SessionListener = (state: SessionState) => void;

export interface SessionStore {
  get(): SessionState;
  /** A session began (a sign-in's answer, or the server confirmed the browser's): its mark. */
  begin(): SessionMark;
  /** There is no session: logged out, refused with 401, or none when the page started. */
  end(): void;
  /** Forgets what the page knew, so that the app asks the server again (as on a page load). */
  forget(): void;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: SessionListener): () => void;
}

export function createSessionStore(): SessionStore {
  let state: SessionState = undefined;
  let last = 0;
  const listeners = new Set<SessionListener>();
  const set = (next: SessionState) => {
    if (next === state) return;
    state = next;
    for (const listener of [...listeners]) listener(next);
  };
  return {
    get: () => state,
    begin() {
      last += 1;
      set(last);
      return last;
    },
    end: () => set(null),
    forget: () => set(undefined),
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/** The app's one session store. */
export const sessions = createSessionStore();
