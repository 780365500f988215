import * as tf from '@tensorflow/tfjs-core';
import { MdnError } from '../errors.js';

/** Version of the adapter contract below. An adapter states the version it implements. */
export const BACKEND_CONTRACT_VERSION = 1;

/** What a backend reports once initialised. */
export interface BackendInfo {
  /** The adapter's name, e.g. 'wasm', 'webgl', 'cpu', 'tensorflow'. */
  adapter: string;
  /** The tfjs backend name that is now active (`tf.getBackend()`). */
  tfjsBackend: string;
  /** WebAssembly SIMD in use; null where the question does not apply. */
  simd: boolean | null;
  /** Threads the backend computes with (1 when single-threaded). */
  threads: number;
  /** Bits of float precision of the backend's arithmetic and storage (32, or 16 on some WebGL devices). */
  floatPrecision: 32 | 16;
  /** Names of fused kernels the adapter registered beside the plain-op path. */
  fusedKernels: string[];
  /** Plain-language facts worth showing a user (why a fallback was chosen, what is disabled, …). */
  notes: string[];
}

/**
 * The contract a backend adapter implements (version {@link BACKEND_CONTRACT_VERSION}). An adapter plugs one
 * TensorFlow.js backend into @mdn/core: `initialize` registers it (and any fused kernels) with the tfjs-core it
 * is given, makes it the active backend, and reports what it found. The core never imports an adapter.
 */
export interface BackendAdapter {
  /** The adapter contract version it was written for (see `ADAPTER_CONTRACT_VERSION`). */
  readonly contractVersion: number;
  /** The backend's name as tfjs registers it (`cpu`, `wasm`, `webgl`, `tensorflow`). */
  readonly name: string;
  /**
   * Registers the backend (and its fused kernels) with `tfjs`, makes it the active backend and reports what it found.
   * @param tfjs the `@tensorflow/tfjs-core` module the core uses (one copy per process: pass this one).
   */
  initialize(tfjs: typeof tf): Promise<BackendInfo>;
}

let active: BackendInfo | null = null;

/**
 * Initialises `adapter` and makes its backend the active one for everything @mdn/core does afterwards:
 * `await useBackend(wasmBackend())`. Returns what the backend reported.
 */
export async function useBackend(adapter: BackendAdapter): Promise<BackendInfo> {
  if (adapter.contractVersion !== BACKEND_CONTRACT_VERSION) {
    throw new MdnError(
      'backend',
      `backend adapter '${adapter.name}' implements contract version ${adapter.contractVersion}, ` +
        `but this @mdn/core speaks version ${BACKEND_CONTRACT_VERSION}; install matching versions of @mdn/core and the adapter`,
    );
  }
  let info: BackendInfo;
  try {
    info = await adapter.initialize(tf);
  } catch (error) {
    if (MdnError.isInstance(error)) throw error;
    throw new MdnError('backend', `backend adapter '${adapter.name}' could not start: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (tf.getBackend() !== info.tfjsBackend) {
    throw new MdnError(
      'backend',
      `backend adapter '${adapter.name}' reported '${info.tfjsBackend}' but tfjs is running '${tf.getBackend()}'`,
    );
  }
  active = info;
  return info;
}

/**
 * What the active backend reported through {@link useBackend}; for a backend set with plain tfjs calls, a
 * description inferred from tfjs (precision from `tf.backend().floatPrecision()`).
 */
export function activeBackend(): BackendInfo {
  let name: string | undefined;
  try {
    name = tf.getBackend();
  } catch {
    name = undefined;
  }
  if (!name) {
    throw new MdnError(
      'backend',
      'no TensorFlow.js backend is ready: call `await useBackend(wasmBackend())` (from @mdn/backend-wasm; or cpuBackend(), nodeBackend(), webglBackend()) first',
    );
  }
  if (active !== null && active.tfjsBackend === name) return active;
  const precision = tf.backend().floatPrecision();
  return {
    adapter: name,
    tfjsBackend: name,
    simd: null,
    threads: 1,
    floatPrecision: precision === 16 ? 16 : 32,
    fusedKernels: [],
    notes: ['set without an @mdn adapter'],
  };
}
