/**
 * The dense-layer kernels of @mdn/core (train/dense.ts) on the wasm backend: one dispatch per layer, products in
 * WebAssembly SIMD on the backend's own memory (simd-gemm.ts), no transpose of the batch, no packing of
 * per-step operands; the element-wise parts (activation derivatives, column sums) in JavaScript on heap views.
 */
import { FUSED_KERNELS } from '@mdn/core/adapter';
import type * as tfjs from '@tensorflow/tfjs-core';
import { GEMM_ACCUMULATE, GEMM_BIAS, GEMM_RELU, type SimdGemm } from './simd-gemm.js';

type Info = tfjs.TensorInfo;

/** What the kernels use of tfjs's wasm backend. */
export interface WasmHeap {
  typedArrayFromHeap(tensor: Info): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): Info;
  disposeData(dataId: object, force?: boolean): boolean;
}

type Activation = 'relu' | 'tanh' | 'elu' | 'silu';

/** Heads narrower than this take the transposed routes (products vectorised along the wide dimension). */
const NARROW = 8;

/** Byte offset of a tensor in the heap (views are made on the memory's buffer at the tensor's offset). */
const pointer = (heap: WasmHeap, t: Info) => heap.typedArrayFromHeap(t).byteOffset;

/** Column sums of a row-major `rows × columns` matrix into `out`. */
function columnSums(values: Float32Array, rows: number, columns: number, out: Float32Array): void {
  const sums = new Float64Array(columns);
  for (let i = 0; i < rows; i++) {
    const row = i * columns;
    for (let j = 0; j < columns; j++) sums[j]! += values[row + j]!;
  }
  for (let j = 0; j < columns; j++) out[j] = sums[j]!;
}

/** Writes the transpose of a small row-major `rows × columns` matrix. */
function transposeSmall(source: Float32Array, rows: number, columns: number, target: Float32Array): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) target[c * rows + r] = source[r * columns + c]!;
}

