// What the page and its worker both do: wasmBackend() with no wasm paths, then one mixture log-density.
import { wasmBackend } from '@mdn/backend-wasm';
import { GaussianMixture, useBackend } from '@mdn/core';
import * as tf from '@tensorflow/tfjs-core';

export async function compute(): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = { crossOriginIsolated: globalThis.crossOriginIsolated === true };
  try {
    const info = await useBackend(wasmBackend());
    const mixture = GaussianMixture.diagonal({
      logits: tf.tensor2d([[0, 0]]),
      means: tf.tensor3d([[[-1], [1]]]),
      scales: tf.tensor3d([[[1], [0.5]]]),
    });
    const logProb = await mixture.logProb(tf.tensor2d([[0.5]])).data();
    Object.assign(result, { info, backend: tf.getBackend(), logProb: logProb[0] });
  } catch (error) {
    result.error = String(error);
  }
  return result;
}
