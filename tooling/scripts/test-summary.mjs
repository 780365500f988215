#!/usr/bin/env node
// Sums the Vitest JSON results of every workspace package and prints one closing line, "N passed, N failed",
// with a line per package above it. Exits 1 when a test failed or when no test ran at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const group of ['packages', 'apps', 'tooling']) {
  const groupDir = path.join(root, group);
  if (!existsSync(groupDir)) continue;
  for (const name of readdirSync(groupDir)) {
    const resultsDir = path.join(groupDir, name, '.test-results');
    if (!existsSync(resultsDir)) continue;
    for (const file of readdirSync(resultsDir).filter((f) => f.startsWith('vitest-') && f.endsWith('.json'))) {
      const results = JSON.parse(readFileSync(path.join(resultsDir, file), 'utf8'));
      const p = results.numPassedTests ?? 0;
      const f = results.numFailedTests ?? 0;
      const s = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
      console.log(`${group}/${name} ${file.replace(/\.json$/, '')}: ${p} passed, ${f} failed, ${s} skipped`);
      passed += p;
      failed += f;
      skipped += s;
    }
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
