import { createVitestConfig } from '@mdn/vitest-config';

// End-to-end: builds the app, serves it, drives Debian's Chromium through playwright-core.
export default createVitestConfig({
  packageDir: import.meta.dirname,
  include: ['test/**/*.test.ts'],
  timeoutMs: 240_000,
});
