import { cpuBackend } from '@mdn/backend-cpu';
import { registerConformanceSuite } from '@mdn/conformance';
import { webglBackend } from './index.js';

// Exclusions on webgl (Chromium, SwiftShader): none. Save/load is checked against the cpu reference backend.
registerConformanceSuite(webglBackend(), { reference: cpuBackend() });
