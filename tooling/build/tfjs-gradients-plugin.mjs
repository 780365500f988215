// An esbuild plugin that lets a package bundle tfjs-core's gradient registrations
// (`@tensorflow/tfjs-core/dist/register_all_gradients`) without bundling a second copy of tfjs-core.
//
// Why: tfjs-core registers no gradients by itself, and its gradient files are extension-less ESM that
// plain Node cannot load. We bundle those files, and rewrite every import they make of tfjs-core
// internals to the public `@tensorflow/tfjs-core` entry (left external), so the engine, the kernel
// registry and the tensor class stay the single copy that the user's backend registered into.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/** @param {string} fromDir directory whose node_modules resolution decides which tfjs-core is used */
export function tfjsGradientsPlugin(fromDir) {
  const requireFrom = createRequire(path.join(fromDir, 'noop.js'));
  const coreDir = path.dirname(requireFrom.resolve('@tensorflow/tfjs-core/package.json'));
  const distDir = path.join(coreDir, 'dist') + path.sep;
  const tf = requireFrom('@tensorflow/tfjs-core');
  const publicNames = new Set(Object.keys(tf));
  const namespaces = ['broadcast_util', 'slice_util', 'util', 'backend_util'];
  let counter = 0;

  const rewrite = (source) =>
    source.replace(/import\s*\{([^}]*)\}\s*from\s*'([^']+)';/g, (statement, names, specifier) => {
      if (!specifier.startsWith('.')) return statement;
      const list = names
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((entry) => {
          const [imported, local = imported] = entry.split(/\s+as\s+/);
          return { imported, local };
        });
      if (list.every(({ imported }) => publicNames.has(imported))) {
        return `import {${names}} from '@tensorflow/tfjs-core';`;
      }
      if (list.length === 1 && list[0].imported === 'ENGINE') {
        const id = `__tfjs_engine_${counter++}`;
        return `import { engine as ${id} } from '@tensorflow/tfjs-core'; const ${list[0].local} = ${id}();`;
      }
      if (list.length === 1 && list[0].imported === 'convertToTensor') {
        const id = `__tfjs_${counter++}`;
        return `import { Tensor as ${id}T, tensor as ${id}t } from '@tensorflow/tfjs-core'; const ${list[0].local} = (x) => (x instanceof ${id}T ? x : ${id}t(x));`;
      }
      const base = path.basename(specifier);
      const ordered = [...namespaces.filter((n) => n === base), ...namespaces];
      const ns = ordered.find((n) => list.every(({ imported }) => tf[n] && imported in tf[n]));
      if (ns !== undefined) {
        const id = `__tfjs_${ns}_${counter++}`;
        const pattern = list.map(({ imported, local }) => (imported === local ? imported : `${imported}: ${local}`));
        return `import { ${ns} as ${id} } from '@tensorflow/tfjs-core'; const { ${pattern.join(', ')} } = ${id};`;
      }
      return statement;
    });

  return {
    name: 'tfjs-gradients',
    setup(build) {
      build.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(distDir)) return undefined;
        const source = await readFile(args.path, 'utf8');
        return { contents: rewrite(source), loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

export const gradientsEntry = '@tensorflow/tfjs-core/dist/register_all_gradients';
