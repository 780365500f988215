import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { forumToy } from '../datasets/synthetic.js';
import { train } from '../train/train.js';
import {
  activeBackend,
  BACKEND_CONTRACT_VERSION,
  type BackendAdapter,
  type BackendInfo,
  useBackend,
} from './adapter.js';

function fakeAdapter(overrides: Partial<BackendInfo> = {}, contractVersion = BACKEND_CONTRACT_VERSION): BackendAdapter {
  // A real adapter around the cpu backend the tests already registered, reporting what the test asks.
  return {
    contractVersion,
    name: 'test-cpu',
    async initialize(tfjs) {
      await tfjs.setBackend('cpu');
      return {
        adapter: 'test-cpu',
        tfjsBackend: tfjs.getBackend(),
        simd: null,
        threads: 1,
        floatPrecision: 32,
        fusedKernels: [],
        notes: [],
        ...overrides,
      };
    },
  };
}

describe('backend contract', () => {
  afterEach(async () => {
    await useBackend(fakeAdapter());
  });

  it('useBackend initialises the adapter and activeBackend reports it', async () => {
    const info = await useBackend(fakeAdapter({ notes: ['hello'] }));
    expect(info.tfjsBackend).toBe('cpu');
    expect(activeBackend()).toEqual(info);
  });

  it('refuses an adapter of another contract version, naming both versions', async () => {
    await expect(useBackend(fakeAdapter({}, 99))).rejects.toThrow(
      /contract version 99, but this @mdn\/core speaks version 1/,
    );
  });

  it('refuses an adapter that misreports the active backend', async () => {
    await expect(useBackend(fakeAdapter({ tfjsBackend: 'webgl' }))).rejects.toThrow(
      /reported 'webgl' but tfjs is running 'cpu'/,
    );
  });

  it('training refuses a 16-bit backend unless allowed', async () => {
    await useBackend(fakeAdapter({ floatPrecision: 16 }));
    const data = forumToy({ rows: 64 });
    await expect(train(data.x, data.y, { epochs: 1 })).rejects.toThrow(/16-bit floats, too coarse for the NLL/);
    const { model } = await train(data.x, data.y, { epochs: 1, allowLowPrecision: true, model: { hidden: [4] } });
    model.dispose();
  });

  it('describes a backend set without an adapter from tfjs itself', async () => {
    // A second tfjs backend, made active with plain tfjs calls: the adapter's report no longer applies.
    const { MathBackendCPU } = await import('@tensorflow/tfjs-backend-cpu');
    tf.registerBackend('plain-test', () => new MathBackendCPU());
    try {
      await tf.setBackend('plain-test');
      const info = activeBackend();
      expect(info).toMatchObject({
        adapter: 'plain-test',
        tfjsBackend: 'plain-test',
        floatPrecision: 32,
        fusedKernels: [],
        notes: ['set without an @mdn adapter'],
      });
      // Back on the adapter's backend, its own report applies again.
      await tf.setBackend('cpu');
      expect(activeBackend().adapter).toBe('test-cpu');
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('plain-test');
    }
  });
});
