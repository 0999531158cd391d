import { useEffect, useRef, useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { ApiError, describeError } from '../api/problem';
import type { AuthResponse } from '../api/types';
import { useAuth } from '../auth/session';
import { clearPending, readPending, savePending, socialProblemText, type PendingSocialSignIn } from '../auth/social';
import { Field, FormAlert, Link, Loading } from '../components/ui';
import { useFormSubmit, useResource, useTitle } from '../lib/hooks';
import { hrefFor, navigate, safeNext, type Route } from '../lib/router';
import { SecondFactorStep, abandonChallenge, challengeFrom, type SecondFactorChallenge } from './SecondFactor';

/**
 * "Sign in with <provider>" for each provider the server offers. A click starts
 * the sign-in and sends the browser to the provider; it comes back to
 * `SocialReturnPage`. Without providers (or when they cannot be listed) there is
 * nothing to show: the password form still works.
 */
export function SocialButtons({ intent, next }: { intent: 'login' | 'registration'; next: string | null }) {
  const providers = useResource('social-providers', () => call(api.GET('/api/auth/social/providers')));
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (providers.state !== 'ready' || providers.data.length === 0) return null;

  const start = async (provider: string) => {
    setBusy(provider);
    setError(null);
    try {
      const started = await call(
        api.POST('/api/auth/social/providers/{provider}', { params: { path: { provider } }, body: { intent } }),
      );
      if (!savePending({ state: started.state, verifier: started.verifier, next })) {
        throw new Error('This browser does not let the page remember the sign-in (storage is off).');
      }
      globalThis.location.assign(started.redirect_to);
    } catch (failure) {
      setError(failure instanceof ApiError || !(failure instanceof Error) ? describeError(failure) : failure.message);
      setBusy(null);
    }
  };

  return (
    <div class="social" id={`social-${intent}`}>
      <p class="social-or">or</p>
      <FormAlert id={`social-${intent}-alert`} messages={error ? [error] : []} />
      {providers.data.map((provider) => (
        <button
          type="button"
          class="social-button"
          key={provider.id}
          data-provider={provider.id}
          disabled={busy !== null}
          onClick={() => void start(provider.id)}
        >
          {busy === provider.id ? `Going to ${provider.label}…` : `Sign in with ${provider.label}`}
        </button>
      ))}
    </div>
  );
}

type Stage =
  | { step: 'working' }
  | { step: 'failed'; message: string }
  | { step: 'second-factor'; challenge: SecondFactorChallenge }
  | { step: 'link'; message: string };

/**
 * Where the browser comes back from the provider. It takes what the return URL
 * carries (`state`, and `code` or `flow`, or the server's `error`), removes it from
 * the address bar, and finishes the sign-in with the verifier this tab kept.
 */
const HEADINGS: Record<Stage['step'], string> = {
  working: 'Signing in…',
  failed: 'Not signed in',
  'second-factor': 'Log in',
  link: 'Link your account',
};

export function SocialReturnPage({ route }: { route: Extract<Route, { name: 'social-return' }> }) {
  const auth = useAuth();
  const [stage, setStage] = useState<Stage>({ step: 'working' });
  // Read once: the first render's route, and this tab's sign-in.
  const [pending] = useState<PendingSocialSignIn | null>(() => readPending());
  const started = useRef(false);
  useTitle(HEADINGS[stage.step]);

  const finish = (response: AuthResponse) => {
    clearPending();
    const next = safeNext(pending?.next);
    auth.signIn(response, next ? { href: next } : undefined);
  };

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    // Kratos' code must not stay in the address bar or the history.
    globalThis.history.replaceState(null, '', hrefFor({ name: 'social-return', state: null, code: null, flow: null, error: null }));

    const fail = (message: string) => {
      clearPending();
      setStage({ step: 'failed', message });
    };
    if (route.error !== null) {
      fail(socialProblemText(route.error));
      return;
    }
    if (route.state === null || pending?.state !== route.state) {
      fail(socialProblemText('state_mismatch'));
      return;
    }

    call(
      api.POST('/api/auth/social/complete', {
        body: {
          state: pending.state,
          verifier: pending.verifier,
          ...(route.code !== null ? { code: route.code } : {}),
          ...(route.flow !== null ? { flow_id: route.flow } : {}),
        },
      }),
    ).then(
      (response) => {
        if ('second_factor' in response) {
          clearPending();
          setStage({ step: 'second-factor', challenge: challengeFrom(response) });
        } else {
          finish(response);
        }
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.code === 'account_exists') {
          setStage({ step: 'link', message: error.problem?.messages?.[0]?.text ?? describeError(error) });
        } else if (error instanceof ApiError && error.problem !== null && error.status !== 503) {
          fail(socialProblemText(error.code));
        } else {
          fail(describeError(error));
        }
      },
    );
    // Runs once per visit: the route and the pending sign-in are read on arrival.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <main class="auth" id="social-return">
      <h1>{HEADINGS[stage.step]}</h1>
      {stage.step === 'working' && <Loading what="your sign-in" />}
      {stage.step === 'failed' && (
        <>
          <FormAlert id="social-return-alert" messages={[stage.message]} />
          <p>
            <Link href={hrefFor({ name: 'login', next: pending?.next ?? null })}>Back to log in</Link>
          </p>
        </>
      )}
      {stage.step === 'second-factor' && (
        <SecondFactorStep
          challenge={stage.challenge}
          onSignedIn={finish}
          cancelLabel="Log in another way"
          onCancel={() => {
            abandonChallenge();
            navigate(hrefFor({ name: 'login', next: safeNext(pending?.next) }), { replace: true });
          }}
        />
      )}
      {stage.step === 'link' && pending && (
        <LinkAccount
          pending={pending}
          message={stage.message}
          onSignedIn={finish}
          onSecondFactor={(challenge) => setStage({ step: 'second-factor', challenge })}
        />
      )}
    </main>
  );
}

/**
 * An account already has the address the provider gave: its password proves
 * it is yours, and the provider is added to it.
 */
function LinkAccount(props: {
  pending: PendingSocialSignIn;
  message: string;
  onSignedIn: (response: AuthResponse) => void;
  onSecondFactor: (challenge: SecondFactorChallenge) => void;
}) {
  const [password, setPassword] = useState('');
  const { errors, busy, handle } = useFormSubmit(['password']);
  const submit = handle(async () => {
    const { state, verifier } = props.pending;
    const response = await call(api.POST('/api/auth/social/link', { body: { state, verifier, password } }));
    if ('second_factor' in response) {
      clearPending();
      props.onSecondFactor(challengeFrom(response));
    } else {
      props.onSignedIn(response);
    }
  });
  return (
    <form id="link-account" onSubmit={(event) => void submit(event)} noValidate>
      <p>{props.message}</p>
      <FormAlert id="link-account-alert" messages={errors.form} />
      <Field
        form="link-account"
        name="password"
        label="Password of your account"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onInput={setPassword}
        errors={errors.fields.password}
      />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in and link'}
      </button>
    </form>
  );
}
