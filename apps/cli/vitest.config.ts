import { createVitestConfig } from '@mdn/vitest-config';

// The tests drive the built binary (dist/mdn.js) as a subprocess; turbo builds it first.
export default createVitestConfig({
  packageDir: import.meta.dirname,
  include: ['test/**/*.test.ts'],
  timeoutMs: 180_000,
});
