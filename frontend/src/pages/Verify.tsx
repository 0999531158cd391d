import { useEffect, useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { useOptionalSession } from '../auth/session';
import { CodeForm } from '../components/CodeForm';
import { Field, FormAlert, Link, Notice } from '../components/ui';
import { deadFlow } from '../lib/codes';
import { useFormSubmit, useTitle } from '../lib/hooks';
import { pendingState, readPendingCode, type PendingCode } from '../lib/pending';
import { historyState, hrefFor, replaceHistoryState } from '../lib/router';

/**
 * Sends a verification code to `email`: on the flow `flowId` when given (a new
 * code replaces the old one), or on a new flow. A flow that can no longer send
 * (expired, completed, unknown) is replaced by a new one.
 */
export async function sendVerificationCode(email: string, flowId: string | null = null): Promise<PendingCode> {
  try {
    const sent = await call(api.POST('/api/auth/verification', { body: { email, flow_id: flowId } }));
    return { flowId: sent.flow_id, email };
  } catch (error) {
    if (flowId === null || deadFlow(error) === null) throw error;
    return sendVerificationCode(email, null);
  }
}

/**
 * "Verify your email": with or without a session (an unverified person may not
 * be able to log in). The code on its way, if any, comes with the history entry
 * (registration and the login screen put it there).
 */
export function VerifyPage() {
  useTitle('Verify your email');
  const session = useOptionalSession();
  const identity = session?.identity ?? null;
  const [pending, setPending] = useState<PendingCode | null>(() => {
    const carried = readPendingCode(historyState());
    // A code for another address than the logged-in one is not for this page.
    // In any case: Kratos mails (and names) the address lower-cased, and keeps
    // it in the identity as typed.
    return carried && (!identity || carried.email.toLowerCase() === identity.email.toLowerCase()) ? carried : null;
  });
  const [verified, setVerified] = useState<string | null>(null);

  // Keep the code on its way with this history entry, so a reload keeps it.
  useEffect(() => {
    replaceHistoryState(pendingState(pending));
  }, [pending]);

  const submitCode = async (code: string) => {
    if (!pending) return;
    await call(api.POST('/api/auth/verification/code', { body: { flow_id: pending.flowId, code } }));
    setVerified(pending.email);
    setPending(null);
    // The "not verified" notice goes away with the refreshed identity.
    if (session) await session.refresh();
  };

  return (
    <main class="auth">
      <h1>Verify your email</h1>
      {verified !== null ? (
        <>
          <Notice kind="success">
            <p id="verify-done">Thank you: {verified} is verified.</p>
          </Notice>
          <p>
            {session ? (
              <Link href={hrefFor({ name: 'documents', page: 1 })}>Continue to my documents</Link>
            ) : (
              <Link href={hrefFor({ name: 'login', next: null })}>Log in</Link>
            )}
          </p>
        </>
      ) : identity?.email_verified && !pending ? (
        <>
          <Notice kind="success">
            <p>Your email address, {identity.email}, is verified.</p>
          </Notice>
          <p>
            <Link href={hrefFor({ name: 'settings' })}>Back to settings</Link>
          </p>
        </>
      ) : pending ? (
        <CodeForm
          id="verify"
          pending={pending}
          submitLabel="Verify"
          busyLabel="Verifying…"
          onSubmit={submitCode}
          onResend={async () => setPending(await sendVerificationCode(pending.email, pending.flowId))}
        >
          <p id="verify-sent">
            {identity ? 'We sent a 6-digit code to ' : 'If an account exists for '}
            <strong>{pending.email}</strong>
            {identity ? '.' : ', we sent a 6-digit code to it.'} Enter it here; it works for 15 minutes.
          </p>
        </CodeForm>
      ) : (
        <SendCode email={identity?.email ?? null} onSent={setPending} />
      )}
    </main>
  );
}

/** Asks for a code: to the session's address, or to one the person types. */
function SendCode({ email, onSent }: { email: string | null; onSent: (pending: PendingCode) => void }) {
  const [typed, setTyped] = useState('');
  const { errors, busy, handle } = useFormSubmit(['email']);

  const submit = handle(async () => {
    onSent(await sendVerificationCode(email ?? typed.trim()));
  });

  return (
    <>
      <p>
        {email ? (
          <>
            We will send a 6-digit code to <strong>{email}</strong>. Enter it on the next screen to confirm that the
            address is yours.
          </>
        ) : (
          'Enter the address you registered with, and we will send a 6-digit code to it.'
        )}
      </p>
      <form id="verify-send" onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id="verify-send-alert" messages={errors.form} />
        {!email && (
          <Field
            form="verify-send"
            name="email"
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={typed}
            onInput={setTyped}
            errors={errors.fields.email}
          />
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Sending…' : 'Send me a code'}
        </button>
      </form>
    </>
  );
}
