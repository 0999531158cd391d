import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

import type { AuthResponse, Identity } from '../api/types';

export interface Session {
  /** Who is logged in. */
  identity: Identity;
  /** Ends the session at the server (best effort) and forgets the token. */
  logOut: () => Promise<void>;
}

export interface Auth {
  /**
   * Stores the token of a fresh session and continues into the app: to `next`
   * (a path on this origin) when given, else where the login page was asked to go.
   */
  signIn: (response: AuthResponse, next?: string | null) => void;
}

export const SessionContext = createContext<Session | null>(null);
export const AuthContext = createContext<Auth | null>(null);

/** The logged-in session; only inside the app's protected screens. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a logged-in screen');
  return session;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside the app');
  return auth;
}
