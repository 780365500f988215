import { createVitestConfig } from '@mdn/vitest-config';

export default createVitestConfig({
  packageDir: import.meta.dirname,
  setupFiles: ['src/train/cpu-fused-kernels.test-util.ts'],
});
