// A code on its way (verification or recovery): the flow it was sent on and the
// address it went to. Pages keep it in the history entry's state (see
// `navigate`), not in the URL: it survives a reload and back/forward in the tab,
// and neither the address nor the flow ends up in server logs or bookmarks.

import { isUuid } from './router';

export interface PendingCode {
  flowId: string;
  email: string;
}

interface PendingState {
  pendingCode: PendingCode;
}

/** The history state that carries `pending` (or none). */
export function pendingState(pending: PendingCode | null): PendingState | null {
  return pending ? { pendingCode: { flowId: pending.flowId, email: pending.email } } : null;
}

/** The pending code in a history state, if it holds a well-formed one. */
export function readPendingCode(state: unknown): PendingCode | null {
  if (typeof state !== 'object' || state === null) return null;
  const pending = (state as Partial<Record<string, unknown>>).pendingCode;
  if (typeof pending !== 'object' || pending === null) return null;
  const { flowId, email } = pending as Partial<Record<string, unknown>>;
  if (typeof flowId !== 'string' || !isUuid(flowId) || typeof email !== 'string' || email === '') return null;
  return { flowId, email };
}
