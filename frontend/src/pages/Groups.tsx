import { useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { ApiError, describeError } from '../api/problem';
import type { GroupView, Member } from '../api/types';
import { useSession } from '../auth/session';
import { Field, FormAlert, Link, Loading, Notice, formatDate } from '../components/ui';
import { useFormSubmit, useResource, useTitle } from '../lib/hooks';
import { hrefFor, navigate } from '../lib/router';

export function GroupsPage() {
  useTitle('Groups');
  const groups = useResource('groups', () => call(api.GET('/api/groups')));
  const [name, setName] = useState('');
  const { errors, busy, handle } = useFormSubmit(['name']);

  const create = handle(async () => {
    await call(api.POST('/api/groups', { body: { name } }));
    setName('');
    groups.reload();
  });

  return (
    <main>
      <h1>Groups</h1>
      <p class="muted">Share a document with a group to give all its members the same role.</p>
      <section aria-labelledby="my-groups-heading">
        <h2 id="my-groups-heading">My groups</h2>
        {groups.state === 'failed' && <FormAlert messages={[describeError(groups.error)]} />}
        {groups.state === 'loading' && !groups.data && <Loading what="your groups" />}
        {groups.data &&
          (groups.data.items.length === 0 ? (
            <p class="empty">You are in no group yet.</p>
          ) : (
            <ul class="group-list">
              {groups.data.items.map((group) => (
                <li key={group.id} data-id={group.id}>
                  <Link href={hrefFor({ name: 'group', id: group.id })}>{group.name}</Link>{' '}
                  <span class="muted">
                    {group.role === 'owner' ? 'owner' : 'member'} · since {formatDate(group.created_at)}
                  </span>
                </li>
              ))}
            </ul>
          ))}
      </section>
      <section aria-labelledby="new-group-heading">
        <h2 id="new-group-heading">New group</h2>
        <form id="new-group" onSubmit={(event) => void create(event)} noValidate class="inline-form">
          <FormAlert messages={errors.form} />
          <Field
            form="new-group"
            name="name"
            label="Name"
            required
            maxLength={100}
            value={name}
            onInput={setName}
            errors={errors.fields.name}
          />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create group'}
          </button>
        </form>
      </section>
    </main>
  );
}

export function GroupPage({ id }: { id: string }) {
  const group = useResource(`group:${id}`, () => call(api.GET('/api/groups/{id}', { params: { path: { id } } })));
  useTitle(group.data?.name ?? 'Group');

  return (
    <main>
      <p class="crumbs">
        <Link href={hrefFor({ name: 'groups' })}>← Groups</Link>
      </p>
      {group.state === 'loading' && !group.data && <Loading what="the group" />}
      {group.state === 'failed' &&
        (group.error instanceof ApiError && group.error.status === 404 ? (
          <div class="alert alert--error" role="alert">
            <p>This group does not exist, or you are not one of its members.</p>
          </div>
        ) : (
          <FormAlert messages={[describeError(group.error)]} />
        ))}
      {group.data && <GroupDetails group={group.data} reload={group.reload} />}
    </main>
  );
}

function GroupDetails({ group, reload }: { group: GroupView; reload: () => void }) {
  const { identity } = useSession();
  const isOwner = group.owner_id === identity.id;
  const [email, setEmail] = useState('');
  const [actionErrors, setActionErrors] = useState<string[]>([]);
  const { errors, busy, setBusy, handle } = useFormSubmit(['email']);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const add = handle(async () => {
    await call(api.POST('/api/groups/{id}/members', { params: { path: { id: group.id } }, body: { email } }));
    setEmail('');
    reload();
  });

  const removeMember = async (member: Member) => {
    setBusy(true);
    setActionErrors([]);
    try {
      await call(
        api.DELETE('/api/groups/{id}/members/{user_id}', { params: { path: { id: group.id, user_id: member.id } } }),
      );
      reload();
    } catch (error) {
      setActionErrors([describeError(error)]);
    } finally {
      setBusy(false);
    }
  };

  const removeGroup = async () => {
    setBusy(true);
    setActionErrors([]);
    try {
      await call(api.DELETE('/api/groups/{id}', { params: { path: { id: group.id } } }));
      navigate(hrefFor({ name: 'groups' }), { replace: true });
    } catch (error) {
      setActionErrors([describeError(error)]);
      setBusy(false);
      setConfirmDelete(false);
    }
  };

  return (
    <article class="group">
      <div class="page-head">
        <h1>{group.name}</h1>
        {isOwner && !confirmDelete && (
          <div class="actions">
            <button type="button" class="danger" disabled={busy} onClick={() => setConfirmDelete(true)}>
              Delete group
            </button>
          </div>
        )}
      </div>
      {confirmDelete && (
        <div class="confirm" role="alertdialog" aria-labelledby="confirm-group-delete">
          <p id="confirm-group-delete">
            Delete the group “{group.name}”? Documents shared with it are no longer shared with its members.
          </p>
          <button type="button" class="danger" disabled={busy} onClick={() => void removeGroup()}>
            Yes, delete it
          </button>
          <button type="button" disabled={busy} onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
        </div>
      )}
      <FormAlert messages={actionErrors} />
      {!isOwner && <Notice>Only the group’s owner can add or remove members.</Notice>}
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <table class="members">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {group.members.map((member) => (
              <tr key={member.id} data-id={member.id} data-email={member.email}>
                <td>
                  {member.name}
                  {member.id === identity.id && ' (you)'}
                </td>
                <td>{member.email}</td>
                <td class="role">{member.role}</td>
                <td class="row-actions">
                  {isOwner && member.role !== 'owner' && (
                    <button
                      type="button"
                      class="danger small"
                      disabled={busy}
                      onClick={() => void removeMember(member)}
                      aria-label={`Remove ${member.email}`}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {isOwner && (
        <section aria-labelledby="add-member-heading">
          <h2 id="add-member-heading">Add a member</h2>
          <form id="add-member" onSubmit={(event) => void add(event)} noValidate class="inline-form">
            <FormAlert messages={errors.form} />
            <Field
              form="add-member"
              name="email"
              label="Their email"
              type="email"
              required
              value={email}
              onInput={setEmail}
              errors={errors.fields.email}
            />
            <button type="submit" class="primary" disabled={busy}>
              Add
            </button>
          </form>
        </section>
      )}
    </article>
  );
}
