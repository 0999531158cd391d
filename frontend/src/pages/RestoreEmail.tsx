import { useEffect, useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { ApiError, toFormErrors } from '../api/problem';
import type { EmailRestored } from '../api/types';
import { useOptionalSession } from '../auth/session';
import { FormAlert, Link, Notice } from '../components/ui';
import { useFormSubmit, useTitle } from '../lib/hooks';
import { historyState, hrefFor, replaceHistoryState } from '../lib/router';

// Undoing an email change (`/restore-email#token=…`, POST /api/account/email/restore):
// the mail to the old address links here. The link's secret is in the fragment,
// which no server sees; the page takes it and removes it from the address bar
// at once, so that it stays in neither the history nor a bookmark. Opening the
// link does nothing by itself (mail scanners and link previews open links too):
// the person presses the button.

/** A link's secret: 64 lower-case hex digits. */
const TOKEN = /^[0-9a-f]{64}$/;

/** The token in a fragment (`#token=…`), or null when it is missing or not well-formed. */
export function tokenFromFragment(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token !== null && TOKEN.test(token) ? token : null;
}

interface RestoredState {
  emailRestored: EmailRestored;
}

/** The history state that keeps what an undo did (a reload, or the page starting over signed out, shows it again). */
function restoredState(restored: EmailRestored): RestoredState {
  const { email, authenticator_removed, recovery_codes_removed } = restored;
  return { emailRestored: { email, authenticator_removed, recovery_codes_removed } };
}

function readRestored(state: unknown): EmailRestored | null {
  if (typeof state !== 'object' || state === null) return null;
  const restored = (state as Partial<Record<string, unknown>>).emailRestored;
  if (typeof restored !== 'object' || restored === null) return null;
  const { email, authenticator_removed, recovery_codes_removed } = restored as Partial<Record<string, unknown>>;
  if (typeof email !== 'string' || typeof authenticator_removed !== 'boolean' || typeof recovery_codes_removed !== 'boolean') {
    return null;
  }
  return { email, authenticator_removed, recovery_codes_removed };
}

type Stage =
  | { step: 'incomplete' }
  | { step: 'ready'; token: string }
  | { step: 'refused'; messages: string[] }
  | { step: 'done'; restored: EmailRestored };

const HEADINGS: Record<Stage['step'], string> = {
  incomplete: 'Undo the email change',
  ready: 'Undo the email change',
  refused: 'Undo the email change',
  done: 'Email change undone',
};

/** What the address bar brought: a link's token, or (without a fragment) the result of an undo in this history entry. */
function arrival(): Stage {
  const { hash } = globalThis.location;
  if (hash !== '') {
    const token = tokenFromFragment(hash);
    return token ? { step: 'ready', token } : { step: 'incomplete' };
  }
  const restored = readRestored(historyState());
  return restored ? { step: 'done', restored } : { step: 'incomplete' };
}

/** Removes the fragment from the address bar and the history entry (the path and query stay). */
function dropFragment(): void {
  const { pathname, search, hash } = globalThis.location;
  if (hash !== '') globalThis.history.replaceState(null, '', `${pathname}${search}`);
}

export function RestoreEmailPage() {
  const session = useOptionalSession();
  const [stage, setStage] = useState<Stage>(arrival);
  useTitle(HEADINGS[stage.step]);

  useEffect(() => {
    // The secret must not stay in the address bar or the history.
    dropFragment();
    // Another link opened in this tab while the page is showing (only the fragment changes).
    const arrived = () => {
      if (globalThis.location.hash === '') return;
      setStage(arrival());
      dropFragment();
    };
    globalThis.addEventListener('hashchange', arrived);
    return () => globalThis.removeEventListener('hashchange', arrived);
  }, []);

  const restored = (result: EmailRestored) => {
    // With this history entry: when this browser's session ends (next), the app
    // shows the page anew, signed out; a reload shows the result again.
    replaceHistoryState(restoredState(result));
    setStage({ step: 'done', restored: result });
    // Every session of the account was signed out. If this browser's was one of
    // them, the server now answers 401, which ends it here as a 401 does
    // anywhere (the client's middleware); another account's session goes on.
    if (session) void session.refresh();
  };

  return (
    <main class="auth" id="restore-email">
      <h1>{HEADINGS[stage.step]}</h1>
      {stage.step === 'incomplete' && (
        <FormAlert
          id="restore-email-incomplete"
          messages={[
            'This link is incomplete: the part after “#token=” is missing or cut short. Open the link from the mail again (or copy all of it into the address bar).',
          ]}
        />
      )}
      {stage.step === 'ready' && (
        <UndoForm
          key={stage.token}
          token={stage.token}
          onRestored={restored}
          onRefused={(messages) => setStage({ step: 'refused', messages })}
        />
      )}
      {stage.step === 'refused' && (
        <>
          <FormAlert id="restore-email-alert" messages={stage.messages} />
          <p>
            <Link href={hrefFor({ name: 'login', next: null })}>Back to log in</Link>
          </p>
        </>
      )}
      {stage.step === 'done' && <Restored restored={stage.restored} />}
    </main>
  );
}

function UndoForm(props: {
  token: string;
  onRestored: (restored: EmailRestored) => void;
  onRefused: (messages: string[]) => void;
}) {
  const { errors, busy, handle } = useFormSubmit([]);

  const submit = handle(async () => {
    let restored: EmailRestored;
    try {
      restored = await call(api.POST('/api/account/email/restore', { body: { token: props.token } }));
    } catch (error) {
      // restore_link_invalid: used, too old, ended by another undo or cut short.
      // It will not work again, so there is nothing to retry. Anything else (the
      // old address taken by another account, too many attempts, the server
      // unavailable) leaves the link as it was: the button stays.
      if (error instanceof ApiError && error.status === 400) {
        props.onRefused(toFormErrors(error, []).form);
        return;
      }
      throw error;
    }
    props.onRestored(restored);
  });

  return (
    <>
      <p id="restore-email-what">
        This puts your old address back as your login, signs every session out, and removes an authenticator app or
        recovery codes set up since the change.
      </p>
      <form id="restore-email-undo" onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id="restore-email-alert" messages={errors.form} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Undoing…' : 'Undo the email change'}
        </button>
      </form>
    </>
  );
}

function Restored({ restored }: { restored: EmailRestored }) {
  return (
    <>
      <Notice kind="success">
        <p id="restore-email-done">
          Your address <strong>{restored.email}</strong> is your login again, and every session of the account was
          signed out.
        </p>
        {restored.authenticator_removed && (
          <p id="restore-email-authenticator">The authenticator app set up after the change was removed.</p>
        )}
        {restored.recovery_codes_removed && (
          <p id="restore-email-recovery-codes">The recovery codes made after the change were removed.</p>
        )}
      </Notice>
      <p id="restore-email-next">
        Now set a new password: someone else may know the current one.{' '}
        <Link href={hrefFor({ name: 'recovery' })}>Set a new password</Link> with a code we mail to {restored.email}.
      </p>
    </>
  );
}
