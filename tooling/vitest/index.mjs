// One Vitest config factory for the workspace: (backend, environment) -> config.
// Every package's vitest.config.ts is `export default createVitestConfig({ packageDir: import.meta.dirname })`;
// browser runs add `environment: 'browser'` (headless Chromium through Playwright; see chromium.mjs).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { viteTfjsGradients } from '@mdn/build/vite-tfjs-gradients';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, chromiumExecutable } from './chromium.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The fast-check seed: fixed in CI (FC_SEED overrides it), random locally. */
function propertySeed() {
  return process.env.CI || process.env.FC_SEED ? Number(process.env.FC_SEED ?? 20261125) : undefined;
}

/**
 * @param {import('./index.d.mts').VitestConfigOptions} options
 */
export function createVitestConfig({
  packageDir,
  backend = 'cpu',
  environment = 'node',
  include,
  timeoutMs = 60_000,
  plugins = [],
  setupFiles = [],
}) {
  if (backend !== 'cpu') throw new Error(`createVitestConfig: unknown backend '${backend}'`);
  if (environment !== 'node' && environment !== 'browser') {
    throw new Error(`createVitestConfig: environment '${environment}' is not one of node, browser`);
  }
  const label = environment === 'browser' ? 'chromium' : 'node';
  const test = {
    include: include ?? [environment === 'browser' ? 'src/**/*.browser.test.ts' : 'src/**/*.test.ts'],
    exclude: environment === 'browser' ? [] : ['**/node_modules/**', 'src/**/*.browser.test.ts'],
    setupFiles: [
      path.join(here, environment === 'browser' ? 'setup-browser.mjs' : 'setup-cpu.mjs'),
      ...setupFiles.map((file) => path.resolve(packageDir, file)),
    ],
    // wasm, WebGL and training tests take seconds on two shared cores; the 5 s default is too short.
    testTimeout: timeoutMs,
    hookTimeout: timeoutMs,
    env: { MDN_TEST_BACKEND: backend },
    provide: { fcSeed: propertySeed() ?? null },
    // The JSON results feed `pnpm test:all`'s closing "N passed, N failed" line (tooling/scripts/test-summary.mjs)
    // and the backend × suite table of `pnpm test:matrix`.
    reporters: [
      'default',
      ['json', { outputFile: path.join(packageDir, '.test-results', `vitest-${backend}-${label}.json`) }],
    ],
  };
  if (environment === 'browser') {
    test.browser = {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath: chromiumExecutable(), args: CHROMIUM_ARGS } }),
      instances: [{ browser: 'chromium' }],
      screenshotFailures: false,
    };
    // One browser page at a time: WebGL through SwiftShader and wasm share two CPU cores.
    test.fileParallelism = false;
  } else {
    test.environment = 'node';
  }
  return defineConfig({
    root: packageDir,
    plugins: [viteTfjsGradients(packageDir), ...plugins],
    test,
  });
}
