/**
 * The dense-layer kernels of @mdn/core (their contract: `@mdn/core/adapter`'s `readDense*`/`readHeads*` and
 * `*Outputs`) on the wasm backend: one dispatch per layer, products in WebAssembly SIMD on the backend's own memory
 * (simd-gemm.ts), no transpose of the batch, no packing of per-step operands; the element-wise parts that have no
 * SIMD kernel (elu's and silu's) in JavaScript on heap views.
 */
import {
  denseBackwardOutputs,
  denseForwardOutputs,
  FUSED_KERNELS,
  headsBackwardOutputs,
  readDenseBackward,
  readDenseForward,
  readHeadsBackward,
  readHeadsForward,
  transposeHost,
} from '@mdn/core/adapter';
import type * as tfjs from '@tensorflow/tfjs-core';
import type { Rows, SimdGemm } from './simd-gemm.js';

type Info = tfjs.TensorInfo;

/** What the kernels use of tfjs's wasm backend. */
export interface WasmHeap {
  typedArrayFromHeap(tensor: Info): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): Info;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Heads narrower than this take the transposed routes (products vectorised along the wide dimension). */
const NARROW = 8;

/** Byte offset of a tensor in the heap (views are made on the memory's buffer at the tensor's offset). */
const pointer = (heap: WasmHeap, t: Info) => heap.typedArrayFromHeap(t).byteOffset;

/** A row-major matrix at a byte address with `columns` floats per row. */
const rows = (at: number, columns: number): Rows => ({ at, rowStride: columns });
/** The same matrix read as one: (i, j) at row i, column j. */
const plain = (at: number, columns: number) => ({ at, rowStride: columns, columnStride: 1 });
/** A row-major matrix with `columns` floats per row read transposed: (i, j) at row j, column i. */
const transposed = (at: number, columns: number) => ({ at, rowStride: 1, columnStride: columns });

/**
 * Column sums of a row-major `count × columns` matrix at `values` into `out`: the product 1ᵀ·M, with A(0, k) the
 * single 1 at `one` (both strides 0).
 */
function columnSums(gemm: SimdGemm, one: number, values: number, count: number, columns: number, out: number): void {
  gemm.broadcast(
    { m: 1, n: columns, k: count },
    { at: one, rowStride: 0, columnStride: 0 },
    rows(values, columns),
    rows(out, columns),
  );
}

/** Rows of the batch per call of a product summed over the batch (keeps each slice of it in cache). */
const BATCH_SLICE = 64;

/**
 * C [M, N] = Aᵀ·B summed over the batch, A [batch, M] and B [batch, N] row-major, in slices of the batch that stay
 * in cache while every tile of C passes over them (the first slice writes C, the rest accumulate).
 */
