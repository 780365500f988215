import { type BackendAdapter, type BackendInfo, registerHostKernels, unregisterHostKernels } from '@mdn/core/adapter';

interface CpuBackendInternals {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(
    shape: number[],
    dtype: 'float32',
    values: Float32Array,
  ): { dataId: object; shape: number[]; dtype: 'float32' };
}

/** Registers (or, when off, removes) the fused kernels; returns the names registered. */
function cpuKernels(on: boolean): string[] {
  if (on) return registerCpuKernels();
  unregisterHostKernels('cpu');
  return [];
}

/** The fused kernels of @mdn/core, reading the cpu backend's arrays and filling new ones. */
function registerCpuKernels(): string[] {
  const internals = (backend: unknown) => backend as CpuBackendInternals;
  return registerHostKernels(
    'cpu',
    (backend, tensor) => internals(backend).data.get(tensor.dataId).values,
    (backend, shape) =>
      internals(backend).makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1))) as never,
  );
}

/**
 * The cpu backend: plain JavaScript, float32, available everywhere. Slow, but the reference every other
 * backend is compared with. `await useBackend(cpuBackend())`.
 */
export function cpuBackend(options: { fusedKernels?: boolean } = {}): BackendAdapter {
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
        fusedKernels: cpuKernels(options.fusedKernels !== false),
        notes: [],
      };
    },
  };
}
