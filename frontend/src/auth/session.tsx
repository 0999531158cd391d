import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

import type { AuthResponse, Identity } from '../api/types';

export interface Session {
  /** Who is logged in. */
  identity: Identity;
  /** Ends the session at the server (best effort) and forgets the token. */
  logOut: () => Promise<void>;
  /** Asks the server who we are again (after verifying the address, say); never throws. */
  refresh: () => Promise<void>;
  /** Takes a newer copy of the identity (the answer to a profile change). */
  update: (identity: Identity) => void;
  /** Goes to `href` and shows `text` there as a success notice, until the next navigation. */
  announce: (text: string, href: string) => void;
  /**
   * The server has ended the session itself and cleared the cookie (the account
   * is deleted): forgets it here and in the other tabs, as logging out does, and
   * shows `notice` on the login screen.
   */
  endedByServer: (notice: string) => void;
}

export interface Auth {
  /**
   * Stores the token of a fresh session and continues into the app: to `next`
   * when given (replacing the current history entry, with `state`), otherwise
   * wherever the login screen was asked to return to.
   */
  signIn: (response: AuthResponse, next?: { href: string; state?: unknown }) => void;
}

export const SessionContext = createContext<Session | null>(null);
export const AuthContext = createContext<Auth | null>(null);

/** The logged-in session; only inside the app's protected screens. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a logged-in screen');
  return session;
}

/** The session on screens that work with or without one (see `access` in the router). */
export function useOptionalSession(): Session | null {
  return useContext(SessionContext);
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside the app');
  return auth;
}
