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

  constructor(status: number, problem: Problem | null, message?: string) {
    super(message ?? problem?.detail ?? `The request failed (HTTP ${status}).`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
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

/** A sentence for people about an error of any kind. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return NETWORK_ERROR_TEXT;
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
  if (!problem) return { fields: {}, form: [describeError(error)] };

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
