import { useEffect, useState } from 'preact/hooks';

import { api, call } from '../api/client';
import type { AuthResponse } from '../api/types';
import { useAuth, useSession } from '../auth/session';
import { CodeForm } from '../components/CodeForm';
import { PasswordForm, passwordChangedText } from '../components/PasswordForm';
import { Field, FormAlert, Link } from '../components/ui';
import { useFormSubmit, useTitle } from '../lib/hooks';
import { pendingState, readPendingCode, type PendingCode } from '../lib/pending';
import { historyState, hrefFor, replaceHistoryState } from '../lib/router';
import { SecondFactorStep, abandonChallenge, challengeFrom, type SecondFactorChallenge } from './SecondFactor';

async function sendRecoveryCode(email: string): Promise<PendingCode> {
  const sent = await call(api.POST('/api/auth/recovery', { body: { email } }));
  return { flowId: sent.flow_id, email };
}

/**
 * "Forgot your password": an address, then the code mailed to it, which signs
 * the person in; then they choose a new password (NewPasswordPage). The API
 * answers the same whether or not the address has an account, and so does this
 * page.
 */
export function RecoveryPage() {
  useTitle('Forgot your password');
  const auth = useAuth();
  const [pending, setPending] = useState<PendingCode | null>(() => readPendingCode(historyState()));

  // Keep the code on its way with this history entry, so a reload keeps it.
  useEffect(() => {
    replaceHistoryState(pendingState(pending));
  }, [pending]);

  // With a second factor, the code from the email is not enough to sign in.
  const [secondFactor, setSecondFactor] = useState<SecondFactorChallenge | null>(null);
  const signIn = (response: AuthResponse) => auth.signIn(response, { href: hrefFor({ name: 'new-password' }) });

  const submitCode = async (code: string) => {
    if (!pending) return;
    const response = await call(api.POST('/api/auth/recovery/code', { body: { flow_id: pending.flowId, code } }));
    if ('second_factor' in response) setSecondFactor(challengeFrom(response));
    else signIn(response);
  };

  if (secondFactor) {
    return (
      <main class="auth">
        <h1>Forgot your password?</h1>
        <SecondFactorStep
          challenge={secondFactor}
          onSignedIn={signIn}
          onCancel={() => {
            abandonChallenge();
            setSecondFactor(null);
            setPending(null);
          }}
        />
      </main>
    );
  }

  return (
    <main class="auth">
      <h1>Forgot your password?</h1>
      {pending ? (
        <CodeForm
          id="recovery"
          pending={pending}
          submitLabel="Continue"
          busyLabel="Checking…"
          onSubmit={submitCode}
          onResend={async () => setPending(await sendRecoveryCode(pending.email))}
        >
          <p id="recovery-sent">
            If an account exists for <strong>{pending.email}</strong>, we sent a 6-digit code to it. Enter it here; it
            works for 15 minutes. Then you choose a new password.
          </p>
        </CodeForm>
      ) : (
        <AskForCode onSent={setPending} />
      )}
      <p>
        {pending && (
          <>
            <button type="button" class="link" onClick={() => setPending(null)}>
              Use another address
            </button>{' '}
            ·{' '}
          </>
        )}
        <Link href={hrefFor({ name: 'login', next: null })}>Back to log in</Link>
      </p>
    </main>
  );
}

function AskForCode({ onSent }: { onSent: (pending: PendingCode) => void }) {
  const [email, setEmail] = useState('');
  const { errors, busy, handle } = useFormSubmit(['email']);

  const submit = handle(async () => {
    onSent(await sendRecoveryCode(email.trim()));
  });

  return (
    <>
      <p>Enter the address you registered with. We will send a code to it that lets you choose a new password.</p>
      <form id="recovery-send" onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id="recovery-send-alert" messages={errors.form} />
        <Field
          form="recovery-send"
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onInput={setEmail}
          errors={errors.fields.email}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Sending…' : 'Send me a code'}
        </button>
      </form>
    </>
  );
}

/** After a recovery code: the person is logged in and chooses a new password. */
export function NewPasswordPage() {
  useTitle('Choose a new password');
  const { announce } = useSession();
  return (
    <main class="auth">
      <h1>Choose a new password</h1>
      <p>You are logged in. Choose the password you will log in with from now on.</p>
      <PasswordForm
        id="new-password"
        submitLabel="Save my new password"
        onChanged={(result) => {
          announce(passwordChangedText(result.signed_out_sessions), hrefFor({ name: 'documents', page: 1 }));
        }}
      />
    </main>
  );
}
