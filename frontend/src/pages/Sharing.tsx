import { useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { describeError } from '../api/problem';
import type { Collaborator, GroupSummary, ShareRole } from '../api/types';
import { useSession } from '../auth/session';
import { Field, FormAlert, Link, Loading, Notice, Select } from '../components/ui';
import { useFormSubmit, useResource, useTitle } from '../lib/hooks';
import { hrefFor } from '../lib/router';
import { LoadError } from './Document';

const ROLE_OPTIONS = [
  { value: 'viewer', label: 'Viewer (can read)' },
  { value: 'editor', label: 'Editor (can read and change)' },
] as const;

export function SharingPage({ id }: { id: string }) {
  const { identity } = useSession();
  const doc = useResource(`document:${id}`, () => call(api.GET('/api/documents/{id}', { params: { path: { id } } })));
  const people = useResource(`collaborators:${id}`, () =>
    call(api.GET('/api/documents/{id}/collaborators', { params: { path: { id } } })),
  );
  const groups = useResource('groups', () => call(api.GET('/api/groups')));
  useTitle(doc.data ? `Sharing · ${doc.data.title}` : 'Sharing');

  const [revokeErrors, setRevokeErrors] = useState<string[]>([]);
  const [busyId, setBusyId] = useState<string | null>(null);

  const revoke = async (collaborator: Collaborator) => {
    setBusyId(collaborator.id);
    setRevokeErrors([]);
    try {
      if (collaborator.kind === 'user') {
        await call(
          api.DELETE('/api/documents/{id}/collaborators/users/{user_id}', {
            params: { path: { id, user_id: collaborator.id } },
          }),
        );
      } else {
        await call(
          api.DELETE('/api/documents/{id}/collaborators/groups/{group_id}', {
            params: { path: { id, group_id: collaborator.id } },
          }),
        );
      }
      people.reload();
    } catch (error) {
      setRevokeErrors([describeError(error)]);
    } finally {
      setBusyId(null);
    }
  };

  const canShare = doc.data?.permissions.share ?? false;

  return (
    <main>
      <p class="crumbs">
        <Link href={hrefFor({ name: 'document', id })}>← {doc.data?.title ?? 'Document'}</Link>
      </p>
      <h1>Sharing{doc.data ? `: ${doc.data.title}` : ''}</h1>
      {doc.state === 'failed' && <LoadError error={doc.error} />}
      {doc.data && !canShare && <Notice>Only the owner can change who has access to this document.</Notice>}

      <section aria-labelledby="collaborators-heading">
        <h2 id="collaborators-heading">People and groups with access</h2>
        {people.state === 'loading' && !people.data && <Loading what="collaborators" />}
        {people.state === 'failed' && doc.state !== 'failed' && <FormAlert messages={[describeError(people.error)]} />}
        <FormAlert messages={revokeErrors} />
        {people.data && (
          <table class="collaborators">
            <thead>
              <tr>
                <th scope="col">Who</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {people.data.collaborators.map((c) => (
                <tr key={`${c.kind}:${c.id}`} data-kind={c.kind} data-id={c.id} data-email={c.kind === 'user' ? c.email : undefined}>
                  <td>
                    {c.kind === 'user' ? (
                      <>
                        <strong>{c.name || c.email}</strong>
                        {c.id === identity.id && ' (you)'} <span class="muted">{c.email}</span>
                      </>
                    ) : (
                      <>
                        <strong>{c.name}</strong> <span class="muted">group</span>
                      </>
                    )}
                  </td>
                  <td class="role">{c.role}</td>
                  <td class="row-actions">
                    {canShare && c.role !== 'owner' && (
                      <button
                        type="button"
                        class="danger small"
                        disabled={busyId !== null}
                        onClick={() => void revoke(c)}
                        aria-label={`Revoke access for ${c.kind === 'user' ? c.email : c.name}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {canShare && (
        <ShareForm
          id={id}
          groups={groups.data?.items ?? []}
          groupsError={groups.state === 'failed' ? describeError(groups.error) : null}
          onShared={people.reload}
        />
      )}
    </main>
  );
}

function ShareForm(props: {
  id: string;
  groups: readonly GroupSummary[];
  groupsError: string | null;
  onShared: () => void;
}) {
  const [target, setTarget] = useState<'user' | 'group'>('user');
  const [email, setEmail] = useState('');
  const [groupId, setGroupId] = useState('');
  const [role, setRole] = useState<ShareRole>('viewer');
  const { errors, busy, handle } = useFormSubmit(['email', 'group_id', 'role']);
  const [done, setDone] = useState<string | null>(null);

  const chosenGroup = groupId !== '' ? groupId : (props.groups[0]?.id ?? '');

  const submit = handle(async () => {
    setDone(null);
    const body = target === 'user' ? { email, role } : { group_id: chosenGroup, role };
    await call(api.POST('/api/documents/{id}/collaborators', { params: { path: { id: props.id } }, body }));
    const who = target === 'user' ? email : (props.groups.find((g) => g.id === chosenGroup)?.name ?? 'the group');
    setDone(`Shared with ${who} as ${role}.`);
    setEmail('');
    props.onShared();
  });

  return (
    <section aria-labelledby="share-heading">
      <h2 id="share-heading">Share</h2>
      {done && <Notice kind="success">{done}</Notice>}
      <form id="share" onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id="share-alert" messages={errors.form} />
        <fieldset class="choice">
          <legend>With</legend>
          <label>
            <input
              type="radio"
              name="target"
              value="user"
              checked={target === 'user'}
              onChange={() => setTarget('user')}
            />{' '}
            a person
          </label>
          <label>
            <input
              type="radio"
              name="target"
              value="group"
              checked={target === 'group'}
              onChange={() => setTarget('group')}
            />{' '}
            a group
          </label>
        </fieldset>
        {target === 'user' ? (
          <Field
            form="share"
            name="email"
            label="Their email"
            type="email"
            required
            value={email}
            onInput={setEmail}
            errors={errors.fields.email}
          />
        ) : props.groups.length > 0 ? (
          <Select
            form="share"
            name="group_id"
            label="Group"
            value={chosenGroup}
            onChange={setGroupId}
            options={props.groups.map((g) => ({ value: g.id, label: g.name }))}
            errors={errors.fields.group_id}
          />
        ) : (
          <p class="muted">
            {props.groupsError ?? 'You are in no group yet.'}{' '}
            <Link href={hrefFor({ name: 'groups' })}>Create a group</Link>
          </p>
        )}
        <Select
          form="share"
          name="role"
          label="Role"
          value={role}
          onChange={(value) => setRole(value === 'editor' ? 'editor' : 'viewer')}
          options={ROLE_OPTIONS}
          errors={errors.fields.role}
        />
        <button type="submit" class="primary" disabled={busy || (target === 'group' && !chosenGroup)}>
          {busy ? 'Sharing…' : 'Share'}
        </button>
      </form>
    </section>
  );
}
