// Core's own tests train on the cpu backend with the fused kernels, as @mdn/backend-cpu registers them (core
// cannot depend on that package: it depends on core). The plain-op path is checked against these kernels by the
// conformance suite, and trains alone on webgl there.
import type * as tf from '@tensorflow/tfjs-core';
import { registerHostKernels } from './fused.js';

interface CpuBackendInternals {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

const cpu = (backend: unknown) => backend as CpuBackendInternals;
registerHostKernels(
  'cpu',
  (backend, tensor) => cpu(backend).data.get(tensor.dataId).values,
  (backend, shape) => cpu(backend).makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1))),
);
