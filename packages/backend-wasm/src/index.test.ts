import { activeBackend, useBackend } from '@mdn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { wasmBackend } from './index.js';

describe('wasmBackend in Node', () => {
  it('finds the .wasm files without path setup, uses SIMD, and says why it is single-threaded', async () => {
    const info = await useBackend(wasmBackend());
    expect(tf.getBackend()).toBe('wasm');
    expect(info).toMatchObject({ adapter: 'wasm', tfjsBackend: 'wasm', simd: true, threads: 1, floatPrecision: 32 });
    expect(info.notes.join(' ')).toMatch(/does not use threads in Node/);
    // The dense-layer kernels (SIMD products on tfjs's memory) beside the fused NLL and Adam kernels.
    expect(info.fusedKernels).toEqual(
      expect.arrayContaining(['MdnDenseForward', 'MdnDenseBackward', 'MdnHeadsForward', 'MdnHeadsBackward']),
    );
    expect(info.notes.join(' ')).toMatch(/dense layers: WebAssembly SIMD products/);
    expect(activeBackend()).toBe(info);
    expect(tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]).toBe(3);
  });
});
