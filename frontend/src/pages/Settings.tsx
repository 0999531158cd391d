import { useEffect, useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { describeError } from '../api/problem';
import type { Identity } from '../api/types';
import { useSession } from '../auth/session';
import { PasswordForm, passwordChangedText } from '../components/PasswordForm';
import { Field, FormAlert, Link, Loading, Notice } from '../components/ui';
import { useFormSubmit, useResource, useTitle } from '../lib/hooks';
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
  const { update } = useSession();
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
