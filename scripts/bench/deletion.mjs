// Deletes a reader's account through the API and times it: the answer, then the
// purge that runs after it (scripts/bench.sh, "account deletion"). The purge is
// done when Keto holds no tuple naming the person in any of our namespaces, the
// last of its Keto steps.
//   node scripts/bench/deletion.mjs BASE_URL KETO_READ_URL TOKEN PASSWORD
//   → "<owned documents> <owned groups> <tuples naming them> <answer ms> <purge s>"
const [base, keto, token, password] = process.argv.slice(2);

async function api(path, { method = "GET", body } = {}) {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

/** Every tuple in `namespace` whose subject is the person, optionally with `relation`. */
async function naming(namespace, id, relation) {
  let count = 0;
  let page = "";
  do {
    const query = new URLSearchParams({
      namespace,
      "subject_set.namespace": "User",
      "subject_set.object": id,
      "subject_set.relation": "",
      page_size: "1000",
      ...(relation ? { relation } : {}),
      ...(page ? { page_token: page } : {}),
    });
    const response = await fetch(`${keto}/relation-tuples?${query}`);
    if (!response.ok) throw new Error(`Keto list: ${response.status}`);
    const body = await response.json();
    count += body.relation_tuples.length;
    page = body.next_page_token;
  } while (page);
  return count;
}

const everything = async (id) =>
  (await Promise.all(["Document", "Group", "App"].map((namespace) => naming(namespace, id)))).reduce((a, b) => a + b);

// Deleting an account needs a recent login; the reader's is from the seeding.
await api("/api/auth/reauthenticate", { method: "POST", body: { password } });
const { identity } = await api("/api/auth/session");
const documents = await naming("Document", identity.id, "owners");
const groups = await naming("Group", identity.id, "owners");
const tuples = await everything(identity.id);

const started = performance.now();
await api("/api/account", { method: "DELETE" });
const answered = performance.now();
while ((await everything(identity.id)) > 0) {
  if (performance.now() - started > 600_000) throw new Error("the purge did not finish within 10 minutes");
  await new Promise((r) => setTimeout(r, 100));
}
const purged = performance.now();
console.log(documents, groups, tuples, Math.round(answered - started), ((purged - started) / 1000).toFixed(1));
