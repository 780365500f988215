// The browser half of pnpm bench:speed: the same step on webgl and wasm in a page (bundled by speed.mjs).
import { wasmBackend } from '@mdn/backend-wasm';
import { webglBackend } from '@mdn/backend-webgl';
import { useBackend } from '@mdn/core';
import * as tf from '@tensorflow/tfjs-core';
import { measureGrid, measureSteps } from './step-bench.mjs';

globalThis.runBench = async ({ backend, batches, seconds }) => {
  const info = await useBackend(backend === 'webgl' ? webglBackend() : wasmBackend({ wasmPaths: '/' }));
  const rows = measureSteps({ batches, seconds, fused: info.fusedKernels.length > 0 });
  const gridMs = await measureGrid();
  return { info, rows, gridMs, tensors: tf.memory().numTensors };
};
globalThis.benchReady = true;
