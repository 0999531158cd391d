// "Security activity" (/settings/activity, GET /api/account/activity): what
// happened to the account, each kind as people would say it.

import type { ActivityEvent, ActivityKind } from '../api/types';

const LABELS: Readonly<Record<ActivityKind, string>> = {
  registered: 'Account created',
  signed_in: 'Signed in',
  password_changed: 'Password changed',
  email_changed: 'Email address changed',
  authenticator_added: 'Authenticator app set up',
  authenticator_removed: 'Authenticator app removed',
  recovery_codes_created: 'New recovery codes made',
  recovery_codes_removed: 'Recovery codes removed',
  email_restored: 'Email change undone',
  unfinished_sign_in: 'Second factor not given after signing in',
  provider_linked: 'Sign-in provider linked',
  provider_removed: 'Sign-in provider removed',
};

/**
 * What happened, for one kind of event; a kind this app does not know (a newer
 * server's) is shown by its name, with the underscores as spaces.
 */
export function activityLabel(kind: string): string {
  return Object.hasOwn(LABELS, kind) ? LABELS[kind as ActivityKind] : kind.replaceAll('_', ' ');
}

/** Kratos' authentication methods, as a person would name them. */
const METHODS: Readonly<Record<string, string>> = {
  password: 'password',
  totp: 'authenticator app',
  lookup_secret: 'recovery code',
  code_recovery: 'emailed recovery code',
  code: 'emailed code',
  oidc: 'sign-in provider',
};

/**
 * How a sign-in was made ("with password and authenticator app"), or '' when
 * the event says nothing of it; a method this app does not know by its name.
 * `provider` names the sign-in provider, when known, in place of "sign-in provider".
 */
export function methodsLabel(methods: readonly string[], provider?: string): string {
  const named = methods.map((method) =>
    method === 'oidc' && provider
      ? provider
      : Object.hasOwn(METHODS, method)
        ? METHODS[method]
        : method.replaceAll('_', ' '),
  );
  if (named.length === 0) return '';
  const last = named[named.length - 1];
  return `with ${named.length === 1 ? last : `${named.slice(0, -1).join(', ')} and ${last}`}`;
}

/**
 * What an event says, in words: its kind, how a sign-in was made, and the
 * provider it concerns by its label (`labels`: id to label, from
 * GET /api/auth/social/providers), or by its id when the list lacks it.
 */
export function describeEvent(
  event: Pick<ActivityEvent, 'kind' | 'methods' | 'provider'>,
  labels: ReadonlyMap<string, string>,
): string {
  const provider = event.provider ? (labels.get(event.provider) ?? event.provider) : undefined;
  const what = activityLabel(event.kind);
  if ((event.kind === 'provider_linked' || event.kind === 'provider_removed') && provider) return `${what}: ${provider}`;
  return [what, methodsLabel(event.methods, provider)].filter(Boolean).join(' ');
}
