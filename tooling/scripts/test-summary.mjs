#!/usr/bin/env node
// Sums the Vitest JSON results of every workspace package and prints one closing line, "N passed, N failed",
// with a line per package above it. Exits 1 when a test failed or when no test ran at all.
import { vitestResults } from './vitest-results.mjs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const { group, name, label, results } of vitestResults()) {
  const p = results.numPassedTests ?? 0;
  const f = results.numFailedTests ?? 0;
  const s = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
  console.log(`${name ? `${group}/${name}` : group} ${label}: ${p} passed, ${f} failed, ${s} skipped`);
  passed += p;
  failed += f;
  skipped += s;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
