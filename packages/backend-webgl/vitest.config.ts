import { createVitestConfig } from '@mdn/vitest-config';

export default createVitestConfig({ packageDir: import.meta.dirname });
