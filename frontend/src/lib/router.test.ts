import { describe, expect, it } from 'vitest';

import { access, hrefFor, parseRoute, safeNext, type Route } from './router';

const ID = '0b9ad0b2-8a51-4f6e-9d5e-2a3c1d4e5f60';

describe('parseRoute', () => {
  it('knows every screen', () => {
    expect(parseRoute('/')).toEqual({ name: 'documents', page: 1 });
    expect(parseRoute('/documents', '?page=3')).toEqual({ name: 'documents', page: 3 });
    expect(parseRoute('/documents', '?q=plan&page=2')).toEqual({ name: 'documents', page: 2, q: 'plan' });
    expect(parseRoute('/documents', '?q=')).toStrictEqual({ name: 'documents', page: 1 });
    expect(parseRoute('/documents', '?owner=others')).toEqual({ name: 'documents', page: 1, owner: 'others' });
    expect(parseRoute('/documents', '?owner=everyone')).toStrictEqual({ name: 'documents', page: 1 });
    expect(parseRoute('/documents', `?q=${'x'.repeat(150)}`)).toEqual({ name: 'documents', page: 1, q: 'x'.repeat(100) });
    expect(parseRoute('/documents/')).toEqual({ name: 'documents', page: 1 });
    expect(parseRoute('/documents/new')).toEqual({ name: 'new-document' });
    expect(parseRoute(`/documents/${ID}`)).toEqual({ name: 'document', id: ID });
    expect(parseRoute(`/documents/${ID}/sharing`)).toEqual({ name: 'sharing', id: ID });
    expect(parseRoute('/groups')).toEqual({ name: 'groups' });
    expect(parseRoute(`/groups/${ID}`)).toEqual({ name: 'group', id: ID });
    expect(parseRoute('/register')).toEqual({ name: 'register' });
    expect(parseRoute('/login', '?next=%2Fgroups')).toEqual({ name: 'login', next: '/groups' });
    expect(parseRoute('/auth/social/return', '?state=s&code=c')).toEqual({
      name: 'social-return',
      state: 's',
      code: 'c',
      flow: null,
      error: null,
    });
    expect(parseRoute('/auth/social/return', `?flow=${ID}&flow_x=1`)).toMatchObject({ flow: ID });
    expect(parseRoute('/auth/social/return', '?flow=not-a-uuid')).toMatchObject({ flow: null });
    expect(parseRoute('/verify')).toEqual({ name: 'verify' });
    expect(parseRoute('/recovery')).toEqual({ name: 'recovery' });
    expect(parseRoute('/recovery/password')).toEqual({ name: 'new-password' });
    expect(parseRoute('/restore-email')).toEqual({ name: 'restore-email' });
    expect(parseRoute('/settings')).toEqual({ name: 'settings' });
    expect(parseRoute('/settings/sessions')).toEqual({ name: 'sessions' });
    expect(parseRoute('/settings/activity')).toEqual({ name: 'activity' });
    expect(parseRoute('/settings/activity/')).toEqual({ name: 'activity' });
  });

  it('keeps flows and addresses out of the URL: a query on /verify changes nothing', () => {
    expect(parseRoute('/verify', '?flow=0b9ad0b2-8a51-4f6e-9d5e-2a3c1d4e5f60')).toEqual({ name: 'verify' });
  });

  it('treats malformed ids and unknown paths as not found', () => {
    expect(parseRoute('/documents/42').name).toBe('not-found');
    expect(parseRoute(`/documents/${ID}/edit`).name).toBe('not-found');
    expect(parseRoute('/nowhere')).toEqual({ name: 'not-found', path: '/nowhere' });
    expect(parseRoute('/settings/profile').name).toBe('not-found');
    expect(parseRoute('/settings/activity/1').name).toBe('not-found');
    expect(parseRoute('/activity').name).toBe('not-found');
    expect(parseRoute('/recovery/code').name).toBe('not-found');
    expect(parseRoute('/restore-email/abc').name).toBe('not-found');
  });

  it('reads nothing of an undo link but its path: the token is in the fragment, for the page alone', () => {
    expect(parseRoute('/restore-email', '?token=abc')).toEqual({ name: 'restore-email' });
  });
});

