import { describe, expect, it, vi } from 'vitest';

import { createSessionStore } from './sessionState';

describe('the session store', () => {
  it('knows nothing until told, then a new mark for every session', () => {
    const sessions = createSessionStore();
    expect(sessions.get()).toBeUndefined();
    const first = sessions.begin();
    expect(sessions.get()).toBe(first);
    sessions.end();
    expect(sessions.get()).toBeNull();
    const second = sessions.begin();
    expect(second).not.toBe(first);
    sessions.forget();
    expect(sessions.get()).toBeUndefined();
  });

  it('tells subscribers about changes, once per change, until they unsubscribe', () => {
    const sessions = createSessionStore();
    const listener = vi.fn();
    const unsubscribe = sessions.subscribe(listener);
    const mark = sessions.begin();
    sessions.end();
    sessions.end();
    expect(listener.mock.calls).toEqual([[mark], [null]]);
    unsubscribe();
    sessions.begin();
    expect(listener).toHaveBeenCalledTimes(2);
  });

});
