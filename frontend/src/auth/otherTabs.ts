// Every tab of a browser shares the session cookie, so logging in or out in one
// tab changes the session of all of them, and a tab that still shows Ada might
// be acting as whoever logged in elsewhere. The tab that signed in or out says
// so on a BroadcastChannel (the message says only which: no token, no identity),
// and the others ask the server who is signed in now (App.tsx).

export type SessionChange = 'signed-in' | 'signed-out';

export interface SessionChannel {
  /** Tells the browser's other tabs of the app. */
  tell(change: SessionChange): void;
  close(): void;
}

/** The channel's name (tests play another tab on it). */
export const SESSION_CHANNEL = 'ory-spa.session';

/** Listens for the other tabs' changes; without BroadcastChannel, a channel that does nothing. */
export function openSessionChannel(onChange: (change: SessionChange) => void): SessionChannel {
  if (typeof BroadcastChannel === 'undefined') return { tell: () => undefined, close: () => undefined };
  const channel = new BroadcastChannel(SESSION_CHANNEL);
  channel.onmessage = (event: MessageEvent<unknown>) => {
    const change = event.data;
    if (change === 'signed-in' || change === 'signed-out') onChange(change);
  };
  return {
    tell: (change) => channel.postMessage(change),
    close: () => channel.close(),
  };
}
