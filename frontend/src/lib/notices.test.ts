import { describe, expect, it } from 'vitest';

import type { NoticeKind } from '../api/types';
import { noticeSentence, noticeSentences } from './notices';

describe('noticeSentence', () => {
  it('says what each kind of notice is sent for', () => {
    const kinds: [NoticeKind, string][] = [
      ['new_sign_in', 'your account is signed in to from a browser, app or network it has not used before'],
      ['password_changed', 'your password is changed'],
      ['email_changed', 'your email address is changed (we write to the old address)'],
      ['authenticator_added', 'an authenticator app is set up'],
      ['authenticator_removed', 'the authenticator app is removed'],
      ['recovery_codes_created', 'new recovery codes are made'],
      ['recovery_codes_removed', 'your recovery codes are removed'],
      ['account_deleted', 'your account is deleted'],
      [
        'unfinished_sign_in',
        'your password, a sign-in provider linked to your account, or a recovery code mailed to you is used, but the second factor does not follow',
      ],
      ['provider_linked', 'a sign-in provider is linked to your account'],
      ['provider_removed', 'a sign-in provider is removed from your account'],
    ];
    for (const [kind, sentence] of kinds) expect(noticeSentence(kind)).toBe(sentence);
  });

  it('shows a kind it does not know (a newer server’s) by its name', () => {
    expect(noticeSentence('passkey_added')).toBe('passkey added');
    // Not an inherited property of a plain object either.
    expect(noticeSentence('toString')).toBe('toString');
    expect(noticeSentence('constructor')).toBe('constructor');
  });
});

describe('noticeSentences', () => {
  it('lists one sentence per kind, in the server’s order, unknown kinds by name', () => {
    expect(
      noticeSentences({ enabled: true, events: ['password_changed', 'new_sign_in', 'passkey_added' as NoticeKind] }),
    ).toEqual([
      'your password is changed',
      'your account is signed in to from a browser, app or network it has not used before',
      'passkey added',
    ]);
    expect(noticeSentences({ enabled: true, events: ['new_sign_in', 'new_sign_in'] })).toHaveLength(1);
  });

  it('lists nothing when the server sends no notices', () => {
    expect(noticeSentences({ enabled: false, events: [] })).toEqual([]);
    expect(noticeSentences({ enabled: false, events: ['new_sign_in'] })).toEqual([]);
  });
});
