// Turning the API's problem documents (application/problem+json) into what a
// form shows: messages next to the fields they name, the rest above the form.

import type { components } from './schema';

export type Problem = components['schemas']['Problem'];
export type ProblemCode = components['schemas']['ProblemCode'];
export type ProblemMessage = components['schemas']['Message'];

/** An API call that did not succeed: a problem document, or no answer at all (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  /** Seconds to wait before trying again (`Retry-After` of a 429 or 503), when the answer said. */
  readonly retryAfter: number | null;

  constructor(status: number, problem: Problem | null, message?: string, retryAfter: number | null = null) {
    super(message ?? problem?.detail ?? `The request failed (HTTP ${status}).`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get code(): ProblemCode | null {
    return this.problem?.code ?? null;
  }
}

export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    typeof v.status === 'number' &&
    typeof v.detail === 'string' &&
    typeof v.title === 'string' &&
    (v.messages === undefined || Array.isArray(v.messages))
  );
}

export const NETWORK_ERROR_TEXT = 'The server could not be reached. Check your connection and try again.';

/** `Retry-After` in seconds (the API sends seconds, never a date); null when absent or odd. */
export function parseRetryAfter(value: string | null): number | null {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return null;
  return Number(value);
}

/** "in 40 seconds", "in 15 minutes", "in about 2 hours": a wait, rounded up, for people. */
export function waitText(seconds: number): string {
  if (seconds < 60) return seconds <= 1 ? 'in a second' : `in ${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return minutes === 1 ? 'in a minute' : `in ${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? 'in about an hour' : `in about ${hours} hours`;
}

/**
 * Too many attempts (429 `rate_limited`): the API's detail counts seconds
 * ("Try again in 900 seconds"); people read "in 15 minutes". `what` names the
 * attempts ("wrong codes"); without it they are just attempts.
 */
export function rateLimitedText(error: ApiError, what = 'attempts'): string {
  const when = error.retryAfter === null ? 'later' : waitText(error.retryAfter);
  return `Too many ${what}. For your security, please wait and try again ${when}.`;
}

function isRateLimited(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'rate_limited';
}

/** A sentence for people about an error of any kind. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return NETWORK_ERROR_TEXT;
    if (error.code === 'rate_limited') return rateLimitedText(error);
    return error.problem?.detail ?? error.message;
  }
  if (error instanceof Error && error.name === 'TypeError') return NETWORK_ERROR_TEXT;
  return 'Something went wrong. Please try again.';
}

export interface FormErrors {
  /** Messages per request field, in the order the API gave them. */
  fields: Partial<Record<string, string[]>>;
  /** Messages about the whole form (and about fields the form does not show). */
  form: string[];
}

export const noErrors: FormErrors = { fields: {}, form: [] };

/**
 * Sorts an error's messages: each message whose `field` is one of `fields` goes
 * next to that field; messages without a field, or about a field the form does
 * not show, are form-level. A problem without messages becomes its `detail`.
 * `aliases` maps API field names to the form's (e.g. `group_id` to `target`).
 */
export function toFormErrors(
  error: unknown,
  fields: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): FormErrors {
  const problem = error instanceof ApiError ? error.problem : isProblem(error) ? error : null;
  if (!problem || isRateLimited(error)) return { fields: {}, form: [describeError(error)] };

  const result: FormErrors = { fields: {}, form: [] };
  const messages = problem.messages ?? [];
  for (const message of messages) {
    const raw = message.field ?? null;
    const field = raw === null ? null : (aliases[raw] ?? raw);
    if (field !== null && fields.includes(field)) {
      (result.fields[field] ??= []).push(message.text);
    } else {
      result.form.push(message.text);
    }
  }
  // Always say something: a problem whose messages all went to fields still has
  // a detail that helps ("Refused by Kratos"), but it would repeat them, so only
  // add the detail when nothing else would be shown.
  if (messages.length === 0) result.form.push(problem.detail);
  return result;
}

export function hasErrors(errors: FormErrors): boolean {
  return errors.form.length > 0 || Object.values(errors.fields).some((list) => list !== undefined && list.length > 0);
}
