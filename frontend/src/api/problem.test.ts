import { describe, expect, it } from 'vitest';

import {
  ApiError,
  NETWORK_ERROR_TEXT,
  describeError,
  hasErrors,
  isProblem,
  parseRetryAfter,
  rateLimitedText,
  toFormErrors,
  waitText,
  type Problem,
} from './problem';

function problem(overrides: Partial<Problem> = {}): Problem {
  return {
    type: 'urn:ory-spa:problem:validation_failed',
    title: 'Validation failed',
    status: 400,
    detail: 'Refused by Kratos.',
    code: 'validation_failed',
    ...overrides,
  };
}

describe('toFormErrors', () => {
  it('puts each message next to the field it names, keeping the order', () => {
    const error = new ApiError(
      400,
      problem({
        messages: [
          { field: 'password', id: 4000032, text: 'The password must be at least 8 characters long, but got 3.' },
          { field: 'email', id: 4000007, text: 'An account with the same identifier (email, phone, username, ...) exists already.' },
          { field: 'password', id: 4000031, text: 'The password can not be used because it is too similar to the identifier.' },
        ],
      }),
    );
    const errors = toFormErrors(error, ['email', 'name', 'password']);
    expect(errors.fields.password).toEqual([
      'The password must be at least 8 characters long, but got 3.',
      'The password can not be used because it is too similar to the identifier.',
    ]);
    expect(errors.fields.email).toEqual([
      'An account with the same identifier (email, phone, username, ...) exists already.',
    ]);
    expect(errors.fields.name).toBeUndefined();
    expect(errors.form).toEqual([]);
  });

  it('sends messages without a field, or about a field the form lacks, to the form', () => {
    const error = new ApiError(
      400,
      problem({
        code: 'invalid_credentials',
        messages: [
          { id: 4000006, text: 'The provided credentials are invalid.' },
          { field: 'csrf_token', id: 4000001, text: 'Something about a field we do not show.' },
          { field: null, id: 9000003, text: 'give a title, a body, or both' },
        ],
      }),
    );
    const errors = toFormErrors(error, ['identifier', 'password']);
    expect(errors.fields).toEqual({});
    expect(errors.form).toEqual([
      'The provided credentials are invalid.',
      'Something about a field we do not show.',
      'give a title, a body, or both',
    ]);
  });

  it('uses the detail when the problem has no messages', () => {
    const error = new ApiError(403, problem({ status: 403, code: 'forbidden', detail: 'You do not have permission to do this.' }));
    expect(toFormErrors(error, ['title', 'body'])).toEqual({
      fields: {},
      form: ['You do not have permission to do this.'],
    });
  });

  it('maps API field names to form names through aliases', () => {
    const error = new ApiError(400, problem({ messages: [{ field: 'group_id', id: 9000004, text: 'pick one' }] }));
    expect(toFormErrors(error, ['target'], { group_id: 'target' }).fields).toEqual({ target: ['pick one'] });
  });

  it('accepts a bare problem document', () => {
    const errors = toFormErrors(problem({ messages: [{ field: 'title', id: 9000002, text: 'must not be empty' }] }), ['title']);
    expect(errors.fields.title).toEqual(['must not be empty']);
  });

  it('explains a failure that is not a problem document', () => {
    expect(toFormErrors(new ApiError(0, null), ['email']).form).toEqual([NETWORK_ERROR_TEXT]);
    expect(toFormErrors(new TypeError('Failed to fetch'), ['email']).form).toEqual([NETWORK_ERROR_TEXT]);
    expect(toFormErrors(new ApiError(502, null), ['email']).form).toEqual(['The request failed (HTTP 502).']);
    expect(toFormErrors('weird', ['email']).form).toEqual(['Something went wrong. Please try again.']);
  });
});

describe('isProblem', () => {
  it('recognises problem documents and nothing else', () => {
    expect(isProblem(problem())).toBe(true);
    expect(isProblem(problem({ messages: [] }))).toBe(true);
    expect(isProblem({ ...problem(), messages: 'no' })).toBe(false);
    expect(isProblem({ error: 'Not Found' })).toBe(false);
    expect(isProblem('<html>502 Bad Gateway</html>')).toBe(false);
    expect(isProblem(null)).toBe(false);
  });
});

describe('describeError and hasErrors', () => {
  it('prefers the detail of the problem', () => {
    expect(describeError(new ApiError(404, problem({ status: 404, code: 'not_found', detail: 'No such document.' })))).toBe(
      'No such document.',
    );
    expect(new ApiError(404, problem({ code: 'not_found' })).code).toBe('not_found');
    expect(new ApiError(0, null).code).toBeNull();
  });

  it('tells an empty result from one with messages', () => {
    expect(hasErrors({ fields: {}, form: [] })).toBe(false);
    expect(hasErrors({ fields: { email: [] }, form: [] })).toBe(false);
    expect(hasErrors({ fields: { email: ['bad'] }, form: [] })).toBe(true);
    expect(hasErrors({ fields: {}, form: ['bad'] })).toBe(true);
  });
});

describe('too many attempts', () => {
  const limited = (retryAfter: number | null) =>
    new ApiError(
      429,
      problem({ status: 429, code: 'rate_limited', detail: 'Too many attempts. Try again in 900 seconds.' }),
      undefined,
      retryAfter,
    );

  it('reads Retry-After in seconds, and nothing else', () => {
    expect(parseRetryAfter('900')).toBe(900);
    expect(parseRetryAfter(' 30 ')).toBe(30);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT')).toBeNull();
    expect(parseRetryAfter('-5')).toBeNull();
  });

  it('says the wait in words, rounded up', () => {
    expect(waitText(1)).toBe('in a second');
    expect(waitText(40)).toBe('in 40 seconds');
    expect(waitText(60)).toBe('in a minute');
    expect(waitText(61)).toBe('in 2 minutes');
    expect(waitText(900)).toBe('in 15 minutes');
    expect(waitText(3600)).toBe('in about an hour');
    expect(waitText(5000)).toBe('in about 2 hours');
  });

  it('words the problem for people, with or without Retry-After', () => {
    expect(rateLimitedText(limited(900), 'wrong codes')).toBe(
      'Too many wrong codes. For your security, please wait and try again in 15 minutes.',
    );
    expect(describeError(limited(null))).toBe('Too many attempts. For your security, please wait and try again later.');
    // Above the form, even if the API had tied a message to a field.
    expect(toFormErrors(limited(45), ['code'])).toEqual({
      fields: {},
      form: ['Too many attempts. For your security, please wait and try again in 45 seconds.'],
    });
  });
});
