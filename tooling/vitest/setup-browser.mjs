// Browser test setup: the reference cpu backend first (adapters switch in their own suites), and the
// fast-check seed the Node side chose (fixed in CI).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { inject } from 'vitest';

await tf.setBackend('cpu');
await tf.ready();
const seed = inject('fcSeed');
if (typeof seed === 'number') {
  const fc = await import('fast-check');
  fc.configureGlobal({ seed });
}
