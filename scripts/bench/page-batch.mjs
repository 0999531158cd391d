// Prints the batch check the backend sends Keto for a reader's first page of 100:
// for each document, the relation the access index names (`owners` for their own,
// `viewers` for the rest, as seed.mjs shares them), for the bench's Keto floor.
//   node scripts/bench/page-batch.mjs BASE_URL TOKEN   → {"tuples": [...]}
const [base, token] = process.argv.slice(2);
const get = async (path) => {
  const response = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return response.json();
};
const { identity } = await get("/api/auth/session");
const { items } = await get("/api/documents?per_page=100");
const subject_set = { namespace: "User", object: identity.id, relation: "" };
const tuples = items.map((document) => ({
  namespace: "Document",
  object: document.id,
  relation: document.owner_id === identity.id ? "owners" : "viewers",
  subject_set,
}));
console.log(JSON.stringify({ tuples }));
