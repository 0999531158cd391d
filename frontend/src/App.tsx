import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { api, call } from './api/client';
import { ApiError, describeError } from './api/problem';
import type { AuthResponse, Identity } from './api/types';
import { AuthContext, SessionContext, type Auth, type Session } from './auth/session';
import { stepUp } from './auth/stepUp';
import { tokens } from './auth/token';
import { FormAlert, Link, Loading, Notice } from './components/ui';
import { useRoute, useTitle, useToken } from './lib/hooks';
import { access, currentLocation, hrefFor, navigate, type Route } from './lib/router';
import { LoginPage, RegisterPage } from './pages/Auth';
import { DocumentPage } from './pages/Document';
import { DocumentsPage, NewDocumentPage } from './pages/Documents';
import { GroupPage, GroupsPage } from './pages/Groups';
import { NewPasswordPage, RecoveryPage } from './pages/Recovery';
import { SecondFactorStep } from './pages/SecondFactor';
import { SessionsPage } from './pages/Sessions';
import { SettingsPage } from './pages/Settings';
import { SharingPage } from './pages/Sharing';
import { VerifyPage } from './pages/Verify';

const SESSION_ENDED = 'Your session has ended. Please log in again.';

export function App() {
  const route = useRoute();
  const token = useToken(tokens);
  // The API refused this token for want of a second factor (auth/stepUp.ts).
  const needsSecondFactor = useToken(stepUp) === token && token !== null;
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [whoamiError, setWhoamiError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // A success message for one screen (see Session.announce).
  const [flash, setFlash] = useState<{ text: string; href: string } | null>(null);
  const [attempt, setAttempt] = useState(0);
  // Set while we end the session ourselves, so that losing the token is not
  // reported as "your session has ended".
  const leaving = useRef(false);
  // The last token we had, to tell "dropped after a 401" from "never had one".
  const hadToken = useRef(token !== null);

  // Losing the token (a 401 anywhere, or logging out) forgets who we were.
  useEffect(() => {
    if (token === null) {
      setIdentity(null);
      stepUp.clear();
      if (hadToken.current && !leaving.current) setNotice(SESSION_ENDED);
      leaving.current = false;
    }
    hadToken.current = token !== null;
  }, [token]);

  // After a reload we have a token but not the identity: ask who we are.
  useEffect(() => {
    if (token === null || identity !== null || needsSecondFactor) return;
    let current = true;
    setWhoamiError(null);
    call(api.GET('/api/auth/session')).then(
      (session) => {
        if (current) setIdentity(session.identity);
      },
      (error: unknown) => {
        // A 401 has already dropped the token, and a second_factor_required noted
        // it for the code step (see the client's middleware).
        const handled = error instanceof ApiError && (error.status === 401 || error.code === 'second_factor_required');
        if (current && !handled) setWhoamiError(error);
      },
    );
    return () => {
      current = false;
    };
  }, [token, identity, attempt, needsSecondFactor]);

  // Guard the protected screens, and keep logged-in people off the guests' ones.
  useEffect(() => {
    const who = access(route);
    if (token === null && who === 'session') {
      const { pathname, search } = currentLocation();
      navigate(hrefFor({ name: 'login', next: `${pathname}${search}` }), { replace: true });
    } else if (token !== null && who === 'guest') {
      const next = route.name === 'login' ? route.next : null;
      navigate(next ?? hrefFor({ name: 'documents', page: 1 }), { replace: true });
    }
  }, [token, route]);

  // An announcement belongs to the screen it was made for.
  useEffect(() => {
    if (flash && hrefFor(route) !== flash.href) setFlash(null);
  }, [route, flash]);

  const auth = useMemo<Auth>(
    () => ({
      signIn(response: AuthResponse, next?: { href: string; state?: unknown }) {
        setNotice(null);
        setIdentity(response.session.identity);
        // Before the token, so the guard never sees a guest screen with a session.
        if (next) navigate(next.href, { replace: true, state: next.state });
        // Always present while the SPA uses token mode (no X-Session-Mode header).
        if (response.session_token) tokens.set(response.session_token);
      },
    }),
    [],
  );

  const refresh = useCallback(async () => {
    try {
      const session = await call(api.GET('/api/auth/session'));
      setIdentity(session.identity);
    } catch {
      // A 401 has dropped the token already; otherwise the copy we have stays.
    }
  }, []);

  const announce = useCallback((text: string, href: string) => {
    setFlash({ text, href });
    navigate(href);
  }, []);

  // The session used its second factor: the same token, now good everywhere.
  const steppedUp = useCallback((response: AuthResponse) => {
    setIdentity(response.session.identity);
    setWhoamiError(null);
    stepUp.clear();
    if (response.session_token) tokens.set(response.session_token);
  }, []);

  const logOut = useCallback(async () => {
    leaving.current = true;
    try {
      await call(api.POST('/api/auth/logout'));
    } catch {
      // The token is forgotten either way; an expired one is already gone.
    }
    tokens.clear();
    setNotice('You have logged out.');
  }, []);

  if (token === null || access(route) === 'guest') {
    return (
      <AuthContext.Provider value={auth}>
        <Shell identity={null} onLogOut={null}>
          <GuestScreen route={route} notice={notice} />
        </Shell>
      </AuthContext.Provider>
    );
  }

  if (needsSecondFactor) {
    return (
      <Shell identity={null} onLogOut={null}>
        <SecondFactorRequired token={token} onDone={steppedUp} onLogOut={logOut} />
      </Shell>
    );
  }

  if (identity === null) {
    return (
      <Shell identity={null} onLogOut={null}>
        <main>
          {whoamiError ? (
            <>
              <FormAlert messages={[describeError(whoamiError)]} />
              <button type="button" onClick={() => setAttempt((n) => n + 1)}>
                Try again
              </button>
            </>
          ) : (
            <Loading what="your session" />
          )}
        </main>
      </Shell>
    );
  }

  const session: Session = { identity, logOut, refresh, update: setIdentity, announce };
  return (
    <SessionContext.Provider value={session}>
      <Shell identity={identity} onLogOut={logOut}>
        {!identity.email_verified && route.name !== 'verify' && <UnverifiedNotice email={identity.email} />}
        {flash && (
          <div class="notices" id="flash">
            <Notice kind="success">{flash.text}</Notice>
          </div>
        )}
        <Screen route={route} />
      </Shell>
    </SessionContext.Provider>
  );
}

/** What someone without a session sees: a guest screen, or the login screen. */
function GuestScreen({ route, notice }: { route: Route; notice: string | null }) {
  switch (route.name) {
    case 'register':
      return <RegisterPage />;
    case 'recovery':
      return <RecoveryPage />;
    case 'verify':
      return <VerifyPage />;
    case 'login':
      return <LoginPage next={route.next} notice={notice} />;
    default:
      // The guard is on its way to /login?next=…
      return <LoginPage next={null} notice={notice} />;
  }
}

/**
 * A session that has not used the person's second factor (one was set up
 * after this tab logged in, on another device perhaps): the API refuses it
 * everywhere until a code steps it up. The screen asked for comes back after.
 */
function SecondFactorRequired(props: {
  token: string;
  onDone: (response: AuthResponse) => void;
  onLogOut: () => Promise<void>;
}) {
  useTitle('Two-factor authentication');
  // Which factors the person has is not known here (the API refuses to say
  // until the code is in): the app's code first, a recovery code on request.
  const challenge = useMemo(
    () => ({ token: props.token, flowId: null, methods: ['totp', 'lookup_secret'] as const }),
    [props.token],
  );
  return (
    <main class="auth" id="second-factor-required">
      <h1>Two-factor authentication</h1>
      <SecondFactorStep
        challenge={challenge}
        reason="Your account now has two-factor authentication. To go on where you were, confirm it is you."
        onSignedIn={props.onDone}
        cancelLabel="Log out"
        onCancel={() => void props.onLogOut()}
      />
    </main>
  );
}

function UnverifiedNotice({ email }: { email: string }) {
  return (
    <aside class="notices" id="unverified-notice" aria-label="Email address">
      <div class="alert alert--info">
        <p>
          Your email address, {email}, is not verified yet.{' '}
          <Link href={hrefFor({ name: 'verify' })}>Verify it with a code</Link>
        </p>
      </div>
    </aside>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'documents':
      return <DocumentsPage page={route.page} />;
    case 'new-document':
      return <NewDocumentPage />;
    case 'document':
      return <DocumentPage key={route.id} id={route.id} />;
    case 'sharing':
      return <SharingPage key={route.id} id={route.id} />;
    case 'groups':
      return <GroupsPage />;
    case 'group':
      return <GroupPage key={route.id} id={route.id} />;
    case 'verify':
      return <VerifyPage />;
    case 'new-password':
      return <NewPasswordPage />;
    case 'settings':
      return <SettingsPage />;
    case 'sessions':
      return <SessionsPage />;
    case 'login':
    case 'register':
    case 'recovery':
      return null;
    case 'not-found':
      return <NotFound />;
  }
}

function NotFound() {
  useTitle('Not found');
  return (
    <main>
      <h1>Page not found</h1>
      <p>
        There is nothing here. <Link href={hrefFor({ name: 'documents', page: 1 })}>Go to my documents</Link>.
      </p>
    </main>
  );
}

function Shell(props: {
  identity: Identity | null;
  onLogOut: (() => Promise<void>) | null;
  children: ComponentChildren;
}) {
  const [busy, setBusy] = useState(false);
  const { identity, onLogOut } = props;
  return (
    <>
      <header class="top">
        <Link class="brand" href="/">
          Documents
        </Link>
        {identity && (
          <nav aria-label="Main">
            <Link href={hrefFor({ name: 'documents', page: 1 })}>My documents</Link>
            <Link href={hrefFor({ name: 'groups' })}>Groups</Link>
            <Link href={hrefFor({ name: 'settings' })}>Settings</Link>
          </nav>
        )}
        {identity && onLogOut && (
          <div class="who">
            <span class="who-name" title={identity.email}>
              {identity.name || identity.email}
            </span>
            <button
              type="button"
              id="logout"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                void onLogOut().finally(() => setBusy(false));
              }}
            >
              Log out
            </button>
          </div>
        )}
      </header>
      {props.children}
    </>
  );
}
