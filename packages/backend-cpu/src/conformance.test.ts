import { registerConformanceSuite } from '@mdn/conformance';
import { cpuBackend } from './index.js';

// The reference backend runs every suite; no exclusions.
registerConformanceSuite(cpuBackend());
