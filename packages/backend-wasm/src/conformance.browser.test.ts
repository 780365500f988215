import { cpuBackend } from '@mdn/backend-cpu';
import { registerConformanceSuite } from '@mdn/conformance';
import { wasmBackend } from './index.js';

// Exclusions on wasm (Chromium): none. Save/load is checked against the cpu reference backend in the same page.
registerConformanceSuite(wasmBackend(), { reference: cpuBackend() });
