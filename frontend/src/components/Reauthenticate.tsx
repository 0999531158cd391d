import type { VNode } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { Field, FormAlert } from './ui';
import { useFormSubmit } from '../lib/hooks';
import { ReauthenticationCancelled } from '../lib/reauth';

interface Waiting {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The current-password prompt for `withRecentLogin`: `confirm()` opens it and
 * settles when the person has re-authenticated (or rejects with
 * ReauthenticationCancelled when they close it); render `prompt` where it
 * should appear, outside the form that asked (forms cannot nest). `note` is one
 * more line of advice at the foot of the prompt.
 */
export function useReauthentication(note?: string): { confirm: () => Promise<void>; prompt: VNode | null } {
  const [open, setOpen] = useState(false);
  const waiting = useRef<Waiting | null>(null);

  const confirm = useCallback(
    () =>
      new Promise<void>((resolve, reject) => {
        waiting.current?.reject(new ReauthenticationCancelled());
        waiting.current = { resolve, reject };
        setOpen(true);
      }),
    [],
  );

  const settle = useCallback((error: Error | null) => {
    const pending = waiting.current;
    waiting.current = null;
    setOpen(false);
    if (error) pending?.reject(error);
    else pending?.resolve();
  }, []);

  // Leaving the page with the prompt open abandons the change.
  useEffect(() => () => waiting.current?.reject(new ReauthenticationCancelled()), []);

  const prompt = open ? (
    <ReauthenticatePrompt
      note={note}
      onConfirmed={() => settle(null)}
      onCancel={() => settle(new ReauthenticationCancelled())}
    />
  ) : null;
  return { confirm, prompt };
}

function ReauthenticatePrompt(props: { note: string | undefined; onConfirmed: () => void; onCancel: () => void }) {
  const { note, onConfirmed, onCancel } = props;
  const [password, setPassword] = useState('');
  const { errors, busy, handle } = useFormSubmit(['password']);

  const submit = handle(async () => {
    await call(api.POST('/api/auth/reauthenticate', { body: { password } }));
    onConfirmed();
  });

  return (
    <section class="prompt" aria-labelledby="reauthenticate-heading">
      <h3 id="reauthenticate-heading">Confirm it is you</h3>
      <p>
        You logged in a while ago. Enter your current password and we will finish the change; nothing you typed is
        lost.
      </p>
      <form id="reauthenticate" onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id="reauthenticate-alert" messages={errors.form} />
        <Field
          form="reauthenticate"
          name="password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          autoFocus
          value={password}
          onInput={setPassword}
          errors={errors.fields.password}
        />
        <div class="buttons">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Checking…' : 'Confirm and continue'}
          </button>
          <button type="button" disabled={busy} onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
      <p class="muted">Forgot it? Log out and choose “Forgot your password?” on the login screen.</p>
      {note && <p class="muted">{note}</p>}
    </section>
  );
}