/** Registers the four dense kernels for 'wasm'; returns their names. */
export function registerDenseKernels(tf: typeof tfjs, gemmFor: (backend: unknown) => SimdGemm): string[] {
  const register = (kernelName: string, kernelFunc: tfjs.KernelFunc) => {
    if (tf.getKernel(kernelName, 'wasm') === undefined)
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  };
  const temporaries = (heap: WasmHeap) => {
    const made: Info[] = [];
    return {
      make: (shape: number[]) => {
        const t = heap.makeOutput(shape, 'float32');
        made.push(t);
        return t;
      },
      release: () => {
        for (const t of made) heap.disposeData(t.dataId, true);
      },
    };
  };

  register(FUSED_KERNELS.denseForward, ({ inputs, backend, attrs }) => {
    const heap = backend as unknown as WasmHeap;
    const gemm = gemmFor(backend);
    const { x, kernel, bias } = inputs as Record<string, Info>;
    const activation = (attrs as { activation: Activation }).activation;
    const [b, p] = x!.shape as [number, number];
    const h = kernel!.shape[1]!;
    const out = heap.makeOutput([b, h], 'float32');
    const pre = activation === 'silu' ? heap.makeOutput([b, h], 'float32') : out;
    const flags = GEMM_BIAS | (activation === 'relu' ? GEMM_RELU : 0);
    gemm.broadcast(
      pointer(heap, x!),
      p * 4,
      4,
      pointer(heap, kernel!),
      h * 4,
      pointer(heap, pre),
      h * 4,
      b,
      h,
      p,
      pointer(heap, bias!),
      flags,
    );
    if (activation === 'tanh') gemm.tanh(pointer(heap, out), b * h);
    else if (activation === 'elu') {
      const values = heap.typedArrayFromHeap(out);
      for (let i = 0; i < values.length; i++) if (values[i]! < 0) values[i] = Math.expm1(values[i]!);
    } else if (activation === 'silu') {
      const z = heap.typedArrayFromHeap(pre);
      const values = heap.typedArrayFromHeap(out);
      for (let i = 0; i < z.length; i++) values[i] = z[i]! / (1 + Math.exp(-z[i]!));
      return [out, pre];
    }
    return [out];
  });

  register(FUSED_KERNELS.denseBackward, ({ inputs, backend, attrs }) => {
    const heap = backend as unknown as WasmHeap;
    const gemm = gemmFor(backend);
    const { x, kernel, h, z, dh } = inputs as Record<string, Info>;
    const { activation, inputGrad } = attrs as unknown as { activation: Activation; inputGrad: boolean };
    const [b, p] = x!.shape as [number, number];
    const width = kernel!.shape[1]!;
    const dW = heap.makeOutput([p, width], 'float32');
    const db = heap.makeOutput([width], 'float32');
    const dx = inputGrad ? heap.makeOutput([b, p], 'float32') : undefined;
    const scratch = temporaries(heap);
    const dzInfo = scratch.make([b, width]);
    // Views after every allocation (growing the memory detaches earlier views).
    const dz = heap.typedArrayFromHeap(dzInfo);
    const gradOut = heap.typedArrayFromHeap(dh!);
    const out = heap.typedArrayFromHeap(h!);
    switch (activation) {
      case 'relu':
        for (let i = 0; i < dz.length; i++) dz[i] = out[i]! > 0 ? gradOut[i]! : 0;
        break;
      case 'tanh':
        for (let i = 0; i < dz.length; i++) dz[i] = gradOut[i]! * (1 - out[i]! * out[i]!);
        break;
      case 'elu':
        for (let i = 0; i < dz.length; i++) dz[i] = gradOut[i]! * Math.min(out[i]! + 1, 1);
        break;
      case 'silu': {
        const pre = heap.typedArrayFromHeap(z!);
        for (let i = 0; i < dz.length; i++) {
          const s = 1 / (1 + Math.exp(-pre[i]!));
          dz[i] = gradOut[i]! * s * (1 + pre[i]! * (1 - s));
        }
        break;
      }
    }
    columnSums(dz, b, width, heap.typedArrayFromHeap(db));
    // dW [P, H] = xᵀ·dz: A(m = p, k = row) = x[row, p].
    gemm.broadcast(
      pointer(heap, x!),
      4,
      p * 4,
      dz.byteOffset,
      width * 4,
      pointer(heap, dW),
      width * 4,
      p,
      width,
      b,
      0,
      0,
    );
    // dx [B, P] = dz·Wᵀ: dot products of dz's rows with W's rows.
    if (dx) {
      gemm.dot(
        dz.byteOffset,
        width * 4,
        pointer(heap, kernel!),
        width * 4,
        pointer(heap, dx),
        p * 4,
        b,
        p,
        width,
        0,
        0,
      );
    }
    scratch.release();
    return dx ? [dW, db, dx] : [dW, db];
  });

  register(FUSED_KERNELS.headsForward, ({ inputs, backend, attrs }) => {
    const heap = backend as unknown as WasmHeap;
    const gemm = gemmFor(backend);
    const list = inputs as unknown as Info[];
    const count = (attrs as { count: number }).count;
    const x = list[0]!;
    const [b, p] = x.shape as [number, number];
    const kernels = list.slice(1, 1 + count);
    const biases = list.slice(1 + count, 1 + 2 * count);
    const outs = kernels.map((k) => heap.makeOutput([b, k.shape[1]!], 'float32'));
    const scratch = temporaries(heap);
    // A narrow head is a dot product of each row with each column of W: W transposed first (tiny).
    const transposed = kernels.map((k) => (k.shape[1]! < NARROW ? scratch.make([k.shape[1]!, p]) : undefined));
    for (const [j, k] of kernels.entries()) {
      const n = k.shape[1]!;
      const wT = transposed[j];
      if (wT) {
        transposeSmall(heap.typedArrayFromHeap(k), p, n, heap.typedArrayFromHeap(wT));
        gemm.dot(
          pointer(heap, x),
          p * 4,
          pointer(heap, wT),
          p * 4,
          pointer(heap, outs[j]!),
          n * 4,
          b,
          n,
          p,
          pointer(heap, biases[j]!),
          GEMM_BIAS,
        );
      } else {
        gemm.broadcast(
          pointer(heap, x),
          p * 4,
          4,
          pointer(heap, k),
          n * 4,
          pointer(heap, outs[j]!),
          n * 4,
          b,
          n,
          p,
          pointer(heap, biases[j]!),
          GEMM_BIAS,
        );
      }
    }
    scratch.release();
    return outs;
  });

  register(FUSED_KERNELS.headsBackward, ({ inputs, backend, attrs }) => {
    const heap = backend as unknown as WasmHeap;
    const gemm = gemmFor(backend);
    const list = inputs as unknown as Info[];
    const { count, inputGrad } = attrs as unknown as { count: number; inputGrad: boolean };
    const x = list[0]!;
    const [b, p] = x.shape as [number, number];
    const kernels = list.slice(1, 1 + count);
    const dzs = list.slice(1 + count, 1 + 2 * count);
    const outs: Info[] = [];
    for (const k of kernels)
      outs.push(heap.makeOutput([p, k.shape[1]!], 'float32'), heap.makeOutput([k.shape[1]!], 'float32'));
    const dx = inputGrad ? heap.makeOutput([b, p], 'float32') : undefined;
    const scratch = temporaries(heap);
    // Per narrow head: dWᵀ [N, P] (then transposed into dW) and Wᵀ [N, P] for dx.
    const narrow = kernels.map((k) =>
      k.shape[1]! < NARROW
        ? { dWT: scratch.make([k.shape[1]!, p]), wT: inputGrad ? scratch.make([k.shape[1]!, p]) : undefined }
        : undefined,
    );
    for (const [j, k] of kernels.entries()) {
      const n = k.shape[1]!;
      const dz = dzs[j]!;
      const dW = outs[2 * j]!;
      columnSums(heap.typedArrayFromHeap(dz), b, n, heap.typedArrayFromHeap(outs[2 * j + 1]!));
      const slim = narrow[j];
      const accumulate = j > 0 ? GEMM_ACCUMULATE : 0;
      if (slim) {
        // dWᵀ [N, P] = dzᵀ·x: A(m = c, k = row) = dz[row, c]; rows of x are the wide, contiguous operand.
        gemm.broadcast(
          pointer(heap, dz),
          4,
          n * 4,
          pointer(heap, x),
          p * 4,
          pointer(heap, slim.dWT),
          p * 4,
          n,
          p,
          b,
          0,
          0,
        );
        transposeSmall(heap.typedArrayFromHeap(slim.dWT), n, p, heap.typedArrayFromHeap(dW));
        if (dx && slim.wT) {
          // dx (+)= dz·Wᵀ with Wᵀ's rows contiguous: A(m = row, k = c) = dz[row, c].
          transposeSmall(heap.typedArrayFromHeap(k), p, n, heap.typedArrayFromHeap(slim.wT));
          gemm.broadcast(
            pointer(heap, dz),
            n * 4,
            4,
            pointer(heap, slim.wT),
            p * 4,
            pointer(heap, dx),
            p * 4,
            b,
            p,
            n,
            0,
            accumulate,
          );
        }
      } else {
        gemm.broadcast(pointer(heap, x), 4, p * 4, pointer(heap, dz), n * 4, pointer(heap, dW), n * 4, p, n, b, 0, 0);
        if (dx)
          gemm.dot(pointer(heap, dz), n * 4, pointer(heap, k), n * 4, pointer(heap, dx), p * 4, b, p, n, 0, accumulate);
      }
    }
    scratch.release();
    return dx ? [...outs, dx] : outs;
  });

  return [
    FUSED_KERNELS.denseForward,
    FUSED_KERNELS.denseBackward,
    FUSED_KERNELS.headsForward,
    FUSED_KERNELS.headsBackward,
  ];
}
