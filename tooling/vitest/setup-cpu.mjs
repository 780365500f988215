// Test setup: the reference cpu backend, selected before any test file runs.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';

await tf.setBackend('cpu');
await tf.ready();
// The cpu backend prints a "use tfjs-node" banner on first use; it is noise in test output.
const backend = tf.backend();
if ('firstUse' in backend) backend.firstUse = false;

// Property tests use random seeds locally (to find new counterexamples) and a fixed seed in CI (FC_SEED
// overrides it), so a CI run is reproducible.
if (process.env.CI || process.env.FC_SEED) {
  const fc = await import('fast-check');
  fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261125) });
}
