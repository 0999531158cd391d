import { useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { ApiError, describeError, toFormErrors } from '../api/problem';
import { useAuth } from '../auth/session';
import { Field, FormAlert, Link, Notice } from '../components/ui';
import { useFormSubmit, useTitle } from '../lib/hooks';
import { pendingState } from '../lib/pending';
import { hrefFor, navigate } from '../lib/router';
import { SecondFactorStep, abandonChallenge, challengeFrom, type SecondFactorChallenge } from './SecondFactor';
import { SocialButtons } from './Social';
import { sendVerificationCode } from './Verify';

const LOGIN_FIELDS = ['identifier', 'password'] as const;

// Where the server requires verified addresses, a login with an unverified one is
// refused with `email_not_verified`: the page offers a code instead of an error.
function loginErrors(error: unknown) {
  if (error instanceof ApiError && error.code === 'email_not_verified') return { fields: {}, form: [] };
  return toFormErrors(error, LOGIN_FIELDS);
}

export function LoginPage({ next, notice }: { next: string | null; notice: string | null }) {
  useTitle('Log in');
  const auth = useAuth();
  const [identifier, setIdentifier] = useState('');
  const [password, setPassword] = useState('');
  const [unverified, setUnverified] = useState<string | null>(null);
  const { errors, busy, handle } = useFormSubmit(LOGIN_FIELDS, loginErrors);
  // The password was right and a second factor is needed.
  const [challenge, setChallenge] = useState<SecondFactorChallenge | null>(null);

  const submit = handle(async () => {
    setUnverified(null);
    try {
      const response = await call(api.POST('/api/auth/login', { body: { identifier, password } }));
      if ('second_factor' in response) setChallenge(challengeFrom(response));
      else auth.signIn(response);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'email_not_verified') setUnverified(identifier.trim());
      throw error;
    }
  });

  if (challenge) {
    return (
      <main class="auth">
        <h1>Log in</h1>
        <SecondFactorStep
          challenge={challenge}
          onSignedIn={auth.signIn}
          cancelLabel="Log in with another account"
          onCancel={() => {
            abandonChallenge();
            setChallenge(null);
            setPassword('');
          }}
        />
      </main>
    );
  }

  return (
    <main class="auth">
      <h1>Log in</h1>
      {notice && <Notice>{notice}</Notice>}
      <form id="login" onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id="login-alert" messages={errors.form} />
        {unverified && <VerifyFirst email={unverified} />}
        <Field
          form="login"
          name="identifier"
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={identifier}
          onInput={setIdentifier}
          errors={errors.fields.identifier}
        />
        <Field
          form="login"
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={setPassword}
          errors={errors.fields.password}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <SocialButtons intent="login" next={next} />
      <p>
        <Link href={hrefFor({ name: 'recovery' })}>Forgot your password?</Link>
      </p>
      <p>
        No account yet? <Link href={hrefFor({ name: 'register' })}>Register</Link>
      </p>
      {next && <p class="muted">You will be taken back to the page you asked for.</p>}
    </main>
  );
}

/** The login's answer to an unverified address: send a code and go verify it. */
function VerifyFirst({ email }: { email: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string[]>([]);

  const send = async () => {
    setBusy(true);
    setError([]);
    try {
      const pending = await sendVerificationCode(email);
      navigate(hrefFor({ name: 'verify' }), { state: pendingState(pending) });
    } catch (cause) {
      setError([describeError(cause)]);
      setBusy(false);
    }
  };

  return (
    <div class="alert alert--info" id="login-unverified" role="alert">
      <p>Your email address, {email}, is not verified yet. Verify it with a code we send to it, then log in.</p>
      <FormAlert messages={error} />
      <button type="button" disabled={busy} onClick={() => void send()}>
        {busy ? 'Sending…' : 'Send me a code'}
      </button>
    </div>
  );
}

export function RegisterPage() {
  useTitle('Register');
  const auth = useAuth();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { errors, busy, handle } = useFormSubmit(['email', 'name', 'password']);

  const submit = handle(async () => {
    const response = await call(api.POST('/api/auth/registration', { body: { email, name, password } }));
    const { verification } = response;
    if (verification) {
      // A code is on its way: straight to the page that takes it.
      const pending = { flowId: verification.flow_id, email: verification.email };
      auth.signIn(response, { href: hrefFor({ name: 'verify' }), state: pendingState(pending) });
    } else {
      auth.signIn(response);
    }
  });

  return (
    <main class="auth">
      <h1>Create an account</h1>
      <form id="register" onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id="register-alert" messages={errors.form} />
        <Field
          form="register"
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onInput={setEmail}
          errors={errors.fields.email}
        />
        <Field
          form="register"
          name="name"
          label="Name"
          autoComplete="name"
          required
          value={name}
          onInput={setName}
          errors={errors.fields.name}
        />
        <Field
          form="register"
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 8 characters; a passphrase of a few words is easiest to remember."
          value={password}
          onInput={setPassword}
          errors={errors.fields.password}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating your account…' : 'Register'}
        </button>
      </form>
      <SocialButtons intent="registration" next={null} />
      <p>
        Already registered? <Link href={hrefFor({ name: 'login', next: null })}>Log in</Link>
      </p>
    </main>
  );
}
