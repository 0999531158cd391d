import { useState } from 'preact/hooks';

import { api, call } from '../api/client';
import type { PasswordChanged } from '../api/types';
import { useReauthentication } from './Reauthenticate';
import { Checkbox, Field, FormAlert, Notice } from './ui';
import { useFormSubmit } from '../lib/hooks';
import { ReauthenticationCancelled, withRecentLogin } from '../lib/reauth';

/**
 * A new password (PUT /api/account/password), with "sign out my other
 * sessions" checked by default. When the login is too old for the change, asks
 * for the current password and sends the same change again; `reauthenticationNote`
 * is the prompt's line for whoever has none to give.
 */
export function PasswordForm(props: {
  id: string;
  submitLabel: string;
  onChanged: (result: PasswordChanged) => void;
  reauthenticationNote?: string;
}) {
  const { id, onChanged } = props;
  const [password, setPassword] = useState('');
  const [signOutOthers, setSignOutOthers] = useState(true);
  const [cancelled, setCancelled] = useState(false);
  const { errors, busy, handle } = useFormSubmit(['password']);
  const reauthentication = useReauthentication(props.reauthenticationNote);

  const submit = handle(async () => {
    setCancelled(false);
    // The very request the person made, sent again after a re-authentication.
    const body = { password, sign_out_other_sessions: signOutOthers };
    try {
      const result = await withRecentLogin(
        () => call(api.PUT('/api/account/password', { body })),
        reauthentication.confirm,
      );
      setPassword('');
      onChanged(result);
    } catch (error) {
      if (error instanceof ReauthenticationCancelled) {
        setCancelled(true);
        return;
      }
      throw error;
    }
  });

  return (
    <>
      <form id={id} onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id={`${id}-alert`} messages={errors.form} />
        {cancelled && <Notice>Your password was not changed.</Notice>}
        {/* Disabled while a change (and its re-authentication) is under way. */}
        <fieldset class="plain" disabled={busy}>
          <legend class="visually-hidden">New password</legend>
          <Field
            form={id}
            name="password"
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            hint="At least 8 characters; a passphrase of a few words is easiest to remember."
            value={password}
            onInput={setPassword}
            errors={errors.fields.password}
          />
          <Checkbox
            form={id}
            name="sign_out_other_sessions"
            label="Sign out my other sessions"
            hint="Every other browser and device logged in to your account will have to log in again."
            checked={signOutOthers}
            onChange={setSignOutOthers}
          />
          <button type="submit" class="primary">
            {reauthentication.prompt ? 'Waiting for your current password…' : busy ? 'Saving…' : props.submitLabel}
          </button>
        </fieldset>
      </form>
      {reauthentication.prompt}
    </>
  );
}

/**
 * "Your new password is saved", and whether other sessions were signed out. Not
 * how many: the API passes on Kratos' count, which includes sessions that had
 * ended before (logged out, revoked), so the number can exceed what the person
 * saw in their list of sessions.
 */
export function passwordChangedText(signedOut: number): string {
  return signedOut > 0 ? 'Your new password is saved. Your other sessions are signed out.' : 'Your new password is saved.';
}
