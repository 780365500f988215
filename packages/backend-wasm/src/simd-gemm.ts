/**
 * Matrix products in WebAssembly SIMD, on the tfjs wasm backend's own memory (no copies): the module is generated
 * here, byte by byte (the encoder in `wasm/encoder.ts`, the kernels in `wasm/products.ts` and
 * `wasm/elementwise.ts`; no compiler, nothing downloaded), imports the backend's `WebAssembly.Memory`, and has no
 * data, globals or stack of its own, so it never writes outside the output it is given. Two products cover a
 * dense layer's forward and backward passes without a transpose of the batch:
 *
 *   broadcast: C[m, n] (+)= Σ_k A(m, k)·B[k, n]   A with any strides (A or Aᵀ), B's rows contiguous
 *   dot:       C[m, n] (+)= Σ_k A[m, k]·B[n, k]   (A·Bᵀ) both rows contiguous; narrow outputs (a mixture head)
 *                                                 stay vectorised along k
 *
 * each with an epilogue: accumulate into C, add a bias row, ReLU. With relaxed SIMD (Chromium) the multiply-adds
 * are fused (`f32x4.relaxed_madd`); elsewhere a multiply and an add.
 */

import { activationGradient, tanhInPlace } from './wasm/elementwise.js';
import { FunctionBuilder, type ModuleFunction, moduleBytes } from './wasm/encoder.js';
import { broadcastProduct, dotProduct, EPILOGUE_FLAGS } from './wasm/products.js';

export { TANH_CLAMP, TANH_DENOMINATOR, TANH_NUMERATOR } from './wasm/elementwise.js';

/** A matrix in the memory: the byte address of its first float, and the distance between its rows in floats. */
export interface Rows {
  at: number;
  rowStride: number;
}

/** A matrix read with any strides (a matrix or its transpose): element (i, j) at `at + 4·(i·rowStride + j·columnStride)`. */
export interface Strided extends Rows {
  columnStride: number;
}

/** A product's shape: C is m × n, summed over k. */
export interface ProductShape {
  m: number;
  n: number;
  k: number;
}

/** What is done to each output value after the sum. */
export interface Epilogue {
  /** Add C's current values (otherwise C is overwritten). */
  accumulate?: boolean;
  /** The byte address of a bias row of n floats to add. */
  bias?: number;
  /** max(value, 0) last. */
  relu?: boolean;
}

/** The products and element-wise kernels, bound to one memory. */
export interface SimdGemm {
  /** C[m, n] (+)= Σ_k A(m, k)·B[k, n] (+ bias[n]) (ReLU). */
  broadcast(shape: ProductShape, a: Strided, b: Rows, c: Rows, epilogue?: Epilogue): void;
  /** C[m, n] (+)= Σ_k A[m, k]·B[n, k] (+ bias[n]) (ReLU). */
  dot(shape: ProductShape, a: Rows, b: Rows, c: Rows, epilogue?: Epilogue): void;
  /** tanh of `count` floats at the byte address `at`, in place. */
  tanh(at: number, count: number): void;
  /** dz = dh ⊙ activation'(h) over `count` floats (byte addresses of dh, h, dz). */
  reluGrad(dh: number, h: number, dz: number, count: number): void;
  tanhGrad(dh: number, h: number, dz: number, count: number): void;
  eluGrad(dh: number, h: number, dz: number, count: number): void;
  /** Whether the multiply-adds are fused (relaxed SIMD). */
  relaxed: boolean;
}

/** The module's exports: the same functions with every pointer and stride in bytes, as the products take them. */
interface RawExports {
  broadcast(...args: number[]): void;
  dot(...args: number[]): void;
  tanh(at: number, count: number): void;
  reluGrad(dh: number, h: number, dz: number, count: number): void;
  tanhGrad(dh: number, h: number, dz: number, count: number): void;
  eluGrad(dh: number, h: number, dz: number, count: number): void;
}

/** The module's functions. */
function moduleFunctions(relaxed: boolean): ModuleFunction[] {
  const build = (name: string, params: number, write: (f: FunctionBuilder) => number[]): ModuleFunction => ({
    name,
    params,
    body: write(new FunctionBuilder(params, relaxed)),
  });
  return [
    build('broadcast', 12, broadcastProduct),
    build('dot', 11, dotProduct),
    build('tanh', 2, tanhInPlace),
    build('reluGrad', 4, (f) => activationGradient(f, 'relu')),
    build('tanhGrad', 4, (f) => activationGradient(f, 'tanh')),
    build('eluGrad', 4, (f) => activationGradient(f, 'elu')),
  ];
}

/** The module's bytes: imports env.memory (shared or not), exports the functions of {@link SimdGemm}. */
export function gemmModuleBytes(options: { relaxed: boolean; shared: boolean }): Uint8Array<ArrayBuffer> {
  return moduleBytes(moduleFunctions(options.relaxed), { shared: options.shared });
}

function flagsOf(epilogue: Epilogue): number {
  return (
    (epilogue.accumulate ? EPILOGUE_FLAGS.accumulate : 0) |
    (epilogue.bias !== undefined ? EPILOGUE_FLAGS.bias : 0) |
    (epilogue.relu ? EPILOGUE_FLAGS.relu : 0)
  );
}

/** The typed products over the module's byte-strided exports. */
function typed(raw: RawExports, relaxed: boolean): SimdGemm {
  return {
    broadcast({ m, n, k }, a, b, c, epilogue = {}) {
      const [sm, sk] = [4 * a.rowStride, 4 * a.columnStride];
      raw.broadcast(
        a.at,
        sm,
        sk,
        b.at,
        4 * b.rowStride,
        c.at,
        4 * c.rowStride,
        m,
        n,
        k,
        epilogue.bias ?? 0,
        flagsOf(epilogue),
      );
    },
    dot({ m, n, k }, a, b, c, epilogue = {}) {
      raw.dot(
        a.at,
        4 * a.rowStride,
        b.at,
        4 * b.rowStride,
        c.at,
        4 * c.rowStride,
        m,
        n,
        k,
        epilogue.bias ?? 0,
        flagsOf(epilogue),
      );
    },
    tanh: raw.tanh,
    reluGrad: raw.reluGrad,
    tanhGrad: raw.tanhGrad,
    eluGrad: raw.eluGrad,
    relaxed,
  };
}

/** Instantiates the products on `memory`; null where this runtime has no WebAssembly SIMD. */
export function createSimdGemm(memory: WebAssembly.Memory): SimdGemm | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  for (const relaxed of [true, false]) {
    const bytes = gemmModuleBytes({ relaxed, shared });
    if (!WebAssembly.validate(bytes)) continue;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    return typed(instance.exports as unknown as RawExports, relaxed);
  }
  return null;
}
