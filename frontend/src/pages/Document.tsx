import { useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { ApiError, describeError } from '../api/problem';
import type { DocumentView } from '../api/types';
import { Field, FormAlert, Link, Loading, Notice, formatDate } from '../components/ui';
import { useFormSubmit, useResource, useTitle } from '../lib/hooks';
import { hrefFor, navigate } from '../lib/router';

export function DocumentPage({ id }: { id: string }) {
  const doc = useResource(`document:${id}`, () =>
    call(api.GET('/api/documents/{id}', { params: { path: { id } } })),
  );
  useTitle(doc.data?.title ?? 'Document');

  return (
    <main>
      <p class="crumbs">
        <Link href={hrefFor({ name: 'documents', page: 1 })}>← My documents</Link>
      </p>
      {doc.state === 'loading' && !doc.data && <Loading what="the document" />}
      {doc.state === 'failed' && <LoadError error={doc.error} />}
      {doc.data && <DocumentEditor key={doc.data.id} initial={doc.data} />}
    </main>
  );
}

export function LoadError({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 404) {
    return (
      <div class="alert alert--error" role="alert">
        <p>This document does not exist, or you no longer have access to it.</p>
      </div>
    );
  }
  return <FormAlert messages={[describeError(error)]} />;
}

function DocumentEditor({ initial }: { initial: DocumentView }) {
  const [doc, setDoc] = useState(initial);
  const [title, setTitle] = useState(initial.title);
  const [body, setBody] = useState(initial.body);
  const { errors, busy, setBusy, handle } = useFormSubmit(['title', 'body']);
  const [saved, setSaved] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleteError, setDeleteError] = useState<string[]>([]);

  const { edit, share, delete: canDelete } = doc.permissions;
  const dirty = title !== doc.title || body !== doc.body;

  // The form goes to the API even if someone re-enables it in the page: the
  // server decides, and its 403 is shown like any other error.
  const save = handle(async () => {
    setSaved(false);
    const changes: { title?: string; body?: string } = {};
    if (title !== doc.title) changes.title = title;
    if (body !== doc.body) changes.body = body;
    if (changes.title === undefined && changes.body === undefined) changes.title = title;
    const updated = await call(api.PATCH('/api/documents/{id}', { params: { path: { id: doc.id } }, body: changes }));
    setDoc(updated);
    setTitle(updated.title);
    setBody(updated.body);
    setSaved(true);
  });

  const remove = async () => {
    setBusy(true);
    setDeleteError([]);
    try {
      await call(api.DELETE('/api/documents/{id}', { params: { path: { id: doc.id } } }));
      navigate(hrefFor({ name: 'documents', page: 1 }), { replace: true });
    } catch (error) {
      setDeleteError([describeError(error)]);
      setBusy(false);
      setConfirmDelete(false);
    }
  };

  return (
    <article class="document" data-can-edit={String(edit)}>
      <div class="page-head">
        <h1 id="document-heading">{doc.title}</h1>
        <div class="actions">
          {share && (
            <Link class="button" href={hrefFor({ name: 'sharing', id: doc.id })}>
              Sharing
            </Link>
          )}
          {canDelete && !confirmDelete && (
            <button type="button" class="danger" onClick={() => setConfirmDelete(true)} disabled={busy}>
              Delete
            </button>
          )}
        </div>
      </div>
      <p class="doc-meta">
        Created {formatDate(doc.created_at)} · updated {formatDate(doc.updated_at)}
      </p>
      {confirmDelete && (
        <div class="confirm" role="alertdialog" aria-labelledby="confirm-delete-text">
          <p id="confirm-delete-text">Delete “{doc.title}” for everyone it is shared with? This cannot be undone.</p>
          <button type="button" class="danger" onClick={() => void remove()} disabled={busy}>
            Yes, delete it
          </button>
          <button type="button" onClick={() => setConfirmDelete(false)} disabled={busy}>
            Cancel
          </button>
        </div>
      )}
      <FormAlert messages={deleteError} />
      {!edit && (
        <Notice>You can read this document. Only its owner and editors can change it.</Notice>
      )}
      {saved && !dirty && <Notice kind="success">Saved.</Notice>}
      <form id="document" onSubmit={(event) => void save(event)} noValidate>
        <FormAlert id="document-alert" messages={errors.form} />
        <fieldset disabled={!edit} class="plain">
          <legend class="visually-hidden">Edit the document</legend>
          <Field
            form="document"
            name="title"
            label="Title"
            required
            maxLength={200}
            value={title}
            onInput={setTitle}
            errors={errors.fields.title}
          />
          <Field
            form="document"
            name="body"
            label="Body"
            multiline
            rows={16}
            value={body}
            onInput={setBody}
            errors={errors.fields.body}
          />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </fieldset>
      </form>
    </article>
  );
}