function batchProduct(gemm: SimdGemm, a: number, b: number, c: number, batch: number, m: number, n: number): void {
  for (let start = 0; start < batch; start += BATCH_SLICE) {
    gemm.broadcast(
      { m, n, k: Math.min(BATCH_SLICE, batch - start) },
      transposed(a + start * m * 4, m),
      rows(b + start * n * 4, n),
      rows(c, n),
      { accumulate: start > 0 },
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
    const call = readDenseForward<Info>(inputs, attrs);
    const { x, kernel, bias } = call.inputs;
    const { activation } = call.attrs;
    const [b, p] = x.shape as [number, number];
    const h = kernel.shape[1]!;
    const out = heap.makeOutput([b, h], 'float32');
    const pre = activation === 'silu' ? heap.makeOutput([b, h], 'float32') : out;
    gemm.broadcast(
      { m: b, n: h, k: p },
      plain(pointer(heap, x), p),
      rows(pointer(heap, kernel), h),
      rows(pointer(heap, pre), h),
      {
        bias: pointer(heap, bias),
        relu: activation === 'relu',
      },
    );
    if (activation === 'tanh') gemm.tanh(pointer(heap, out), b * h);
    else if (activation === 'elu') {
      const values = heap.typedArrayFromHeap(out);
      for (let i = 0; i < values.length; i++) if (values[i]! < 0) values[i] = Math.expm1(values[i]!);
    } else if (activation === 'silu') {
      const z = heap.typedArrayFromHeap(pre);
      const values = heap.typedArrayFromHeap(out);
      for (let i = 0; i < z.length; i++) values[i] = z[i]! / (1 + Math.exp(-z[i]!));
      return denseForwardOutputs({ h: out, z: pre });
    }
    return denseForwardOutputs({ h: out });
  });

  register(FUSED_KERNELS.denseBackward, ({ inputs, backend, attrs }) => {
    const heap = backend as unknown as WasmHeap;
    const gemm = gemmFor(backend);
    const call = readDenseBackward<Info>(inputs, attrs);
    const { x, kernel, h, z, dh } = call.inputs;
    const { activation, inputGrad } = call.attrs;
    const [b, p] = x.shape as [number, number];
    const width = kernel.shape[1]!;
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
    const [dhAt, hAt] = [pointer(heap, dh), pointer(heap, h)];
    if (activation === 'relu') gemm.reluGrad(dhAt, hAt, dz.byteOffset, count);
    else if (activation === 'tanh') gemm.tanhGrad(dhAt, hAt, dz.byteOffset, count);
    else if (activation === 'elu') gemm.eluGrad(dhAt, hAt, dz.byteOffset, count);
    else {
      const gradOut = heap.typedArrayFromHeap(dh);
      const pre = heap.typedArrayFromHeap(z);
      for (let i = 0; i < count; i++) {
        const s = 1 / (1 + Math.exp(-pre[i]!));
        dz[i] = gradOut[i]! * s * (1 + pre[i]! * (1 - s));
      }
    }
    columnSums(gemm, pointer(heap, one), dz.byteOffset, b, width, pointer(heap, db));
    // dW [P, H] = xᵀ·dz.
    batchProduct(gemm, pointer(heap, x), dz.byteOffset, pointer(heap, dW), b, p, width);
    // dx [B, P] = dz·Wᵀ, with Wᵀ [H, P] written first (small) so that the product is a broadcast one.
    if (dx && kernelT) {
      transposeHost(heap.typedArrayFromHeap(kernel), p, width, heap.typedArrayFromHeap(kernelT));
      gemm.broadcast(
        { m: b, n: p, k: width },
        plain(dz.byteOffset, width),
        rows(pointer(heap, kernelT), p),
        rows(pointer(heap, dx), p),
      );
    }
    scratch.release();
    return denseBackwardOutputs({ dW, db, dx });
  });

  register(FUSED_KERNELS.headsForward, ({ inputs, backend, attrs }) => {
    const heap = backend as unknown as WasmHeap;
    const gemm = gemmFor(backend);
    const { x, kernels, biases } = readHeadsForward<Info>(inputs, attrs).inputs;
    const [b, p] = x.shape as [number, number];
    const outs = kernels.map((k) => heap.makeOutput([b, k.shape[1]!], 'float32'));
    const scratch = temporaries(heap);
    // A narrow head is a dot product of each row with each column of W: W transposed first (tiny).
    const wTs = kernels.map((k) => (k.shape[1]! < NARROW ? scratch.make([k.shape[1]!, p]) : undefined));
    for (const [j, k] of kernels.entries()) {
      const n = k.shape[1]!;
      const wT = wTs[j];
      const shape = { m: b, n, k: p };
      const out = rows(pointer(heap, outs[j]!), n);
      const epilogue = { bias: pointer(heap, biases[j]!) };
      if (wT) {
        transposeHost(heap.typedArrayFromHeap(k), p, n, heap.typedArrayFromHeap(wT));
        gemm.dot(shape, rows(pointer(heap, x), p), rows(pointer(heap, wT), p), out, epilogue);
      } else {
        gemm.broadcast(shape, plain(pointer(heap, x), p), rows(pointer(heap, k), n), out, epilogue);
      }
    }
    scratch.release();
    return outs;
  });

  register(FUSED_KERNELS.headsBackward, ({ inputs, backend, attrs }) => {
    const heap = backend as unknown as WasmHeap;
    const gemm = gemmFor(backend);
    const call = readHeadsBackward<Info>(inputs, attrs);
    const { x, kernels, dz: dzs } = call.inputs;
    const { inputGrad } = call.attrs;
    const [b, p] = x.shape as [number, number];
    const dWs = kernels.map((k) => heap.makeOutput([p, k.shape[1]!], 'float32'));
    const dbs = kernels.map((k) => heap.makeOutput([k.shape[1]!], 'float32'));
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
      const dW = dWs[j]!;
      columnSums(gemm, pointer(heap, one), pointer(heap, dz), b, n, pointer(heap, dbs[j]!));
      const slim = narrow[j];
      // The heads' input gradients are summed into dx: the first writes it.
      const epilogue = { accumulate: j > 0 };
      if (slim) {
        // dWᵀ [N, P] = dzᵀ·x: rows of x are the wide, contiguous operand.
        batchProduct(gemm, pointer(heap, dz), pointer(heap, x), pointer(heap, slim.dWT), b, n, p);
        transposeHost(heap.typedArrayFromHeap(slim.dWT), n, p, heap.typedArrayFromHeap(dW));
        if (dx && slim.wT) {
          // dx (+)= dz·Wᵀ with Wᵀ's rows contiguous.
          transposeHost(heap.typedArrayFromHeap(k), p, n, heap.typedArrayFromHeap(slim.wT));
          gemm.broadcast(
            { m: b, n: p, k: n },
            plain(pointer(heap, dz), n),
            rows(pointer(heap, slim.wT), p),
            rows(pointer(heap, dx), p),
            epilogue,
          );
        }
      } else {
        batchProduct(gemm, pointer(heap, x), pointer(heap, dz), pointer(heap, dW), b, p, n);
        if (dx) {
          const shape = { m: b, n: p, k: n };
          gemm.dot(shape, rows(pointer(heap, dz), n), rows(pointer(heap, k), n), rows(pointer(heap, dx), p), epilogue);
        }
      }
    }
    scratch.release();
    return headsBackwardOutputs({ dW: dWs, db: dbs, dx });
  });

  return [
    FUSED_KERNELS.denseForward,
    FUSED_KERNELS.denseBackward,
    FUSED_KERNELS.headsForward,
    FUSED_KERNELS.headsBackward,
  ];
}
