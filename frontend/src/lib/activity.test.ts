import { describe, expect, it } from 'vitest';

import type { ActivityKind } from '../api/types';
import { activityLabel, describeEvent, methodsLabel } from './activity';

describe('activityLabel', () => {
  it('says what happened for each kind of event', () => {
    const kinds: [ActivityKind, string][] = [
      ['registered', 'Account created'],
      ['signed_in', 'Signed in'],
      ['password_changed', 'Password changed'],
      ['email_changed', 'Email address changed'],
      ['authenticator_added', 'Authenticator app set up'],
      ['authenticator_removed', 'Authenticator app removed'],
      ['recovery_codes_created', 'New recovery codes made'],
      ['recovery_codes_removed', 'Recovery codes removed'],
      ['email_restored', 'Email change undone'],
      ['unfinished_sign_in', 'Second factor not given after signing in'],
      ['provider_linked', 'Sign-in provider linked'],
      ['provider_removed', 'Sign-in provider removed'],
    ];
    for (const [kind, label] of kinds) expect(activityLabel(kind)).toBe(label);
  });

  it('shows a kind it does not know (a newer server’s) by its name', () => {
    expect(activityLabel('passkey_added')).toBe('passkey added');
    expect(activityLabel('')).toBe('');
    // Not an inherited property of a plain object either.
    expect(activityLabel('toString')).toBe('toString');
    expect(activityLabel('constructor')).toBe('constructor');
  });
});

describe('methodsLabel', () => {
  it('names how a sign-in was made, in order', () => {
    expect(methodsLabel(['password'])).toBe('with password');
    expect(methodsLabel(['password', 'totp'])).toBe('with password and authenticator app');
    expect(methodsLabel(['password', 'lookup_secret'])).toBe('with password and recovery code');
    expect(methodsLabel(['code_recovery'])).toBe('with emailed recovery code');
    expect(methodsLabel(['oidc', 'totp', 'lookup_secret'])).toBe('with sign-in provider, authenticator app and recovery code');
    // An unfinished sign-in reads as a sentence too.
    expect(`${activityLabel('unfinished_sign_in')} ${methodsLabel(['oidc'])}`).toBe(
      'Second factor not given after signing in with sign-in provider',
    );
  });

  it('names the provider in place of "sign-in provider" when it is known', () => {
    expect(methodsLabel(['oidc', 'totp'], 'Google')).toBe('with Google and authenticator app');
  });

  it('says nothing without methods, and names one it does not know', () => {
    expect(methodsLabel([])).toBe('');
    expect(methodsLabel(['web_authn'])).toBe('with web authn');
    expect(methodsLabel(['toString'])).toBe('with toString');
  });
});

describe('describeEvent', () => {
  const labels = new Map([['hydra', 'Local provider']]);

  it('names the provider of a sign-in, a half sign-in, a link and a removal by its label', () => {
    expect(describeEvent({ kind: 'signed_in', methods: ['oidc', 'totp'], provider: 'hydra' }, labels)).toBe(
      'Signed in with Local provider and authenticator app',
    );
    expect(describeEvent({ kind: 'unfinished_sign_in', methods: ['oidc'], provider: 'hydra' }, labels)).toBe(
      'Second factor not given after signing in with Local provider',
    );
    expect(describeEvent({ kind: 'provider_linked', methods: [], provider: 'hydra' }, labels)).toBe(
      'Sign-in provider linked: Local provider',
    );
    expect(describeEvent({ kind: 'provider_removed', methods: [], provider: 'hydra' }, labels)).toBe(
      'Sign-in provider removed: Local provider',
    );
  });

  it('falls back to the provider’s id, and says no more than it knows', () => {
    expect(describeEvent({ kind: 'provider_removed', methods: [], provider: 'github' }, labels)).toBe(
      'Sign-in provider removed: github',
    );
    expect(describeEvent({ kind: 'signed_in', methods: ['oidc'] }, labels)).toBe('Signed in with sign-in provider');
    expect(describeEvent({ kind: 'password_changed', methods: [] }, new Map())).toBe('Password changed');
  });
});
