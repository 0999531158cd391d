import { useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { ApiError, describeError } from '../api/problem';
import type { LinkedProviderView } from '../api/types';
import { useReauthentication } from '../components/Reauthenticate';
import { FormAlert, Loading, Notice } from '../components/ui';
import { useResource } from '../lib/hooks';
import { useOfferedProviders } from '../lib/providerLabels';
import { ReauthenticationCancelled, withRecentLogin } from '../lib/reauth';
import { Confirm } from './TwoFactor';

// Settings' "Sign-in providers": the social sign-in providers linked to the
// account (GET /api/account/providers), and removing one. A provider is linked
// by signing in with it ("Sign in with …" on the login page) and giving the
// account's password once; one linked by someone else is removed here, with the
// other sessions it signed in. The last way in cannot be removed: without a
// password, the API says 409.

/** What removing a provider did, in words. */
export function removedText(label: string, signedOut: number): string {
  const sessions =
    signedOut === 0
      ? 'No other session had signed in with it.'
      : `${signedOut === 1 ? 'The other session' : `The ${signedOut} other sessions`} it had signed in ${signedOut === 1 ? 'is' : 'are'} signed out.`;
  return `${label} no longer signs you in. ${sessions}`;
}

export function ProvidersSection() {
  const linked = useResource('providers', () => call(api.GET('/api/account/providers')));
  const reauthentication = useReauthentication();
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<LinkedProviderView | null>(null);
  const offered = useOfferedProviders();

  const remove = async (provider: LinkedProviderView) => {
    setConfirming(null);
    setBusy(true);
    setErrors([]);
    setOutcome(null);
    try {
      const path = { params: { path: { provider: provider.id } } };
      let signedOut = 0;
      try {
        const removed = await withRecentLogin(
          () => call(api.DELETE('/api/account/providers/{provider}', path)),
          reauthentication.confirm,
        );
        signedOut = removed.signed_out_sessions;
      } catch (error) {
        // Removed meanwhile (in another tab): what was asked for is done.
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      setOutcome(removedText(provider.label, signedOut));
      linked.reload();
    } catch (error) {
      if (error instanceof ReauthenticationCancelled) setOutcome('Nothing was changed.');
      else setErrors([describeError(error)]);
    } finally {
      setBusy(false);
    }
  };

  const data = linked.data;
  // A server without social sign-in has nothing to show or offer here.
  if (offered.known && offered.labels.size === 0 && data?.providers.length === 0) return null;
  return (
    <section aria-labelledby="providers-heading" id="sign-in-providers">
      <h2 id="providers-heading">Sign-in providers</h2>
      <p class="muted">
        A provider linked here signs you in to this account with your account there, instead of your password.
      </p>
      {linked.state === 'failed' && <FormAlert messages={[describeError(linked.error)]} />}
      {linked.state === 'loading' && !data && <Loading what="your sign-in providers" />}
      {outcome && <Notice kind="info">{outcome}</Notice>}
      <FormAlert id="providers-alert" messages={errors} />
      {data?.providers.length === 0 && (
        <p id="providers-none">
          No provider is linked. To link one, log out and choose “Sign in with …” with this account’s email address;
          you will be asked for your password once.
        </p>
      )}
      {data && data.providers.length > 0 && (
        <ul class="providers" id="providers-list">
          {data.providers.map((provider) => (
            <li key={provider.id} data-provider={provider.id}>
              <span class="provider-label">{provider.label}</span>
              {confirming?.id === provider.id ? (
                <Confirm
                  id="provider-remove-confirm"
                  confirmLabel="Yes, remove it"
                  busy={busy}
                  onConfirm={() => void remove(provider)}
                  onCancel={() => setConfirming(null)}
                >
                  Remove {provider.label}? It will no longer sign you in; your password still does.
                </Confirm>
              ) : (
                <button
                  type="button"
                  class="danger"
                  aria-label={`Remove ${provider.label}`}
                  disabled={busy || !data.password}
                  onClick={() => {
                    setOutcome(null);
                    setConfirming(provider);
                  }}
                >
                  {busy ? 'Removing…' : 'Remove'}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {data && data.providers.length > 0 && !data.password && (
        <p class="muted" id="providers-only-way">
          This is the only way to sign in to your account: set a password above before you remove it.
        </p>
      )}
      {reauthentication.prompt}
    </section>
  );
}
