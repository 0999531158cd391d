// Settings' "Security notices": the emails this server sends about changes to
// an account (GET /api/account/notices), each kind as people would say it.

import type { NoticeKind, SecurityNotices } from '../api/types';

/** What each kind of notice is sent for, to follow "We email you when:". */
const SENTENCES: Readonly<Record<NoticeKind, string>> = {
  new_sign_in: 'your account is signed in to from a browser, app or network it has not used before',
  password_changed: 'your password is changed',
  email_changed: 'your email address is changed (we write to the old address)',
  authenticator_added: 'an authenticator app is set up',
  authenticator_removed: 'the authenticator app is removed',
  recovery_codes_created: 'new recovery codes are made',
  recovery_codes_removed: 'your recovery codes are removed',
  account_deleted: 'your account is deleted',
  unfinished_sign_in:
    'your password, a sign-in provider linked to your account, or a recovery code mailed to you is used, but the second factor does not follow',
  provider_linked: 'a sign-in provider is linked to your account',
  provider_removed: 'a sign-in provider is removed from your account',
};

/**
 * The sentence for one kind of notice; a kind this app does not know (a newer
 * server's) is shown by its name, with the underscores as spaces.
 */
export function noticeSentence(kind: string): string {
  return Object.hasOwn(SENTENCES, kind) ? SENTENCES[kind as NoticeKind] : kind.replaceAll('_', ' ');
}

/**
 * What the section lists: nothing when the server sends no notices (it has no
 * SMTP server), else one sentence per kind, in the server's order, each once.
 */
export function noticeSentences(notices: Pick<SecurityNotices, 'enabled' | 'events'>): string[] {
  if (!notices.enabled) return [];
  const sentences = notices.events.map((kind: string) => noticeSentence(kind)).filter((sentence) => sentence !== '');
  return [...new Set(sentences)];
}
