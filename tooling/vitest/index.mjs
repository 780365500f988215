// One Vitest config factory for the workspace: (backend, environment) -> config.
// Every package's vitest.config.ts is `export default createVitestConfig({ packageDir: import.meta.dirname })`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { viteTfjsGradients } from '@mdn/build/vite-tfjs-gradients';
import { defineConfig } from 'vitest/config';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * @param {{ packageDir: string, backend?: 'cpu', environment?: 'node', include?: string[], timeoutMs?: number }} options
 */
export function createVitestConfig({ packageDir, backend = 'cpu', environment = 'node', include, timeoutMs = 60_000 }) {
  if (environment !== 'node') throw new Error(`createVitestConfig: environment '${environment}' is not supported yet`);
  const setupFiles = { cpu: [path.join(here, 'setup-cpu.mjs')] }[backend];
  if (setupFiles === undefined) throw new Error(`createVitestConfig: unknown backend '${backend}'`);
  return defineConfig({
    root: packageDir,
    plugins: [viteTfjsGradients(packageDir)],
    test: {
      include: include ?? ['src/**/*.test.ts'],
      environment: 'node',
      setupFiles,
      // wasm and training tests take seconds on two shared cores; the 5 s default is too short.
      testTimeout: timeoutMs,
      hookTimeout: timeoutMs,
      env: { MDN_TEST_BACKEND: backend },
      // The JSON results feed `pnpm test:all`'s closing "N passed, N failed" line (tooling/scripts/test-summary.mjs).
      reporters: [
        'default',
        ['json', { outputFile: path.join(packageDir, '.test-results', `vitest-${backend}-${environment}.json`) }],
      ],
    },
  });
}
