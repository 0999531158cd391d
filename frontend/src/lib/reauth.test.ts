import { describe, expect, it, vi } from 'vitest';

import { ApiError, type Problem } from '../api/problem';
import { ReauthenticationCancelled, needsRecentLogin, withRecentLogin } from './reauth';

function problem(status: number, code: Problem['code']): ApiError {
  return new ApiError(status, { type: `urn:ory-spa:problem:${code}`, title: code, status, detail: code, code });
}

const REFRESH = () => problem(403, 'session_refresh_required');

describe('withRecentLogin', () => {
  it('runs the request once when it succeeds, without asking for the password', async () => {
    const request = vi.fn(() => Promise.resolve('done'));
    const reauthenticate = vi.fn(() => Promise.resolve());
    await expect(withRecentLogin(request, reauthenticate)).resolves.toBe('done');
    expect(request).toHaveBeenCalledTimes(1);
    expect(reauthenticate).not.toHaveBeenCalled();
  });

  it('re-authenticates on session_refresh_required, then sends the same request again', async () => {
    const order: string[] = [];
    const request = vi
      .fn<() => Promise<string>>()
      .mockImplementationOnce(() => {
        order.push('request');
        return Promise.reject(REFRESH());
      })
      .mockImplementationOnce(() => {
        order.push('retry');
        return Promise.resolve('changed');
      });
    const reauthenticate = vi.fn(() => {
      order.push('reauthenticate');
      return Promise.resolve();
    });
    await expect(withRecentLogin(request, reauthenticate)).resolves.toBe('changed');
    expect(order).toEqual(['request', 'reauthenticate', 'retry']);
  });

  it('does not retry when the person cancels', async () => {
    const request = vi.fn(() => Promise.reject(REFRESH()));
    const reauthenticate = vi.fn(() => Promise.reject(new ReauthenticationCancelled()));
    await expect(withRecentLogin(request, reauthenticate)).rejects.toBeInstanceOf(ReauthenticationCancelled);
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('passes other errors through without asking', async () => {
    const weak = problem(400, 'validation_failed');
    const reauthenticate = vi.fn(() => Promise.resolve());
    await expect(withRecentLogin(() => Promise.reject(weak), reauthenticate)).rejects.toBe(weak);
    await expect(
      withRecentLogin(() => Promise.reject(problem(403, 'forbidden')), reauthenticate),
    ).rejects.toBeInstanceOf(ApiError);
    expect(reauthenticate).not.toHaveBeenCalled();
  });

  it('asks only once: a second refusal is the caller’s to show', async () => {
    const request = vi.fn(() => Promise.reject(REFRESH()));
    const reauthenticate = vi.fn(() => Promise.resolve());
    const error: unknown = await withRecentLogin(request, reauthenticate).catch((e: unknown) => e);
    expect(needsRecentLogin(error)).toBe(true);
    expect(request).toHaveBeenCalledTimes(2);
    expect(reauthenticate).toHaveBeenCalledTimes(1);
  });
});
