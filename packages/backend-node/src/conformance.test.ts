import { cpuBackend } from '@mdn/backend-cpu';
import { registerConformanceSuite } from '@mdn/conformance';
import { nodeBackend } from './index.js';

// Exclusions: none. Here @tensorflow/tfjs-node cannot be installed (its install script downloads libtensorflow),
// so this runs whichever backend nodeBackend() chooses on this machine (wasm), against the cpu reference.
registerConformanceSuite(nodeBackend(), { reference: cpuBackend() });
