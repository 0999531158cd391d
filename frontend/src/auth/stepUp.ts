// A session that must still show its second factor. Once a person has one, the
// API refuses every password-only session of theirs with 403
// `second_factor_required` (the assurance policy; README, "A second factor"):
// a browser that logged in before the second factor was set up elsewhere, say,
// or a reload in the middle of a login's second step. The client's middleware
// notes here which session (by its mark, auth/sessionState.ts) was refused; the
// app then asks for a code instead of showing the screen (App.tsx), and forgets
// the note when the code is accepted. A note about a session that has ended
// means nothing.

import type { SessionMark } from './sessionState';

export type StepUpListener = (session: SessionMark | null) => void;

export interface StepUpStore {
  /** The session the API last refused for want of a second factor, or null. */
  get(): SessionMark | null;
  /** Notes that `session` needs its second factor. */
  require(session: SessionMark): void;
  /** The session has used its second factor (or is gone). */
  clear(): void;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: StepUpListener): () => void;
}

export function createStepUpStore(): StepUpStore {
  let refused: SessionMark | null = null;
  const listeners = new Set<StepUpListener>();
  const set = (session: SessionMark | null) => {
    if (session === refused) return;
    refused = session;
    for (const listener of [...listeners]) listener(session);
  };
  return {
    get: () => refused,
    require: (session) => set(session),
    clear: () => set(null),
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/** The app's one step-up store. */
export const stepUp = createStepUpStore();
