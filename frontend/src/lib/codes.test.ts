import { describe, expect, it } from 'vitest';

import { ApiError, type Problem } from '../api/problem';
import { cleanCode, codeErrors, deadFlow } from './codes';

function problem(status: number, code: Problem['code'], messages?: Problem['messages']): ApiError {
  return new ApiError(status, {
    type: `urn:ory-spa:problem:${code}`,
    title: code,
    status,
    detail: 'Start again without a flow_id.',
    code,
    ...(messages ? { messages } : {}),
  });
}

describe('codeErrors', () => {
  it("puts Kratos' wrong-code message next to the code field", () => {
    const text = 'The verification code is invalid or has already been used. Please try again.';
    const errors = codeErrors(problem(400, 'validation_failed', [{ field: 'code', id: 4070006, text }]));
    expect(errors).toEqual({ fields: { code: [text] }, form: [] });
  });

  it('words a flow that is over in its own sentences, never the API’s detail', () => {
    expect(codeErrors(problem(410, 'flow_expired')).form[0]).toMatch(/expired.*new one/);
    expect(codeErrors(problem(409, 'flow_completed')).form[0]).toMatch(/used already.*new one/);
    expect(codeErrors(problem(404, 'not_found')).form[0]).toMatch(/could not find.*new one/);
    for (const error of [problem(410, 'flow_expired'), problem(409, 'flow_completed'), problem(404, 'not_found')]) {
      expect(codeErrors(error).form.join(' ')).not.toContain('flow_id');
    }
  });
});

describe('deadFlow', () => {
  it('tells the flow states apart and ignores everything else', () => {
    expect(deadFlow(problem(410, 'flow_expired'))).toBe('expired');
    expect(deadFlow(problem(409, 'flow_completed'))).toBe('used');
    expect(deadFlow(problem(404, 'not_found'))).toBe('unknown');
    expect(deadFlow(problem(400, 'validation_failed'))).toBeNull();
    expect(deadFlow(new ApiError(0, null))).toBeNull();
    expect(deadFlow(new Error('x'))).toBeNull();
  });
});

describe('cleanCode', () => {
  it('keeps the digits of a typed or pasted code', () => {
    expect(cleanCode(' 123 456 ')).toBe('123456');
    expect(cleanCode('123-456')).toBe('123456');
    expect(cleanCode('123456')).toBe('123456');
  });
});
