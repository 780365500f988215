#!/usr/bin/env node
// Prints the backend × suite table of the conformance matrix from the adapters' Vitest JSON results
// (run `pnpm test:matrix`, which runs the adapter tests first). Exits 1 when a cell failed.
import { vitestResults } from './vitest-results.mjs';

const suites = ['mixture maths', 'nll gradients', 'fused kernels', 'training', 'save and load', 'no leaks'];
const rows = new Map();
const detected = new Map();
const initFailures = [];
const describe = (info) =>
  [
    `tfjs '${info.tfjsBackend}'`,
    info.simd === null ? null : info.simd ? 'SIMD' : 'no SIMD',
    `${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    `float${info.floatPrecision}`,
    info.fusedKernels?.length ? `fused: ${info.fusedKernels.join(', ')}` : null,
    ...(info.notes ?? []),
  ]
    .filter(Boolean)
    .join('; ');
for (const { name, environment, results } of vitestResults(['packages'])) {
  if (!name.startsWith('backend-')) continue;
  for (const testFile of results.testResults ?? []) {
    for (const assertion of testFile.assertionResults ?? []) {
      const [top, suite] = assertion.ancestorTitles ?? [];
      if (!top?.startsWith('conformance: ')) continue;
      const backend = `${top.slice('conformance: '.length)} (${environment})`;
      if (suite === undefined) {
        const info = assertion.meta?.backendInfo;
        if (info) detected.set(backend, describe(info));
        if (assertion.status === 'failed') initFailures.push(backend);
        continue;
      }
      const suiteName = suites.find((s) => suite?.startsWith(s)) ?? suite;
      const row = rows.get(backend) ?? {};
      const cell = row[suiteName] ?? { passed: 0, failed: 0, skipped: 0, note: '' };
      if (assertion.status === 'passed') cell.passed++;
      else if (assertion.status === 'failed') cell.failed++;
      else {
        cell.skipped++;
        cell.note = suite?.match(/\(excluded: (.*)\)$/)?.[1] ?? '';
      }
      row[suiteName] = cell;
      rows.set(backend, row);
    }
  }
}
if (rows.size === 0) {
  console.error('no conformance results found: run the adapters tests first (pnpm test:matrix does)');
  process.exit(1);
}
const width = Math.max(...[...rows.keys()].map((k) => k.length), 'backend'.length);
console.log(['backend'.padEnd(width), ...suites].join(' | '));
console.log(['-'.repeat(width), ...suites.map((s) => '-'.repeat(s.length))].join('-|-'));
let failed = 0;
for (const [backend, row] of [...rows.entries()].sort()) {
  const cells = suites.map((suite) => {
    const cell = row[suite];
    const text = !cell
      ? 'n/a'
      : cell.failed > 0
        ? `FAIL ${cell.failed}`
        : cell.skipped > 0
          ? cell.note
            ? 'excluded'
            : 'skipped'
          : `pass ${cell.passed}`;
    if (cell?.failed) failed += cell.failed;
    return text.padEnd(suite.length);
  });
  console.log([backend.padEnd(width), ...cells].join(' | '));
  for (const suite of suites) if (row[suite]?.note) console.log(`  ${backend} excludes '${suite}': ${row[suite].note}`);
  if (row['fused kernels']?.skipped && !row['fused kernels'].note) {
    console.log(`  ${backend} skips 'fused kernels': it registers none, so training runs the plain-op reference path`);
  }
}
console.log('\nWhat each backend detected:');
for (const backend of [...rows.keys()].sort()) console.log(`  ${backend}: ${detected.get(backend) ?? 'not reported'}`);
for (const backend of initFailures) console.log(`  ${backend}: FAILED to initialise`);
failed += initFailures.length;
process.exit(failed > 0 ? 1 : 0);
