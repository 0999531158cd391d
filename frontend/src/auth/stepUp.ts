// A session that must still show its second factor. Once a person has one, the
// API refuses every password-only session of theirs with 403
// `second_factor_required` (the assurance policy; README, "A second factor"):
// a tab that logged in before the second factor was set up elsewhere, say. The
// client's middleware notes here which token was refused; the app then asks for
// a code instead of showing the screen (App.tsx), and forgets the note when the
// code is accepted. A note about a token we no longer hold means nothing.

export type StepUpListener = (token: string | null) => void;

export interface StepUpStore {
  /** The token the API last refused for want of a second factor, or null. */
  get(): string | null;
  /** Notes that `token` needs its second factor. */
  require(token: string): void;
  /** The session has used its second factor (or is gone). */
  clear(): void;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: StepUpListener): () => void;
}

export function createStepUpStore(): StepUpStore {
  let refused: string | null = null;
  const listeners = new Set<StepUpListener>();
  const set = (token: string | null) => {
    if (token === refused) return;
    refused = token;
    for (const listener of [...listeners]) listener(token);
  };
  return {
    get: () => refused,
    require: (token) => set(token),
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
