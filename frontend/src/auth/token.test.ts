import { beforeEach, describe, expect, it, vi } from 'vitest';

import { TOKEN_KEY, browserSessionStorage, createTokenStore } from './token';

/** A Storage whose every call throws, like a browser with storage disabled. */
function brokenStorage(): Storage {
  const fail = () => {
    throw new DOMException('denied', 'SecurityError');
  };
  return { length: 0, clear: fail, getItem: fail, key: fail, removeItem: fail, setItem: fail };
}

describe('token store over sessionStorage', () => {
  beforeEach(() => {
    sessionStorage.clear();
  });

  it('keeps the token in sessionStorage, so a reload (a new store) still has it', () => {
    const store = createTokenStore(sessionStorage);
    expect(store.get()).toBeNull();
    store.set('ory_st_abc');
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('ory_st_abc');
    expect(createTokenStore(sessionStorage).get()).toBe('ory_st_abc');
    expect(localStorage.getItem(TOKEN_KEY)).toBeNull();
  });

  it('forgets the token on clear', () => {
    const store = createTokenStore(sessionStorage);
    store.set('ory_st_abc');
    store.clear();
    expect(store.get()).toBeNull();
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
  });

  it('tells subscribers about changes, once per change, until they unsubscribe', () => {
    const store = createTokenStore(sessionStorage);
    const listener = vi.fn();
    const unsubscribe = store.subscribe(listener);
    store.set('one');
    store.set('one');
    store.set('two');
    store.clear();
    store.clear();
    expect(listener.mock.calls).toEqual([['one'], ['two'], [null]]);
    unsubscribe();
    store.set('three');
    expect(listener).toHaveBeenCalledTimes(3);
  });

  it('refuses an empty token', () => {
    const store = createTokenStore(sessionStorage);
    expect(() => store.set('  ')).toThrow(/empty/);
    expect(store.get()).toBeNull();
  });

  it('finds the browser sessionStorage', () => {
    expect(browserSessionStorage()).toBe(sessionStorage);
  });
});

describe('token store without usable storage', () => {
  it('keeps the token in memory when there is no storage', () => {
    const store = createTokenStore(null);
    store.set('memory-only');
    expect(store.get()).toBe('memory-only');
    expect(createTokenStore(null).get()).toBeNull();
  });

  it('falls back to memory when the storage throws', () => {
    const listener = vi.fn();
    const store = createTokenStore(brokenStorage());
    store.subscribe(listener);
    expect(store.get()).toBeNull();
    store.set('still-works');
    expect(store.get()).toBe('still-works');
    store.clear();
    expect(store.get()).toBeNull();
    expect(listener.mock.calls).toEqual([['still-works'], [null]]);
  });
});
