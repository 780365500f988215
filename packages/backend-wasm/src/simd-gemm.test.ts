import { describe, expect, it } from 'vitest';
import { createSimdGemm, gemmModuleBytes } from './simd-gemm.js';

/** A memory of our own with a bump allocator (the products never write outside the output they are given). */
function arena() {
  const memory = new WebAssembly.Memory({ initial: 64 });
  const gemm = createSimdGemm(memory);
  if (!gemm) throw new Error('WebAssembly SIMD is missing');
  let top = 64;
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  const heap = () => new Float32Array(memory.buffer);
  const alloc = (n: number, fill = true) => {
    const at = top;
    top += n * 4 + 32;
    if (fill) for (let i = 0; i < n; i++) heap()[at / 4 + i] = Math.fround(2 * random());
    return at;
  };
  const read = (at: number, n: number) => heap().slice(at / 4, at / 4 + n);
  return { gemm, alloc, read, heap };
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [4, 8, 3],
  [5, 13, 7],
  [37, 5, 40],
  [9, 33, 1],
  [1, 40, 70],
  [7, 3, 2],
];
/** Epilogues: none, each part alone, all three. */
const FLAGS = [
  { accumulate: false, bias: false, relu: false },
  { accumulate: true, bias: false, relu: false },
  { accumulate: false, bias: true, relu: false },
  { accumulate: false, bias: false, relu: true },
  { accumulate: true, bias: true, relu: true },
];
const epilogueOf = (flags: (typeof FLAGS)[number], bias: number) => ({
  accumulate: flags.accumulate,
  relu: flags.relu,
  ...(flags.bias ? { bias } : {}),
});
const nameOf = (flags: (typeof FLAGS)[number]) =>
  Object.entries(flags)
    .filter(([, on]) => on)
    .map(([part]) => part)
    .join('+') || 'none';

function expectClose(actual: Float32Array, expected: Float64Array, label: string) {
  for (let i = 0; i < expected.length; i++) {
    const allowed = 1e-5 * (1 + Math.abs(expected[i]!)) * 10;
    if (!(Math.abs(actual[i]! - expected[i]!) <= allowed)) {
      throw new Error(`${label}[${i}]: expected ${expected[i]}, got ${actual[i]}`);
    }
  }
}

describe('WebAssembly SIMD products', () => {
  it('the module is valid with plain SIMD and on shared memory; relaxed SIMD only where the runtime has it', () => {
    expect(WebAssembly.validate(gemmModuleBytes({ relaxed: false, shared: false }))).toBe(true);
    expect(WebAssembly.validate(gemmModuleBytes({ relaxed: false, shared: true }))).toBe(true);
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    expect(createSimdGemm(shared)).not.toBeNull();
  });

  it.for(['A·B', 'Aᵀ·B'] as const)(
    'broadcast products (%s) match a float64 product, every tile edge and flag',
    (form) => {
      for (const [m, n, k] of SHAPES) {
        for (const flags of FLAGS) {
          const { gemm, alloc, read, heap } = arena();
          const a = alloc(m * k);
          const b = alloc(k * n);
          const c = alloc(m * n);
          const bias = alloc(n);
          const before = read(c, m * n);
          const guard = alloc(8);
          const guardBefore = read(guard, 8);
          // A(m, k) at a + m·sm + k·sk: row-major A [M, K], or Aᵀ stored as [K, M].
          const [sm, sk] = form === 'A·B' ? [k * 4, 4] : [4, m * 4];
          gemm.broadcast(
            { m, n, k },
            { at: a, rowStride: sm / 4, columnStride: sk / 4 },
            { at: b, rowStride: n },
            { at: c, rowStride: n },
            epilogueOf(flags, bias),
          );
          const h = heap();
          const expected = new Float64Array(m * n);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = flags.accumulate ? before[i * n + j]! : 0;
              for (let q = 0; q < k; q++) s += h[(a + i * sm + q * sk) / 4]! * h[b / 4 + q * n + j]!;
              if (flags.bias) s += h[bias / 4 + j]!;
              expected[i * n + j] = flags.relu ? Math.max(s, 0) : s;
            }
          }
          expectClose(read(c, m * n), expected, `${form} ${m}×${n}×${k} epilogue ${nameOf(flags)}`);
          // Nothing beyond the output was written.
          expect(read(guard, 8)).toEqual(guardBefore);
        }
      }
    },
  );

  it('dot products (A·Bᵀ) match a float64 product, every tile edge and flag', () => {
    for (const [m, n, k] of SHAPES) {
      for (const flags of FLAGS) {
        const { gemm, alloc, read, heap } = arena();
        const a = alloc(m * k);
        const b = alloc(n * k);
        const c = alloc(m * n);
        const bias = alloc(n);
        const before = read(c, m * n);
        gemm.dot(
          { m, n, k },
          { at: a, rowStride: k },
          { at: b, rowStride: k },
          { at: c, rowStride: n },
          epilogueOf(flags, bias),
        );
        const h = heap();
        const expected = new Float64Array(m * n);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = flags.accumulate ? before[i * n + j]! : 0;
            for (let q = 0; q < k; q++) s += h[a / 4 + i * k + q]! * h[b / 4 + j * k + q]!;
            if (flags.bias) s += h[bias / 4 + j]!;
            expected[i * n + j] = flags.relu ? Math.max(s, 0) : s;
          }
        }
        expectClose(read(c, m * n), expected, `dot ${m}×${n}×${k} epilogue ${nameOf(flags)}`);
      }
    }
  });

  it('tanh stays within 4e-7 of Math.tanh over the whole line, saturating beyond ±7.9', () => {
    const { gemm, alloc, read, heap } = arena();
    const count = 40_003;
    const at = alloc(count, false);
    const xs = Float32Array.from({ length: count }, (_, i) => -30 + (60 * i) / (count - 1));
    heap().set(xs, at / 4);
    gemm.tanh(at, count);
    const out = read(at, count);
    let worst = 0;
    for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs(out[i]! - Math.tanh(xs[i]!)));
    expect(worst).toBeLessThan(4e-7);
    expect(out[0]).toBeCloseTo(-1, 6);
    expect(out[count - 1]).toBeCloseTo(1, 6);
  });

  it('activation gradients: relu, tanh and elu element by element, vector body and scalar tail', () => {
    const { gemm, alloc, read } = arena();
    const count = 23;
    const dh = alloc(count);
    const h = alloc(count);
    const dz = alloc(count, false);
    const dhValues = read(dh, count);
    const hValues = read(h, count);
    const cases = [
      ['reluGrad', (g: number, y: number) => (y > 0 ? g : 0)],
      ['tanhGrad', (g: number, y: number) => g * (1 - y * y)],
      ['eluGrad', (g: number, y: number) => g * Math.min(y + 1, 1)],
    ] as const;
    for (const [name, reference] of cases) {
      gemm[name](dh, h, dz, count);
      const expected = Float64Array.from({ length: count }, (_, i) => reference(dhValues[i]!, hValues[i]!));
      expectClose(read(dz, count), expected, name);
    }
  });
});
