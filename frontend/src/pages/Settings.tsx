import { useEffect, useRef, useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { describeError } from '../api/problem';
import type { EmailChanged, Identity } from '../api/types';
import { useSession } from '../auth/session';
import { PasswordForm, passwordChangedText } from '../components/PasswordForm';
import { useReauthentication } from '../components/Reauthenticate';
import { Field, FormAlert, Link, Loading, Notice } from '../components/ui';
import { useFileUrl } from '../lib/download';
import { useFormSubmit, useResource, useTitle } from '../lib/hooks';
import { noticeSentences } from '../lib/notices';
import { pendingState } from '../lib/pending';
import { ReauthenticationCancelled, withRecentLogin } from '../lib/reauth';
import { hrefFor, navigate } from '../lib/router';
import { ProvidersSection } from './Providers';
import { TwoFactorSection } from './TwoFactor';

/** The tabs of the settings screens. */
export function SettingsNav({ current }: { current: 'settings' | 'sessions' | 'activity' }) {
  const tabs = [
    { name: 'settings', label: 'Profile and security' },
    { name: 'sessions', label: 'Your sessions' },
    { name: 'activity', label: 'Security activity' },
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
        {/* An account made with a provider sets its first password here, and has
            no current one to re-authenticate with. */}
        <PasswordForm
          reauthenticationNote={NO_PASSWORD_NOTE}
          id="password"
          submitLabel="Change password"
          onChanged={(result) => setPasswordChanged(passwordChangedText(result.signed_out_sessions))}
        />
      </section>
      <TwoFactorSection />
      <ProvidersSection />
      {/* Both take the session's copy of the address, which follows the profile (above). */}
      <SecurityNoticesSection email={identity.email} />
      <ExportSection />
      <DeleteAccountSection email={identity.email} />
    </main>
  );
}

/**
 * For a button that opens a step in place, which the step replaces: closing
 * the step gives the focus back to the button; when the page loads, the focus
 * stays where it is.
 */
function useFocusBack(open: boolean) {
  const button = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  useEffect(() => {
    if (open) opened.current = true;
    else if (opened.current) button.current?.focus();
  }, [open]);
  return button;
}

/**
 * The current-password prompt's line for people without a password (signed up
 * with a provider only): they cannot pass it, but a fresh sign-in is as recent a
 * login as the server asks for.
 */
const NO_PASSWORD_NOTE =
  'No password, because you sign in with a provider? Log out, sign in again, then come straight back here.';

function ProfileForm({ initial }: { initial: Identity }) {
  const { update } = useSession();
  const [saved, setSaved] = useState<Identity>(initial);
  const [name, setName] = useState(initial.name);
  const [done, setDone] = useState(false);
  const [changingEmail, setChangingEmail] = useState(false);
  const changeEmailButton = useFocusBack(changingEmail);
  const { errors, busy, handle } = useFormSubmit(['name']);

  const submit = handle(async () => {
    setDone(false);
    const updated = await call(api.PATCH('/api/account/profile', { body: { name } }));
    setSaved(updated);
    setName(updated.name);
    update(updated);
    setDone(true);
  });

  const emailChanged = ({ identity, verification }: EmailChanged) => {
    setSaved(identity);
    update(identity);
    if (!verification) {
      // The same address again: nothing changed, nothing was sent.
      setChangingEmail(false);
      return;
    }
    // On to the code that was just mailed to the new address, as after registering.
    const pending = { flowId: verification.flow_id, email: verification.email };
    navigate(hrefFor({ name: 'verify' }), { state: pendingState(pending) });
  };

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
          {!changingEmail && (
            <>
              {' '}
              <button
                type="button"
                id="email-change-start"
                class="small"
                ref={changeEmailButton}
                aria-label="Change your email address"
                onClick={() => setChangingEmail(true)}
              >
                Change
              </button>
            </>
          )}
        </dd>
      </dl>
      {changingEmail && <EmailChangeForm onChanged={emailChanged} onCancel={() => setChangingEmail(false)} />}
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

/**
 * A new address (PUT /api/account/email): the login from then on, unverified
 * until the code Kratos mails to it comes back. When the login is too old for
 * the change, asks for the current password and sends the same change again.
 */
function EmailChangeForm({ onChanged, onCancel }: { onChanged: (result: EmailChanged) => void; onCancel: () => void }) {
  const [email, setEmail] = useState('');
  const [cancelled, setCancelled] = useState(false);
  const { errors, busy, handle } = useFormSubmit(['email']);
  const reauthentication = useReauthentication(NO_PASSWORD_NOTE);

  const submit = handle(async () => {
    setCancelled(false);
    // The very request the person made, sent again after a re-authentication.
    const body = { email };
    try {
      onChanged(await withRecentLogin(() => call(api.PUT('/api/account/email', { body })), reauthentication.confirm));
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
      <form id="email-change" onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id="email-change-alert" messages={errors.form} />
        {cancelled && <Notice>Your email address was not changed.</Notice>}
        {/* Disabled while the change (and its re-authentication) is under way. */}
        <fieldset class="plain" disabled={busy}>
          <legend class="visually-hidden">Change your email address</legend>
          <Field
            form="email-change"
            name="email"
            label="New email address"
            type="email"
            autoComplete="email"
            required
            autoFocus
            hint="You will log in with it from now on. We will send a 6-digit code to it, to check that it is yours."
            value={email}
            onInput={setEmail}
            errors={errors.fields.email}
          />
          <div class="buttons">
            <button type="submit" class="primary">
              {reauthentication.prompt ? 'Waiting for your current password…' : busy ? 'Saving…' : 'Save'}
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

/**
 * "Security notices": GET /api/account/notices, the emails this server sends
 * about changes to the account (src/lib/notices.ts words them), or that it
 * sends none (no SMTP server).
 */
function SecurityNoticesSection({ email }: { email: string }) {
  const notices = useResource('notices', () => call(api.GET('/api/account/notices')));
  const sentences = notices.data ? noticeSentences(notices.data) : [];

  return (
    <section aria-labelledby="notices-heading" id="security-notices">
      <h2 id="notices-heading">Security notices</h2>
      {notices.state === 'failed' && <FormAlert id="notices-alert" messages={[describeError(notices.error)]} />}
      {notices.state === 'loading' && !notices.data && <Loading what="your security notices" />}
      {notices.data &&
        (sentences.length > 0 ? (
          <>
            <p id="notices-intro">We email {email} when:</p>
            <ul id="notices-events" aria-labelledby="notices-intro">
              {sentences.map((sentence) => (
                <li key={sentence}>{sentence}</li>
              ))}
            </ul>
            <p class="muted">
              Each email says when and from which device. If it was not you, it says what to do. Sign-ins and changes
              are also listed in <Link href={hrefFor({ name: 'activity' })}>your security activity</Link>.
            </p>
          </>
        ) : (
          <p id="notices-off">
            This server does not send security notices by email. Sign-ins and changes are listed in{' '}
            <Link href={hrefFor({ name: 'activity' })}>your security activity</Link>.
          </p>
        ))}
    </section>
  );
}

/** The name of the file "Download your data" offers. */
const EXPORT_FILE = 'ory-spa-account.json';

/**
 * "Your data": GET /api/account/export, then the answer (pretty-printed) behind
 * an <a download> with a blob: URL, as the recovery codes' file.
 */
function ExportSection() {
  const [file, setFile] = useState<string | null>(null);
  const url = useFileUrl(file, 'application/json');
  const { errors, busy, handle } = useFormSubmit([]);

  const prepare = handle(async () => {
    setFile(null);
    const data = await call(api.GET('/api/account/export'));
    setFile(JSON.stringify(data, null, 2));
  });

  return (
    <section aria-labelledby="export-heading" id="your-data">
      <h2 id="export-heading">Your data</h2>
      <p id="export-what">
        A file with your profile, your sessions, second factors and sign-in providers, the documents you can see (with
        the text of those you own), your groups, your security activity, and when you first and last signed in from
        each device we remember for security notices.
      </p>
      <FormAlert id="export-alert" messages={errors.form} />
      <div class="buttons">
        <button
          type="button"
          id="export-start"
          disabled={busy}
          aria-describedby="export-what"
          onClick={(event) => void prepare(event)}
        >
          {busy ? 'Preparing…' : 'Download your data'}
        </button>
        {url && (
          <a class="button primary" id="export-download" href={url} download={EXPORT_FILE}>
            {EXPORT_FILE}
          </a>
        )}
      </div>
    </section>
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
  const start = useFocusBack(confirming);

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
  const reauthentication = useReauthentication(NO_PASSWORD_NOTE);
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
