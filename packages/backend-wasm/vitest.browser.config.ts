import { createVitestConfig } from '@mdn/vitest-config';
import { mdnWasm } from './src/vite.js';

// The conformance suite on wasm in headless Chromium; mdnWasm() serves the .wasm files as a user's Vite app would.
export default createVitestConfig({ packageDir: import.meta.dirname, environment: 'browser', plugins: [mdnWasm()] });
