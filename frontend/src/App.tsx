import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { api, call } from './api/client';
import { ApiError, describeError } from './api/problem';
import type { AuthResponse, Identity } from './api/types';
import { openSessionChannel, type SessionChange, type SessionChannel } from './auth/otherTabs';
import { AuthContext, SessionContext, type Auth, type Session } from './auth/session';
import { sessions } from './auth/sessionState';
import { stepUp } from './auth/stepUp';
import { FormAlert, Link, Loading, Notice } from './components/ui';
import { useRoute, useStore, useTitle } from './lib/hooks';
import { access, currentLocation, hrefFor, navigate, type Route } from './lib/router';
import { ActivityPage } from './pages/Activity';
import { LoginPage, RegisterPage } from './pages/Auth';
import { DocumentPage } from './pages/Document';
import { DocumentsPage, NewDocumentPage } from './pages/Documents';
import { GroupPage, GroupsPage } from './pages/Groups';
import { NewPasswordPage, RecoveryPage } from './pages/Recovery';
import { RestoreEmailPage } from './pages/RestoreEmail';
import { SecondFactorStep, type SecondFactorChallenge } from './pages/SecondFactor';
import { SessionsPage } from './pages/Sessions';
import { SettingsPage } from './pages/Settings';
import { SharingPage } from './pages/Sharing';
import { SocialReturnPage } from './pages/Social';
import { VerifyPage } from './pages/Verify';

const SESSION_ENDED = 'Your session has ended. Please log in again.';

// Stepping up a session: a new login flow, and which factors the person has is
// not known here (the API refuses to say until the code is in): the app's code
// first, a recovery code on request. The session itself is in the cookie.
const STEP_UP: SecondFactorChallenge = { flowId: null, methods: ['totp', 'lookup_secret'] };

