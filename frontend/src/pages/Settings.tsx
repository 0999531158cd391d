import { useEffect, useRef, useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { describeError } from '../api/problem';
import type { Identity } from '../api/types';
import { useSession } from '../auth/session';
import { PasswordForm, passwordChangedText } from '../components/PasswordForm';
import { useReauthentication } from '../components/Reauthenticate';
import { Field, FormAlert, Link, Loading, Notice } from '../components/ui';
import { useFormSubmit, useResource, useTitle } from '../lib/hooks';
import { ReauthenticationCancelled, withRecentLogin } from '../lib/reauth';
import { hrefFor } from '../lib/router';
import { TwoFactorSection } from './TwoFactor';

/** The tabs of the settings screens. */
export function SettingsNav({ current }: { current: 'settings' | 'sessions' }) {
  const tabs = [
    { name: 'settings', label: 'Profile and security' },
    { name: 'sessions', label: 'Your sessions' },
  ] as const;
  return (
    <nav class="tabs" aria-label="Settings">
      {tabs.map((tab) => (
        <Link
          key={tab.name}
          href={hrefFor({ name: tab.name })}
          aria-current={tab.name === current ? 'page' : undefined}
        >
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}

export function SettingsPage() {
  useTitle('Settings');
  const { identity, update } = useSession();
  const profile = useResource('profile', () => call(api.GET('/api/account/profile')));
  const [passwordChanged, setPasswordChanged] = useState<string | null>(null);

  // The profile is the freshest copy of who we are (verified elsewhere, say):
  // the header and the "not verified" notice follow it.
  useEffect(() => {
    if (profile.data) update(profile.data);
  }, [profile.data, update]);

  return (
    <main>
      <SettingsNav current="settings" />
      <h1>Settings</h1>
      <section aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        {profile.state === 'failed' && <FormAlert messages={[describeError(profile.error)]} />}
        {profile.state === 'loading' && !profile.data && <Loading what="your profile" />}
        {profile.data && <ProfileForm key={profile.data.id} initial={profile.data} />}
      </section>
      <section aria-labelledby="password-heading">
        <h2 id="password-heading">Password</h2>
        {passwordChanged && <Notice kind="success">{passwordChanged}</Notice>}
        <PasswordForm
          id="password"
          submitLabel="Change password"
          onChanged={(result) => setPasswordChanged(passwordChangedText(result.signed_out_sessions))}
        />
      </section>
      <TwoFactorSection />
      {/* The session's copy of the address, which follows the profile (above). */}
      <DeleteAccountSection email={identity.email} />
    </main>
  );
}

function ProfileForm({ initial }: { initial: Identity }) {
  const { update } = useSession();
  const [saved, setSaved] = useState<Identity>(initial);
  const [name, setName] = useState(initial.name);
  const [done, setDone] = useState(false);
  const { errors, busy, handle } = useFormSubmit(['name']);

  const submit = handle(async () => {
    setDone(false);
    const updated = await call(api.PATCH('/api/account/profile', { body: { name } }));
    setSaved(updated);
    setName(updated.name);
    update(updated);
    setDone(true);
  });

  return (
    <>
      <dl class="facts">
        <dt>Email</dt>
        <dd>
          <span id="profile-email">{saved.email}</span>{' '}
          {saved.email_verified ? (
            <span class="badge badge--ok" id="profile-email-status">
              Verified
            </span>
          ) : (
            <>
              <span class="badge badge--warn" id="profile-email-status">
                Not verified
              </span>{' '}
              <Link href={hrefFor({ name: 'verify' })}>Verify it</Link>
            </>
          )}
        </dd>
      </dl>
      {done && name === saved.name && <Notice kind="success">Saved.</Notice>}
      <form id="profile" onSubmit={(event) => void submit(event)} noValidate class="inline-form">
        <FormAlert id="profile-alert" messages={errors.form} />
        <Field
          form="profile"
          name="name"
          label="Name"
          autoComplete="name"
          required
          value={name}
          onInput={setName}
          errors={errors.fields.name}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </form>
    </>
  );
}

/** What the login screen says once the account is gone. */
const ACCOUNT_DELETED = 'Your account has been deleted.';

/**
 * The danger zone: DELETE /api/account, once the person has typed their
 * address. Typing it, rather than one more click, makes a slip of the mouse
 * harmless: nothing brings the account back.
 */
function DeleteAccountSection({ email }: { email: string }) {
  const [confirming, setConfirming] = useState(false);
  const start = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);

  // Cancel gives the focus back to the button that opened the step, which the
  // step replaced; when the page loads, the focus stays where it is.
  useEffect(() => {
    if (confirming) opened.current = true;
    else if (opened.current) start.current?.focus();
  }, [confirming]);

  return (
    <section aria-labelledby="delete-account-heading" id="danger-zone" class="danger-zone">
      <h2 id="delete-account-heading">Delete account</h2>
      <div id="delete-account-what">
        <p>Deleting your account deletes:</p>
        <ul>
          <li>your account and the ways you sign in to it;</li>
          <li>every session on every device, this one too;</li>
          <li>the groups and documents you own, with everything you shared through them.</li>
        </ul>
        <p>It also takes you out of other people’s groups and shares. This cannot be undone.</p>
      </div>
      {confirming ? (
        <DeleteAccountForm email={email} onCancel={() => setConfirming(false)} />
      ) : (
        <div class="buttons">
          <button
            type="button"
            id="delete-account-start"
            class="danger"
            ref={start}
            aria-describedby="delete-account-what"
            onClick={() => setConfirming(true)}
          >
            Delete account…
          </button>
        </div>
      )}
    </section>
  );
}

/** Whether what the person typed is their address (as addresses are compared: trimmed, in any case). */
function sameAddress(typed: string, email: string): boolean {
  return typed.trim().toLowerCase() === email.trim().toLowerCase();
}

function DeleteAccountForm({ email, onCancel }: { email: string; onCancel: () => void }) {
  const { endedByServer } = useSession();
  const [typed, setTyped] = useState('');
  const [cancelled, setCancelled] = useState(false);
  const { errors, busy, handle } = useFormSubmit([]);
  // Without a password (signed up with a provider only) the prompt cannot be
  // passed; a fresh sign-in is as recent a login as the server asks for.
  const reauthentication = useReauthentication(
    'No password, because you sign in with a provider? Log out, sign in again, then come straight back here.',
  );
  const matches = sameAddress(typed, email);

  const submit = handle(async () => {
    // The disabled button is the guard people see; this one holds for any other way to submit.
    if (!matches) return;
    setCancelled(false);
    try {
      await withRecentLogin(() => call(api.DELETE('/api/account')), reauthentication.confirm);
    } catch (error) {
      if (error instanceof ReauthenticationCancelled) {
        setCancelled(true);
        return;
      }
      throw error;
    }
    endedByServer(ACCOUNT_DELETED);
  });

  return (
    <>
      <form
        id="delete-account"
        onSubmit={(event) => void submit(event)}
        noValidate
        aria-labelledby="delete-account-heading"
        aria-describedby="delete-account-what"
      >
        <FormAlert id="delete-account-alert" messages={errors.form} />
        {cancelled && <Notice>Your account was not deleted.</Notice>}
        {/* Disabled while the deletion (and its re-authentication) is under way. */}
        <fieldset class="plain" disabled={busy}>
          <legend class="visually-hidden">Confirm the deletion</legend>
          <Field
            form="delete-account"
            name="email"
            label="Your email address"
            type="email"
            autoComplete="off"
            required
            autoFocus
            hint={`Type ${email} to confirm.`}
            value={typed}
            onInput={setTyped}
          />
          <div class="buttons">
            <button type="submit" class="danger" disabled={!matches} aria-describedby="delete-account-email-hint">
              {reauthentication.prompt ? 'Waiting for your current password…' : busy ? 'Deleting…' : 'Delete my account'}
            </button>
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </fieldset>
      </form>
      {reauthentication.prompt}
    </>
  );
}
