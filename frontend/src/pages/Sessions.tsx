import { useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { ApiError, describeError } from '../api/problem';
import type { SessionListItem } from '../api/types';
import { FormAlert, Loading, Notice, formatDate } from '../components/ui';
import { methodsLabel } from '../lib/activity';
import { describeDevice } from '../lib/device';
import { useProviderLabels } from '../lib/providerLabels';
import { useResource, useTitle } from '../lib/hooks';
import { SettingsNav } from './Settings';

export function SessionsPage() {
  useTitle('Your sessions');
  const sessions = useResource('sessions', () => call(api.GET('/api/account/sessions')));
  const labels = useProviderLabels();
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const [done, setDone] = useState<string | null>(null);

  const act = async (action: () => Promise<string>) => {
    setBusy(true);
    setErrors([]);
    setDone(null);
    try {
      setDone(await action());
    } catch (error) {
      setErrors([describeError(error)]);
    } finally {
      setBusy(false);
      sessions.reload();
    }
  };

  const revoke = (session: SessionListItem) =>
    act(async () => {
      try {
        await call(api.DELETE('/api/account/sessions/{id}', { params: { path: { id: session.id } } }));
      } catch (error) {
        // Ended meanwhile (expired, or signed out elsewhere): the goal is reached.
        if (error instanceof ApiError && error.status === 404) return 'That session had ended already.';
        throw error;
      }
      return `Signed out ${describeDevice(session.user_agent)}.`;
    });

  // The answer's `revoked` is Kratos' count, which includes sessions that had
  // ended already, so it is not shown: the reloaded list says what is left.
  const revokeOthers = () =>
    act(async () => {
      await call(api.DELETE('/api/account/sessions'));
      return 'Signed out everywhere else.';
    });

  const list = sessions.data;
  const others = list?.filter((session) => !session.current) ?? [];

  return (
    <main>
      <SettingsNav current="sessions" />
      <div class="page-head">
        <h1>Your sessions</h1>
        {others.length > 0 && (
          <div class="actions">
            <button type="button" id="revoke-others" class="danger" disabled={busy} onClick={() => void revokeOthers()}>
              Sign out everywhere else
            </button>
          </div>
        )}
      </div>
      <p class="muted" id="sessions-help">
        Everywhere you are logged in to your account. Sign out a session you do not recognise, then change your
        password.
        {list?.some((session) => session.second_factor_missing) &&
          ' A session marked “Second factor not given” stopped at your second factor: if it was not you, someone knows your password (or can use your sign-in provider or your mail).'}
      </p>
      {done && <Notice kind="success">{done}</Notice>}
      <FormAlert messages={errors} />
      {sessions.state === 'failed' && <FormAlert messages={[describeError(sessions.error)]} />}
      {sessions.state === 'loading' && !list && <Loading what="your sessions" />}
      {list && (
        <table class="sessions" aria-busy={sessions.state === 'loading'}>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">IP address</th>
              <th scope="col">Logged in</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((session) => {
              const device = describeDevice(session.user_agent);
              return (
                <tr key={session.id} data-id={session.id} data-current={String(session.current)}>
                  <td>
                    <span title={session.user_agent ?? undefined}>{device}</span>
                    {session.current && <span class="badge badge--ok">This device</span>}
                    {session.second_factor_missing && (
                      <span
                        class="badge badge--warn"
                        title="Signed in only as far as the second factor: it cannot be used until it gives one"
                      >
                        Second factor not given
                      </span>
                    )}
                  </td>
                  <td class="ip">{session.ip_address ?? '—'}</td>
                  <td>
                    {session.issued_at ? formatDate(session.issued_at) : '—'}
                    {session.methods.length > 0 && (
                      <span class="session-how">
                        {methodsLabel(
                          session.methods,
                          session.provider ? (labels.get(session.provider) ?? session.provider) : undefined,
                        )}
                      </span>
                    )}
                  </td>
                  <td>{session.expires_at ? formatDate(session.expires_at) : '—'}</td>
                  <td class="row-actions">
                    {!session.current && (
                      <button
                        type="button"
                        class="danger small"
                        disabled={busy}
                        onClick={() => void revoke(session)}
                        aria-label={`Sign out ${device}, logged in ${session.issued_at ? formatDate(session.issued_at) : ''}`}
                      >
                        Sign out
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {list && others.length === 0 && <p class="empty">You are logged in nowhere else.</p>}
    </main>
  );
}
