import type { BackendAdapter, BackendInfo } from '@mdn/core';

/**
 * The cpu backend: plain JavaScript, float32, available everywhere. Slow, but the reference every other
 * backend is compared with. `await useBackend(cpuBackend())`.
 */
export function cpuBackend(): BackendAdapter {
  return {
    contractVersion: 1,
    name: 'cpu',
    async initialize(tfjs): Promise<BackendInfo> {
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await tfjs.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
      await tfjs.ready();
      // The cpu backend prints a "use tfjs-node" banner on first use in Node; the adapter reports choices itself.
      const backend = tfjs.backend() as unknown as { firstUse?: boolean };
      if ('firstUse' in backend) backend.firstUse = false;
      return {
        adapter: 'cpu',
        tfjsBackend: 'cpu',
        simd: null,
        threads: 1,
        floatPrecision: 32,
        fusedKernels: [],
        notes: [],
      };
    },
  };
}
