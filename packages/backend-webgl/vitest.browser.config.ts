import { createVitestConfig } from '@mdn/vitest-config';

// WebGL 2 in headless Debian Chromium (SwiftShader renders it on the CPU).
export default createVitestConfig({ packageDir: import.meta.dirname, environment: 'browser', timeoutMs: 180_000 });
