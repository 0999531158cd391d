// Changes that need a recent login (a new password): Kratos refuses them once the
// login is older than its privileged-session age, and the API says so with 403
// `session_refresh_required`. The person then proves again that they know their
// password (POST /api/auth/reauthenticate: same session, same token), and the
// change they asked for is sent again as it was, so nothing they typed is lost.

import { ApiError } from '../api/problem';

/** The person closed the re-authentication prompt: the change was not made. */
export class ReauthenticationCancelled extends Error {
  constructor() {
    super('Re-authentication was cancelled.');
    this.name = 'ReauthenticationCancelled';
  }
}

/** Whether `error` is the API asking for a more recent login. */
export function needsRecentLogin(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'session_refresh_required';
}

/**
 * Runs `request`; when the API answers `session_refresh_required`, waits for
 * `reauthenticate` (which asks for the current password and proves it to the
 * API, or rejects with ReauthenticationCancelled) and runs `request` once more.
 * Any other error, or a second refusal, is thrown as it is.
 */
export async function withRecentLogin<T>(
  request: () => Promise<T>,
  reauthenticate: () => Promise<void>,
): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!needsRecentLogin(error)) throw error;
  }
  await reauthenticate();
  return request();
}
