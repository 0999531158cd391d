// The sign-in providers' labels ("Local provider", "Google") by Kratos' id, for
// screens that name a provider the API gives by id (the security activity,
// the sessions). Without the list, they show the id.

import { useMemo } from 'preact/hooks';

import { api, call } from '../api/client';
import { useResource } from './hooks';

/** The labels by id; empty until (or unless) the list arrives. */
export function useProviderLabels(): ReadonlyMap<string, string> {
  return useOfferedProviders().labels;
}

/**
 * The providers this server offers, by id, and whether the list has arrived
 * (`known`: false while loading or when it could not be had).
 */
export function useOfferedProviders(): { known: boolean; labels: ReadonlyMap<string, string> } {
  const providers = useResource('social-providers', () => call(api.GET('/api/auth/social/providers')));
  const labels = useMemo(
    () => new Map((providers.data ?? []).map((provider) => [provider.id, provider.label])),
    [providers.data],
  );
  return { known: providers.data !== null, labels };
}