describe('hrefFor', () => {
  it('formats what parseRoute reads back', () => {
    const routes: Route[] = [
      { name: 'documents', page: 1 },
      { name: 'documents', page: 4 },
      { name: 'documents', page: 1, q: 'plan' },
      { name: 'documents', page: 2, q: '  100% & more?#' },
      { name: 'documents', page: 1, owner: 'me' },
      { name: 'documents', page: 3, q: 'plan', owner: 'others' },
      { name: 'new-document' },
      { name: 'document', id: ID },
      { name: 'sharing', id: ID },
      { name: 'groups' },
      { name: 'group', id: ID },
      { name: 'register' },
      { name: 'login', next: null },
      { name: 'login', next: `/documents/${ID}?x=1` },
      { name: 'login', next: '/settings/sessions' },
      { name: 'login', next: '/settings/activity' },
      { name: 'verify' },
      { name: 'recovery' },
      { name: 'new-password' },
      { name: 'restore-email' },
      { name: 'settings' },
      { name: 'sessions' },
      { name: 'activity' },
      { name: 'social-return', state: 'abc', code: 'def', flow: null, error: null },
      { name: 'social-return', state: null, code: null, flow: ID, error: 'state_mismatch' },
    ];
    for (const route of routes) {
      const url = new URL(hrefFor(route), 'http://app.test');
      expect(parseRoute(url.pathname, url.search)).toEqual(route);
    }
  });

  it('keeps page 1 out of the URL', () => {
    expect(hrefFor({ name: 'documents', page: 1 })).toBe('/documents');
  });
});

describe('safeNext', () => {
  it('allows only paths on this origin', () => {
    expect(safeNext('/documents?page=2')).toBe('/documents?page=2');
    for (const value of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/a\nb', '', null]) {
      expect(safeNext(value)).toBeNull();
    }
  });

  it('does not loop back to the screens for guests', () => {
    expect(safeNext('/login?next=/x')).toBeNull();
    expect(safeNext('/register')).toBeNull();
    expect(safeNext('/recovery')).toBeNull();
    expect(safeNext('/auth/social/return?state=x')).toBeNull();
    expect(safeNext('/verify')).toBe('/verify');
    expect(safeNext('/recovery/password')).toBe('/recovery/password');
    expect(safeNext('/settings/activity')).toBe('/settings/activity');
    expect(safeNext('/restore-email')).toBe('/restore-email');
    expect(parseRoute('/login', '?next=https%3A%2F%2Fevil.example')).toEqual({ name: 'login', next: null });
  });
});

describe('access', () => {
  it('keeps guests’ screens for guests, lets verification work either way, guards the rest', () => {
    expect(access({ name: 'login', next: null })).toBe('guest');
    expect(access({ name: 'register' })).toBe('guest');
    expect(access({ name: 'recovery' })).toBe('guest');
    expect(access({ name: 'social-return', state: null, code: null, flow: null, error: null })).toBe('guest');
    expect(access({ name: 'verify' })).toBe('any');
    // An undo link opened in a signed-in browser must not be sent on into the app.
    expect(access({ name: 'restore-email' })).toBe('any');
    // Reached after the recovery code has signed the person in.
    expect(access({ name: 'new-password' })).toBe('session');
    expect(access({ name: 'settings' })).toBe('session');
    expect(access({ name: 'sessions' })).toBe('session');
    expect(access({ name: 'activity' })).toBe('session');
    expect(access({ name: 'documents', page: 1 })).toBe('session');
    expect(access({ name: 'not-found', path: '/x' })).toBe('session');
  });
});
