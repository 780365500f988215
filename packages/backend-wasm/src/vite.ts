/**
 * `@mdn/backend-wasm/vite`: a Vite plugin that makes `wasmBackend()` find its `.wasm` files with no path setup,
 * in `vite dev` and in a `vite build`, in pages and in Web Workers (module or classic):
 *
 *   import { mdnWasm } from '@mdn/backend-wasm/vite';
 *   export default defineConfig({ plugins: [mdnWasm()] });
 *
 * Every module of the app that imports `@mdn/backend-wasm` also imports a small virtual module that imports the
 * three `.wasm` builds of the installed `@tensorflow/tfjs-backend-wasm` with Vite's `?url` (so their version always
 * matches its JavaScript, and Vite serves them in dev, emits them as hashed assets in a build and writes URLs that
 * hold under any `base`, relative ones included, from a page or a worker) and hands those URLs to the adapter.
 * The plugin adds itself to the worker bundles (`worker.plugins`), which a build does not take from `plugins`.
 * With `crossOriginIsolation: true` it also serves dev and preview pages cross-origin isolated (COOP/COEP), which
 * browsers require before WebAssembly may use threads.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Plugin, PluginOption, UserConfig } from 'vite';

/** The `.wasm` builds of tfjs-backend-wasm: plain, SIMD, and threaded SIMD. */
export const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/** The global the adapter reads the files' URLs from (a map from file name to URL, or a URL prefix). */
export const WASM_PATH_GLOBAL = '__MDN_WASM_PATH__';

/** The virtual module that sets {@link WASM_PATH_GLOBAL}; imported by every app module that imports the adapter. */
export const WASM_PATHS_MODULE = 'virtual:mdn-wasm-paths';
const RESOLVED_WASM_PATHS_MODULE = `\0${WASM_PATHS_MODULE}`;

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

/** An import of the adapter: `from '@mdn/backend-wasm'`, `import '@mdn/backend-wasm'` or `import('@mdn/backend-wasm')`. */
const IMPORTS_ADAPTER = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])@mdn\/backend-wasm\1/;
const SCRIPT = /\.(?:[cm]?[jt]sx?|vue|svelte)(?:$|\?)/;

function plugin(options: MdnWasmOptions, inWorker: boolean): Plugin {
  const isolate = options.crossOriginIsolation ?? false;
  let directory = '';
  return {
    name: 'mdn-backend-wasm',
    config(config: UserConfig) {
      if (inWorker) return {};
      // A build bundles workers with `worker.plugins` only: add this plugin there too, after the user's own.
      const userWorkerPlugins = config.worker?.plugins;
      config.worker = {
        ...config.worker,
        plugins: () => {
          const user = typeof userWorkerPlugins === 'function' ? userWorkerPlugins() : (userWorkerPlugins ?? []);
          return [...(user as PluginOption[]), plugin(options, true)];
        },
      };
      return isolate ? { server: { headers: ISOLATION_HEADERS }, preview: { headers: ISOLATION_HEADERS } } : {};
    },
    configResolved(config) {
      directory = wasmDirectory(config.root);
    },
    configureServer(server) {
      // Dev fallback for code that reaches tfjs without an app module importing `@mdn/backend-wasm` (a test
      // runner, the adapter imported from another package): tfjs then asks for the files next to the page or
      // script, so answer any path that ends in a wasm file name.
      server.middlewares.use((request, response, next) => {
        const [pathname = '', query = ''] = (request.url ?? '').split('?');
        const file = WASM_FILES.find((name) => pathname.endsWith(`/${name}`));
        // Module requests (`?import&url` from the virtual module) are Vite's to answer: it sends their URL as JS.
        if (!file || /(?:^|&)(?:import|url)(?:&|=|$)/.test(query)) return next();
        response.setHeader('Content-Type', 'application/wasm');
        response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        response.end(readFileSync(path.join(directory, file)));
      });
    },
    resolveId(id) {
      return id === WASM_PATHS_MODULE ? RESOLVED_WASM_PATHS_MODULE : undefined;
    },
    load(id) {
      if (id !== RESOLVED_WASM_PATHS_MODULE) return undefined;
      const imports = WASM_FILES.map(
        (file, i) =>
          `import url${i} from ${JSON.stringify(`${path.join(directory, file).split(path.sep).join('/')}?url`)};`,
      );
      const entries = WASM_FILES.map((file, i) => `${JSON.stringify(file)}: new URL(url${i}, self.location.href).href`);
      return `${imports.join('\n')}\nglobalThis.${WASM_PATH_GLOBAL} = { ${entries.join(', ')} };\n`;
    },
    transform(code, id) {
      if (id.includes('/node_modules/') || id.startsWith('\0') || !SCRIPT.test(id) || !IMPORTS_ADAPTER.test(code)) {
        return undefined;
      }
      // Appended, not prepended: the positions of the module's own code (and so its source map) do not move, and
      // imports are hoisted, so the URLs are set before the module's body runs.
      return { code: `${code}\nimport ${JSON.stringify(WASM_PATHS_MODULE)};\n`, map: null };
    },
  };
}

/** The Vite plugin; see the module comment. */
export function mdnWasm(options: MdnWasmOptions = {}): Plugin {
  return plugin(options, false);
}
