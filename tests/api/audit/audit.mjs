// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Prints one JSON line per audit and a summary; exits 1 if any audit is an error or a warning (notices are MAYs).
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  counts[result.status] += 1;
  console.log(JSON.stringify({ id: audit.id, name: audit.name, status: result.status, reason: result.reason ?? null }));
}
console.log(JSON.stringify({ summary: counts }));
process.exit(counts.warn + counts.error ? 1 : 0);
