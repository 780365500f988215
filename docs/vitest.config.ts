import { createVitestConfig } from '@mdn/vitest-config';

export default createVitestConfig({
  packageDir: import.meta.dirname,
  include: ['test/**/*.test.ts'],
  timeoutMs: 180_000,
});
