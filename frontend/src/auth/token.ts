// Where the session token lives: sessionStorage (see README.md for why), behind a
// tiny store that tells subscribers when it changes, so a 401 anywhere sends the
// app back to the login screen. The token is never logged and never put in a URL.

export const TOKEN_KEY = 'ory-spa.session-token';

export type TokenListener = (token: string | null) => void;

export interface TokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: TokenListener): () => void;
}

/** sessionStorage when the browser lets us use it (it may throw when storage is disabled). */
export function browserSessionStorage(): Storage | null {
  try {
    const storage = globalThis.sessionStorage;
    const probe = `${TOKEN_KEY}.probe`;
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return null;
  }
}

/**
 * A token store over `storage`; with no storage it keeps the token in memory only
 * (lost on reload, which is the safe direction to fail).
 */
export function createTokenStore(storage: Storage | null = browserSessionStorage()): TokenStore {
  // Used when there is no storage, or when the last write to it failed.
  let memory: string | null = null;
  let useMemory = storage === null;
  const listeners = new Set<TokenListener>();

  const read = (): string | null => {
    if (!storage || useMemory) return memory;
    try {
      const value = storage.getItem(TOKEN_KEY);
      return value === '' ? null : value;
    } catch {
      return null;
    }
  };

  const write = (token: string | null) => {
    const before = read();
    memory = token;
    if (storage) {
      try {
        if (token === null) storage.removeItem(TOKEN_KEY);
        else storage.setItem(TOKEN_KEY, token);
        useMemory = false;
      } catch {
        // Quota or privacy mode: the in-memory copy still works for this page.
        useMemory = true;
      }
    }
    if (before !== token) for (const listener of [...listeners]) listener(token);
  };

  return {
    get: read,
    set(token) {
      if (token.trim() === '') throw new Error('refusing to store an empty session token');
      write(token);
    },
    clear() {
      write(null);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/** The app's one token store. */
export const tokens = createTokenStore();
