import type { PluginOption } from 'vite';
import type { UserConfig } from 'vitest/config';

export interface VitestConfigOptions {
  /** Directory of the package under test (use `import.meta.dirname`). */
  packageDir: string;
  /** The backend the test setup selects before each file (adapters switch in their own suites). */
  backend?: 'cpu';
  /**
   * Where the tests run: 'node', or 'browser' (headless Debian Chromium through Playwright, files named
   * `*.browser.test.ts`; results labelled 'chromium').
   */
  environment?: 'node' | 'browser';
  /** Test file globs, relative to the package. Default `src/**\/*.test.ts` (node) or `src/**\/*.browser.test.ts`. */
  include?: string[];
  /** Per-test and per-hook timeout in milliseconds. Default 60 000. */
  timeoutMs?: number;
  /** Extra setup files, relative to the package, run after the backend setup. */
  setupFiles?: string[];
  /** Extra Vite plugins (for example the wasm-file plugin of @mdn/backend-wasm). */
  plugins?: PluginOption[];
}

export function createVitestConfig(options: VitestConfigOptions): UserConfig;
