/**
 * The dense-layer kernels of @mdn/core (train/dense.ts) on the wasm backend: one dispatch per layer, products in
 * WebAssembly SIMD on the backend's own memory (simd-gemm.ts), no transpose of the batch, no packing of
 * per-step operands; the element-wise parts (activation derivatives, column sums) in JavaScript on heap views.
 */
import { FUSED_KERNELS, transposeHost } from '@mdn/core/adapter';
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

/**
 * Column sums of a row-major `rows × columns` matrix at `values` into `out`: the product 1ᵀ·M, with A(0, k) the
 * single 1 at `one` (both strides 0).
 */
function columnSums(gemm: SimdGemm, one: number, values: number, rows: number, columns: number, out: number): void {
  gemm.broadcast(one, 0, 0, values, columns * 4, out, columns * 4, 1, columns, rows, 0, 0);
}

/** Rows of the batch per call of a product summed over the batch (keeps each slice of it in cache). */
const BATCH_SLICE = 64;

/**
 * C [M, N] = Aᵀ·B summed over the batch, A [batch, M] and B [batch, N] row-major, in slices of the batch that stay
 * in cache while every tile of C passes over them (the first slice writes C, the rest accumulate).
 */
function batchProduct(gemm: SimdGemm, a: number, b: number, c: number, batch: number, m: number, n: number): void {
  for (let start = 0; start < batch; start += BATCH_SLICE) {
    const rows = Math.min(BATCH_SLICE, batch - start);
    gemm.broadcast(
      a + start * m * 4,
      4,
      m * 4,
      b + start * n * 4,
      n * 4,
      c,
      n * 4,
      m,
      n,
      rows,
      0,
      start > 0 ? GEMM_ACCUMULATE : 0,
    );
  }
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
    const one = scratch.make([1]);
    const kernelT = dx ? scratch.make([width, p]) : undefined;
    // Views after every allocation (growing the memory detaches earlier views).
    heap.typedArrayFromHeap(one)[0] = 1;
    const dz = heap.typedArrayFromHeap(dzInfo);
    const count = b * width;
    const [dhAt, hAt] = [pointer(heap, dh!), pointer(heap, h!)];
    if (activation === 'relu') gemm.reluGrad(dhAt, hAt, dz.byteOffset, count);
    else if (activation === 'tanh') gemm.tanhGrad(dhAt, hAt, dz.byteOffset, count);
    else if (activation === 'elu') gemm.eluGrad(dhAt, hAt, dz.byteOffset, count);
    else {
      const gradOut = heap.typedArrayFromHeap(dh!);
      const pre = heap.typedArrayFromHeap(z!);
      for (let i = 0; i < count; i++) {
        const s = 1 / (1 + Math.exp(-pre[i]!));
        dz[i] = gradOut[i]! * s * (1 + pre[i]! * (1 - s));
      }
    }
    columnSums(gemm, pointer(heap, one), dz.byteOffset, b, width, pointer(heap, db));
    // dW [P, H] = xᵀ·dz.
    batchProduct(gemm, pointer(heap, x!), dz.byteOffset, pointer(heap, dW), b, p, width);
    // dx [B, P] = dz·Wᵀ, with Wᵀ [H, P] written first (small) so that the product is a broadcast one.
    if (dx && kernelT) {
      transposeHost(heap.typedArrayFromHeap(kernel!), p, width, heap.typedArrayFromHeap(kernelT));
      gemm.broadcast(
        dz.byteOffset,
        width * 4,
        4,
        pointer(heap, kernelT),
        p * 4,
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
        transposeHost(heap.typedArrayFromHeap(k), p, n, heap.typedArrayFromHeap(wT));
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
    const one = scratch.make([1]);
    heap.typedArrayFromHeap(one)[0] = 1;
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
      columnSums(gemm, pointer(heap, one), pointer(heap, dz), b, n, pointer(heap, outs[2 * j + 1]!));
      const slim = narrow[j];
      const accumulate = j > 0 ? GEMM_ACCUMULATE : 0;
      if (slim) {
        // dWᵀ [N, P] = dzᵀ·x: rows of x are the wide, contiguous operand.
        batchProduct(gemm, pointer(heap, dz), pointer(heap, x), pointer(heap, slim.dWT), b, n, p);
        transposeHost(heap.typedArrayFromHeap(slim.dWT), n, p, heap.typedArrayFromHeap(dW));
        if (dx && slim.wT) {
          // dx (+)= dz·Wᵀ with Wᵀ's rows contiguous: A(m = row, k = c) = dz[row, c].
          transposeHost(heap.typedArrayFromHeap(k), p, n, heap.typedArrayFromHeap(slim.wT));
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
        batchProduct(gemm, pointer(heap, x), pointer(heap, dz), pointer(heap, dW), b, p, n);
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
