/**
 * `@mdn/backend-wasm/vite`: a Vite plugin that makes `wasmBackend()` find its `.wasm` files with no path setup,
 * in `vite dev` and in a `vite build`:
 *
 *   import { mdnWasm } from '@mdn/backend-wasm/vite';
 *   export default defineConfig({ plugins: [mdnWasm()] });
 *
 * It copies the three `.wasm` builds of the installed `@tensorflow/tfjs-backend-wasm` (so their version always
 * matches its JavaScript) to the root of the build output and serves them in dev, and tells the adapter where
 * they are. With `crossOriginIsolation: true` it also serves dev and preview pages cross-origin isolated
 * (COOP/COEP), which browsers require before WebAssembly may use threads.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Plugin } from 'vite';

/** The `.wasm` builds of tfjs-backend-wasm: plain, SIMD, and threaded SIMD. */
export const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/** The global the adapter reads the serving path from (set by the plugin in each page's head). */
export const WASM_PATH_GLOBAL = '__MDN_WASM_PATH__';

/** Options for {@link mdnWasm}. */
export interface MdnWasmOptions {
  /**
   * Serve dev and preview pages with COOP/COEP headers so wasm may use threads (with `wasmBackend({ threads })`).
   * Default false: isolation blocks cross-origin images, fonts and frames that lack CORP headers, and popups.
   */
  crossOriginIsolation?: boolean;
}

/** The folder holding the installed tfjs-backend-wasm's `.wasm` files, resolved from the project first. */
export function wasmDirectory(root: string): string {
  for (const from of [path.join(root, 'package.json'), import.meta.url]) {
    try {
      const manifest = createRequire(from).resolve('@tensorflow/tfjs-backend-wasm/package.json');
      return path.join(path.dirname(manifest), 'dist');
    } catch {
      // try the next place
    }
  }
  throw new Error(
    '@mdn/backend-wasm/vite: cannot find @tensorflow/tfjs-backend-wasm; install it (npm install @tensorflow/tfjs-backend-wasm)',
  );
}

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The Vite plugin; see the module comment. */
export function mdnWasm(options: MdnWasmOptions = {}): Plugin {
  const isolate = options.crossOriginIsolation ?? false;
  let base = '/';
  let directory = '';
  const read = (file: string) => readFileSync(path.join(directory, file));
  return {
    name: 'mdn-backend-wasm',
    config() {
      return isolate ? { server: { headers: ISOLATION_HEADERS }, preview: { headers: ISOLATION_HEADERS } } : {};
    },
    configResolved(config) {
      base = config.base;
      directory = wasmDirectory(config.root);
    },
    configureServer(server) {
      // Any path ending in a wasm file name: pages at nested paths (and test runners) resolve it relative to themselves.
      server.middlewares.use((request, response, next) => {
        const pathname = (request.url ?? '').split('?')[0] ?? '';
        const file = WASM_FILES.find((name) => pathname.endsWith(`/${name}`));
        if (!file) return next();
        response.setHeader('Content-Type', 'application/wasm');
        response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        response.end(read(file));
      });
    },
    transformIndexHtml() {
      return [
        {
          tag: 'script',
          children: `globalThis.${WASM_PATH_GLOBAL} = ${JSON.stringify(base)};`,
          injectTo: 'head-prepend',
        },
      ];
    },
    generateBundle() {
      for (const file of WASM_FILES) this.emitFile({ type: 'asset', fileName: file, source: read(file) });
    },
  };
}