export function App() {
  const route = useRoute();
  // A mark while signed in, null when not, undefined until the server has said
  // (the session is an HttpOnly cookie the page cannot see: auth/sessionState.ts).
  const mark = useStore(sessions);
  // The API refused this session for want of a second factor (auth/stepUp.ts).
  const needsSecondFactor = useStore(stepUp) === mark && typeof mark === 'number';
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [whoamiError, setWhoamiError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [logOutError, setLogOutError] = useState<unknown>(null);
  // A success message for one screen (see Session.announce).
  const [flash, setFlash] = useState<{ text: string; href: string } | null>(null);
  const [attempt, setAttempt] = useState(0);
  // Set while we end the session ourselves, so that losing it is not reported
  // as "your session has ended".
  const leaving = useRef(false);
  // Whether we had a session, to tell "ended by a 401" from "never had one".
  const hadSession = useRef(typeof mark === 'number');
  // To the browser's other tabs, which share the session cookie (auth/otherTabs.ts).
  const otherTabs = useRef<SessionChannel | null>(null);
  const identityRef = useRef(identity);
  useEffect(() => {
    identityRef.current = identity;
  }, [identity]);

  // Another tab signed in or out, which did it for this tab too: ask the server
  // who is signed in now, and start over if it is someone else.
  useEffect(() => {
    const changed = async (change: SessionChange) => {
      const known = sessions.get();
      if (known === undefined || (known === null && change === 'signed-out')) return;
      if (known === null) {
        sessions.forget();
        return;
      }
      try {
        const answer = await call(api.GET('/api/auth/session'));
        if (sessions.get() === known && answer.identity.id !== identityRef.current?.id) {
          setIdentity(null);
          stepUp.clear();
          sessions.forget();
        }
      } catch {
        // A 401 has ended the session (the login screen), a second_factor_required
        // noted it for the code step, and anything else changes nothing here.
      }
    };
    const channel = openSessionChannel((change) => void changed(change));
    otherTabs.current = channel;
    return () => {
      otherTabs.current = null;
      channel.close();
    };
  }, []);

  // Losing the session (a 401 anywhere, or logging out) forgets who we were.
  useEffect(() => {
    if (mark === null) {
      setIdentity(null);
      setLogOutError(null);
      stepUp.clear();
      if (hadSession.current && !leaving.current) setNotice(SESSION_ENDED);
      leaving.current = false;
    }
    hadSession.current = typeof mark === 'number';
  }, [mark]);

  // Who is signed in: when the page starts, only the server knows (it reads the
  // cookie); later, after a step-up that left us without the identity.
  useEffect(() => {
    if (mark === null || identity !== null || needsSecondFactor) return;
    let current = true;
    setWhoamiError(null);
    call(api.GET('/api/auth/session')).then(
      (answer) => {
        if (!current) return;
        setIdentity(answer.identity);
        if (sessions.get() === undefined) sessions.begin();
      },
      (error: unknown) => {
        if (!current) return;
        // When the page starts, the client's middleware has no session to end
        // or to note for the code step (it acts only on one the page knew of).
        if (sessions.get() === undefined && error instanceof ApiError) {
          if (error.status === 401) sessions.end();
          else if (error.code === 'second_factor_required') stepUp.require(sessions.begin());
        }
        // Otherwise a 401 has already ended the session, and a
        // second_factor_required noted it for the code step.
        const handled = error instanceof ApiError && (error.status === 401 || error.code === 'second_factor_required');
        if (!handled) setWhoamiError(error);
      },
    );
    return () => {
      current = false;
    };
  }, [mark, identity, attempt, needsSecondFactor]);

  // Guard the protected screens, and keep logged-in people off the guests' ones.
  useEffect(() => {
    const who = access(route);
    if (mark === null && who === 'session') {
      const { pathname, search } = currentLocation();
      navigate(hrefFor({ name: 'login', next: `${pathname}${search}` }), { replace: true });
    } else if (typeof mark === 'number' && who === 'guest') {
      const next = route.name === 'login' ? route.next : null;
      navigate(next ?? hrefFor({ name: 'documents', page: 1 }), { replace: true });
    }
  }, [mark, route]);

  // An announcement belongs to the screen it was made for.
  useEffect(() => {
    if (flash && hrefFor(route) !== flash.href) setFlash(null);
  }, [route, flash]);

  const auth = useMemo<Auth>(
    () => ({
      signIn(response: AuthResponse, next?: { href: string; state?: unknown }) {
        setNotice(null);
        setIdentity(response.session.identity);
        // Before the session, so the guard never sees a guest screen with a session.
        if (next) navigate(next.href, { replace: true, state: next.state });
        // The server has set the session cookie; the answer carries no token.
        sessions.begin();
        otherTabs.current?.tell('signed-in');
      },
    }),
    [],
  );

  const refresh = useCallback(async () => {
    try {
      const answer = await call(api.GET('/api/auth/session'));
      setIdentity(answer.identity);
    } catch {
      // A 401 has ended the session already; otherwise the copy we have stays.
    }
  }, []);

  const announce = useCallback((text: string, href: string) => {
    setFlash({ text, href });
    navigate(href);
  }, []);

  // The session used its second factor: the same session (and cookie), now good everywhere.
  const steppedUp = useCallback((response: AuthResponse) => {
    setIdentity(response.session.identity);
    setWhoamiError(null);
    stepUp.clear();
  }, []);

  const logOut = useCallback(async () => {
    leaving.current = true;
    setLogOutError(null);
    try {
      await call(api.POST('/api/auth/logout'));
    } catch (error) {
      // A 401: the session had ended already. Anything else (the server could
      // not be reached, or Kratos failed): the cookie, which only the server can
      // remove, may still hold a live session, so we do not say "logged out".
      if (!(error instanceof ApiError && error.status === 401)) {
        leaving.current = false;
        setLogOutError(error);
        return;
      }
    }
    sessions.end();
    otherTabs.current?.tell('signed-out');
    setNotice('You have logged out.');
  }, []);

  // The server has ended the session and cleared the cookie itself (the account
  // is gone): what is left is the page's side of logging out.
  const endedByServer = useCallback((text: string) => {
    leaving.current = true;
    // The login screen itself: a `next` would lead back into an account that is gone.
    navigate(hrefFor({ name: 'login', next: null }), { replace: true });
    sessions.end();
    otherTabs.current?.tell('signed-out');
    setNotice(text);
  }, []);

  const logOutAlert = logOutError ? (
    <div class="notices" id="logout-error">
      <FormAlert messages={[`You are still logged in: ${describeError(logOutError)}`]} />
    </div>
  ) : null;

  // Until the server has said (mark undefined), not even a guest screen: a
  // person with a session would see the login form flash by.
  if (mark === null || (mark !== undefined && access(route) === 'guest')) {
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
        {logOutAlert}
        <SecondFactorRequired key={mark} onDone={steppedUp} onLogOut={logOut} />
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

  const session: Session = { identity, logOut, refresh, update: setIdentity, announce, endedByServer };
  return (
    <SessionContext.Provider value={session}>
      <Shell identity={identity} onLogOut={logOut}>
        {logOutAlert}
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
    case 'restore-email':
      return <RestoreEmailPage />;
    case 'login':
      return <LoginPage next={route.next} notice={notice} />;
    case 'social-return':
      return <SocialReturnPage route={route} />;
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
  onDone: (response: AuthResponse) => void;
  onLogOut: () => Promise<void>;
}) {
  useTitle('Two-factor authentication');
  return (
    <main class="auth" id="second-factor-required">
      <h1>Two-factor authentication</h1>
      <SecondFactorStep
        challenge={STEP_UP}
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
      return <DocumentsPage page={route.page} q={route.q} owner={route.owner} />;
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
    case 'restore-email':
      return <RestoreEmailPage />;
    case 'new-password':
      return <NewPasswordPage />;
    case 'settings':
      return <SettingsPage />;
    case 'sessions':
      return <SessionsPage />;
    case 'activity':
      return <ActivityPage />;
    case 'login':
    case 'register':
    case 'social-return':
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
