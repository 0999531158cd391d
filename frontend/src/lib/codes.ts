// What a page that takes a code from an email (verification, recovery) tells
// people when the code cannot be used. The API's `detail` for these problems
// speaks to programmers ("Start again without a flow_id"), so the pages say it
// in their own words and offer a new code.

import { ApiError, toFormErrors, type FormErrors } from '../api/problem';

/** Why a flow can no longer take a code, if that is what `error` says. */
export function deadFlow(error: unknown): 'expired' | 'used' | 'unknown' | null {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'flow_expired') return 'expired';
  if (error.code === 'flow_completed') return 'used';
  if (error.status === 404) return 'unknown';
  return null;
}

const DEAD_FLOW_TEXT = {
  expired: 'This code has expired. Send yourself a new one.',
  used: 'This code has been used already. Send yourself a new one.',
  unknown: 'We could not find the request this code belongs to. Send yourself a new one.',
} as const;

/**
 * A code form's errors: a wrong code next to the `code` field (Kratos' message),
 * a flow that is over as a sentence above the form, the rest as usual.
 */
export function codeErrors(error: unknown): FormErrors {
  const dead = deadFlow(error);
  if (dead) return { fields: {}, form: [DEAD_FLOW_TEXT[dead]] };
  return toFormErrors(error, ['code']);
}

/** Keeps the digits of what someone typed or pasted as a code ("123 456" → "123456"). */
export function cleanCode(value: string): string {
  return value.replace(/\D+/g, '');
}
