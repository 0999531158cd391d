import { api, call } from '../api/client';
import { describeError } from '../api/problem';
import { FormAlert, Link, Loading, formatDate } from '../components/ui';
import { describeEvent } from '../lib/activity';
import { describeDevice } from '../lib/device';
import { useResource, useTitle } from '../lib/hooks';
import { useProviderLabels } from '../lib/providerLabels';
import { hrefFor } from '../lib/router';
import { SettingsNav } from './Settings';

export function ActivityPage() {
  useTitle('Security activity');
  const activity = useResource('activity', () => call(api.GET('/api/account/activity')));
  const labels = useProviderLabels();
  const events = activity.data?.events;

  return (
    <main>
      <SettingsNav current="activity" />
      <h1>Security activity</h1>
      <p class="muted" id="activity-intro">
        What happened to your account, when, and from which device. If you do not recognise something, change your
        password and <Link href={hrefFor({ name: 'sessions' })}>sign out your other sessions</Link>.
      </p>
      {activity.state === 'failed' && <FormAlert id="activity-alert" messages={[describeError(activity.error)]} />}
      {activity.state === 'loading' && !events && <Loading what="your security activity" />}
      {events && events.length > 0 && (
        <table class="activity" id="activity-table" aria-busy={activity.state === 'loading'}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Device</th>
              <th scope="col">Address</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event, index) => (
              <tr
                key={`${event.occurred_at}-${event.kind}-${index}`}
                data-kind={event.kind}
                data-new-device={String(event.new_device)}
              >
                <td>{formatDate(event.occurred_at)}</td>
                <td>
                  {describeEvent(event, labels)}
                  {event.new_device && <span class="badge badge--warn">New device</span>}
                </td>
                <td>
                  <span title={event.user_agent ?? undefined}>{describeDevice(event.user_agent)}</span>
                </td>
                <td class="ip">{event.ip_address ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {events?.length === 0 && (
        <p class="empty" id="activity-empty">
          Nothing yet.
        </p>
      )}
    </main>
  );
}
