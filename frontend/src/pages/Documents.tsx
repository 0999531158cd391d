import { useEffect, useRef, useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { describeError } from '../api/problem';
import { useSession } from '../auth/session';
import { Field, FormAlert, Link, Loading, formatDate } from '../components/ui';
import { useFormSubmit, useResource, useTitle } from '../lib/hooks';
import { DEFAULT_PER_PAGE, MAX_SEARCH, pageCount, pageWindow, rangeLabel } from '../lib/pagination';
import { hrefFor, navigate, type Owner } from '../lib/router';

/** How long typing pauses before the search is asked for. */
export const SEARCH_DELAY_MS = 300;

const OWNERS: { owner: Owner | undefined; label: string }[] = [
  { owner: undefined, label: 'All' },
  { owner: 'me', label: 'Mine' },
  { owner: 'others', label: 'Shared with me' },
];

export function DocumentsPage({ page, q = '', owner }: { page: number; q?: string; owner?: Owner }) {
  useTitle('My documents');
  const { identity } = useSession();
  const searching = q.trim() !== '';
  const list = useResource(
    `documents:${page}:${owner ?? ''}:${q.trim()}`,
    () =>
      call(
        api.GET('/api/documents', {
          params: {
            query: { page, per_page: DEFAULT_PER_PAGE, ...(searching ? { q } : {}), ...(owner ? { owner } : {}) },
          },
        }),
      ),
    searching,
  );

  const data = list.data;
  const pages = data ? pageCount(data.total, data.per_page) : 1;
  const at = (n: number) => hrefFor({ name: 'documents', page: n, ...(q ? { q } : {}), ...(owner ? { owner } : {}) });

  return (
    <main>
      <div class="page-head">
        <h1>My documents</h1>
        <Link class="button primary" href={hrefFor({ name: 'new-document' })}>
          New document
        </Link>
      </div>
      <div class="list-tools">
        <SearchBox q={q} owner={owner} />
        <nav class="owner-filter" aria-label="Whose documents">
          {OWNERS.map((choice) => (
            <Link
              key={choice.label}
              href={hrefFor({ name: 'documents', page: 1, ...(q ? { q } : {}), ...(choice.owner ? { owner: choice.owner } : {}) })}
              aria-current={choice.owner === owner ? 'page' : undefined}
            >
              {choice.label}
            </Link>
          ))}
        </nav>
      </div>
      {list.state === 'failed' && (
        <FormAlert messages={[describeError(list.error)]} />
      )}
      {!data && list.state === 'loading' && <Loading what="your documents" />}
      {data && (
        <>
          {data.items.length === 0 ? (
            data.total === 0 ? (
              <p class="empty">{emptyText(q.trim(), owner)}</p>
            ) : (
              <p class="empty">
                Nothing on page {page}. <Link href={at(pages)}>Go to the last page</Link>.
              </p>
            )
          ) : (
            <ul class="doc-list" aria-busy={list.state === 'loading'}>
              {data.items.map((doc) => (
                <li key={doc.id} class="doc-item" data-id={doc.id}>
                  <Link class="doc-title" href={hrefFor({ name: 'document', id: doc.id })}>
                    {doc.title}
                  </Link>
                  <span class="doc-meta">
                    {doc.owner_id === identity.id ? 'Yours' : 'Shared with you'} · updated {formatDate(doc.updated_at)}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <Pager
            page={page}
            pages={pages}
            at={at}
            label={rangeLabel(page, data.per_page, data.total, data.items.length, searching)}
          />
        </>
      )}
    </main>
  );
}

/** What an empty list says, for what it keeps. */
export function emptyText(q: string, owner: Owner | undefined): string {
  const whose = owner === 'me' ? 'of yours' : owner === 'others' ? 'shared with you' : 'you can see';
  if (q !== '') return `No document ${whose} has “${q}” in its title.`;
  if (owner === 'me') return 'You have no documents of your own yet. Create one.';
  if (owner === 'others') return 'Nobody has shared a document with you yet.';
  return 'No documents yet. Create one, or ask someone to share one with you.';
}

/**
 * Searches titles as the person types: the address follows (page 1, replacing
 * the entry, so Back leaves the list rather than stepping through keystrokes)
 * once typing pauses. What is typed stays as typed; the server trims it.
 */
function SearchBox({ q, owner }: { q: string; owner: Owner | undefined }) {
  const [text, setText] = useState(q);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Back and forward change `q` under the box.
  useEffect(() => setText(q), [q]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const go = (value: string) => {
    clearTimeout(timer.current);
    if (value === q) return;
    navigate(hrefFor({ name: 'documents', page: 1, ...(value ? { q: value } : {}), ...(owner ? { owner } : {}) }), {
      replace: true,
    });
  };
  return (
    <form
      class="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        go(text);
      }}
    >
      <label for="documents-search">Search titles</label>
      <input
        id="documents-search"
        type="search"
        name="q"
        value={text}
        maxLength={MAX_SEARCH}
        autoComplete="off"
        onInput={(event) => {
          const value = event.currentTarget.value;
          setText(value);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => go(value), SEARCH_DELAY_MS);
        }}
      />
    </form>
  );
}

function Pager({ page, pages, at, label }: { page: number; pages: number; at: (page: number) => string; label: string }) {
  return (
    <nav class="pager" aria-label="Pages">
      <span class="pager-range">{label}</span>
      {pages > 1 && (
        <ul>
          <li>
            {page > 1 ? (
              <Link href={at(page - 1)} rel="prev">
                ← Previous
              </Link>
            ) : (
              <span class="disabled">← Previous</span>
            )}
          </li>
          {pageWindow(page, pages).map((item, index) =>
            item === 'gap' ? (
              <li key={`gap-${index}`} class="gap">
                …
              </li>
            ) : (
              <li key={item}>
                {item === page ? (
                  <span aria-current="page" class="current">
                    {item}
                  </span>
                ) : (
                  <Link href={at(item)}>{item}</Link>
                )}
              </li>
            ),
          )}
          <li>
            {page < pages ? (
              <Link href={at(page + 1)} rel="next">
                Next →
              </Link>
            ) : (
              <span class="disabled">Next →</span>
            )}
          </li>
        </ul>
      )}
    </nav>
  );
}

export function NewDocumentPage() {
  useTitle('New document');
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const { errors, busy, handle } = useFormSubmit(['title', 'body']);

  const submit = handle(async () => {
    const created = await call(api.POST('/api/documents', { body: { title, body } }));
    navigate(hrefFor({ name: 'document', id: created.id }), { replace: true });
  });

  return (
    <main>
      <p class="crumbs">
        <Link href={hrefFor({ name: 'documents', page: 1 })}>← My documents</Link>
      </p>
      <h1>New document</h1>
      <form id="new-document" onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert messages={errors.form} />
        <Field
          form="new-document"
          name="title"
          label="Title"
          required
          maxLength={200}
          value={title}
          onInput={setTitle}
          errors={errors.fields.title}
        />
        <Field
          form="new-document"
          name="body"
          label="Body"
          multiline
          value={body}
          onInput={setBody}
          errors={errors.fields.body}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create'}
        </button>
      </form>
    </main>
  );
}
