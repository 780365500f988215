#!/usr/bin/env node
// Builds one published package: esbuild bundles src/ into dist/ (ESM, external dependencies, tfjs-core
// gradients inlined through the rewrite plugin), then tsc writes the declaration files.
// Usage (from the package directory): node ../../tooling/build/build-package.mjs [entry ...]
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { tfjsGradientsPlugin } from './tfjs-gradients-plugin.mjs';

const cwd = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8'));
const entries = process.argv.slice(2);
const entryPoints = entries.length > 0 ? entries : ['src/index.ts'];
const external = [
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
].filter((name) => name !== '@tensorflow/tfjs-core');
// Keep subpath imports of externals external too (for example `@tensorflow/tfjs-backend-wasm/dist/...`).
const externalPatterns = external.flatMap((name) => [name, `${name}/*`]);
const hasTfjsCore = pkg.dependencies?.['@tensorflow/tfjs-core'] || pkg.peerDependencies?.['@tensorflow/tfjs-core'];

// Each entry point stays its own output file: an import of one entry from another is left as an import
// (so a side-effect-only entry such as the gradient registration is listed precisely in "sideEffects").
const entryFiles = new Set(entryPoints.map((entry) => path.resolve(cwd, entry)));
const keepEntriesSeparate = {
  name: 'keep-entries-separate',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const target = path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      if (!entryFiles.has(target) || target === args.importer) return undefined;
      const fromOutput = path.relative(path.join(cwd, 'src'), target).replace(/\.ts$/, '.js');
      return { path: `./${fromOutput.split(path.sep).join('/')}`, external: true };
    });
  },
};

rmSync(path.join(cwd, 'dist'), { recursive: true, force: true });
await esbuild.build({
  entryPoints,
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  format: 'esm',
  // Entry points share modules (and module state, such as the active backend) through common chunks.
  splitting: true,
  // Chunks sit beside the root entries: the imports keepEntriesSeparate writes are relative to dist/.
  chunkNames: '[name]-[hash]',
  platform: pkg.mdnPlatform ?? 'neutral',
  target: 'es2022',
  mainFields: ['module', 'main'],
  // No source maps: they would point at src/, which the tarballs do not ship.
  sourcemap: false,
  external: [...externalPatterns, 'node:*'],
  plugins: [keepEntriesSeparate, ...(hasTfjsCore ? [tfjsGradientsPlugin(cwd)] : [])],
  logLevel: 'warning',
});
// Declarations for libraries only: a package without "types" (the CLI: a bin) ships none.
if (pkg.types !== undefined) {
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc', { paths: [cwd] });
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd });
  // A side-effect-only import (`import '@tensorflow/tfjs-core/dist/register_all_gradients';`) carries no types, and
  // a deep path into a dependency does not resolve for consumers under node16/nodenext with skipLibCheck false
  // (TS2307): the declarations drop them.
  const dist = path.join(cwd, 'dist');
  for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.d.ts')) continue;
    const full = path.join(dist, file);
    const text = readFileSync(full, 'utf8');
    const stripped = text.replace(/^import\s+(['"])[^'"]+\1;?[ \t]*\r?\n/gm, '');
    if (stripped !== text) writeFileSync(full, stripped.trim() === '' ? 'export {};\n' : stripped);
  }
}
