// The sign-in providers' labels ("Local provider", "Google") by Kratos' id, for
// screens that name a provider the API gives by id (the security activity,
// the sessions). Without the list, they show the id.

import { useMemo } from 'preact/hooks';

import { api, call } from '../api/client';
import { useResource } from './hooks';

export function useProviderLabels(): ReadonlyMap<string, string> {
  const providers = useResource('social-providers', () => call(api.GET('/api/auth/social/providers')));
  return useMemo(() => new Map((providers.data ?? []).map((provider) => [provider.id, provider.label])), [providers.data]);
}
