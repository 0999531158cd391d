// Logs one person in from CONCURRENCY clients at once, for SECONDS, through the
// backend, and prints one line: completed logins per second, how many were shed
// (503) or failed otherwise, and the latency of the ones that completed.
//   node scripts/bench/logins.mjs BASE_URL EMAIL PASSWORD CONCURRENCY SECONDS
const [base, email, password, concurrency, seconds] = process.argv.slice(2);
const until = Date.now() + Number(seconds) * 1000;
const latencies = [];
const statuses = {};
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (Date.now() < until) {
      const started = performance.now();
      let status;
      try {
        const response = await fetch(`${base}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ identifier: email, password }),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = "error";
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 200) latencies.push(performance.now() - started);
      // A shed client waits as Retry-After (1 s) asks instead of hammering.
      else if (status === 503) await new Promise((r) => setTimeout(r, 1000));
    }
  }),
);
latencies.sort((a, b) => a - b);
const at = (q) => (latencies.length ? `${Math.round(latencies[Math.floor(q * (latencies.length - 1))])}ms` : "-");
const total = Object.values(statuses).reduce((a, b) => a + b, 0);
const ok = statuses[200] ?? 0;
const shed = statuses[503] ?? 0;
console.log(
  [(ok / Number(seconds)).toFixed(1), at(0.5), at(0.99), `${ok}/${total}`, shed, total - ok - shed].join(" "),
);
