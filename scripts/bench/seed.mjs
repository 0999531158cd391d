// Seeds the people the benchmark lists for: each sees `count` documents, a third
// their own, a third shared with them directly, a third shared with a group they
// belong to. Everything goes through the API, as a client would write it.
//   node scripts/bench/seed.mjs BASE_URL COUNT...   → one JSON line per count:
//   {"count":…, "token":…, "document":…, "sharer":…, "group":…} (the reader's token and
//   a document they own; the sharer's token and the group they share a third with)
const [base, ...counts] = process.argv.slice(2);
const CONCURRENCY = 8;
const PASSWORD = "a quiet evening walk 42";

async function api(path, { token, body, method } = {}) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(base + path, {
      method: method ?? (body ? "POST" : "GET"),
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (response.ok) return text ? JSON.parse(text) : null;
    // Registration goes through the password gate; wait as Retry-After says.
    if (response.status === 503 && attempt < 20) {
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    throw new Error(`${method ?? "POST"} ${path}: ${response.status} ${text}`);
  }
}

async function person(name) {
  const email = `bench-${name}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const body = await api("/api/auth/registration", { body: { email, name, password: PASSWORD } });
  return { email, token: body.session_token };
}

async function pool(n, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

for (const count of counts.map(Number)) {
  const reader = await person("Reader");
  const sharer = await person("Sharer");
  const group = await api("/api/groups", { token: sharer.token, body: { name: "Readers" } });
  await api(`/api/groups/${group.id}/members`, { token: sharer.token, body: { email: reader.email } });
  let last;
  await pool(count, async (i) => {
    const title = `document ${i}`;
    switch (i % 3) {
      case 0:
        last = (await api("/api/documents", { token: reader.token, body: { title, body: "text" } })).id;
        break;
      case 1: {
        const { id } = await api("/api/documents", { token: sharer.token, body: { title, body: "text" } });
        await api(`/api/documents/${id}/collaborators`, {
          token: sharer.token,
          body: { email: reader.email, role: "viewer" },
        });
        break;
      }
      default: {
        const { id } = await api("/api/documents", { token: sharer.token, body: { title, body: "text" } });
        await api(`/api/documents/${id}/collaborators`, {
          token: sharer.token,
          body: { group_id: group.id, role: "viewer" },
        });
      }
    }
  });
  const page = await api("/api/documents?per_page=1", { token: reader.token });
  if (page.total !== count) throw new Error(`the reader sees ${page.total} documents, not ${count}`);
  console.log(JSON.stringify({ count, token: reader.token, document: last, sharer: sharer.token, group: group.id }));
}
