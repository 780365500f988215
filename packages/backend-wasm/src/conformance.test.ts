import { cpuBackend } from '@mdn/backend-cpu';
import { registerConformanceSuite } from '@mdn/conformance';
import { wasmBackend } from './index.js';

// Exclusions on wasm (Node): none. Save/load is checked against the cpu reference backend.
registerConformanceSuite(wasmBackend(), { reference: cpuBackend() });
