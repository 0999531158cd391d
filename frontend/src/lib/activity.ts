// "Security activity" (/settings/activity, GET /api/account/activity): what
// happened to the account, each kind as people would say it.

import type { ActivityKind } from '../api/types';

const LABELS: Readonly<Record<ActivityKind, string>> = {
  registered: 'Account created',
  signed_in: 'Signed in',
  password_changed: 'Password changed',
  email_changed: 'Email address changed',
  authenticator_added: 'Authenticator app set up',
  authenticator_removed: 'Authenticator app removed',
  recovery_codes_removed: 'Recovery codes removed',
};

/**
 * What happened, for one kind of event; a kind this app does not know (a newer
 * server's) is shown by its name, with the underscores as spaces.
 */
export function activityLabel(kind: string): string {
  return Object.hasOwn(LABELS, kind) ? LABELS[kind as ActivityKind] : kind.replaceAll('_', ' ');
}
