/**
 * Matrix products in WebAssembly SIMD, on the tfjs wasm backend's own memory (no copies): the module is generated
 * here, byte by byte, from the code below (no compiler, nothing downloaded), imports the backend's
 * `WebAssembly.Memory`, and has no data, globals or stack of its own, so it never writes outside the output it is
 * given. Two products cover a dense layer's forward and backward passes without a transpose of the batch:
 *
 *   broadcast: C[m, n] (+)= Σ_k A(m, k)·B[k, n]   with A(m, k) at A + m·sm + k·sk (any strides: A or Aᵀ), B rows
 *              contiguous; tiles of 4 rows × 8 columns (two vectors), then 1-row tiles, 4-column and scalar edges.
 *   dot:       C[m, n] (+)= Σ_k A[m, k]·B[n, k]   (A·Bᵀ) both rows contiguous; tiles of 2 × 4 dot products four
 *              wide along k, edges in smaller tiles; narrow outputs (a mixture head) stay vectorised along k.
 *
 * Epilogue flags: 1 accumulate into C, 2 add a bias row, 4 ReLU. With relaxed SIMD (Chromium) the multiply-adds
 * are fused (`f32x4.relaxed_madd`); elsewhere a multiply and an add.
 */

enum Op {
  Block = 0x02,
  Loop = 0x03,
  If = 0x04,
  End = 0x0b,
  Br = 0x0c,
  BrIf = 0x0d,
  Select = 0x1b,
  LocalGet = 0x20,
  LocalSet = 0x21,
  F32Load = 0x2a,
  F32Store = 0x38,
  I32Const = 0x41,
  I32Eqz = 0x45,
  I32GtU = 0x4b,
  I32GeU = 0x4f,
  I32LtU = 0x49,
  I32Add = 0x6a,
  I32Sub = 0x6b,
  I32Mul = 0x6c,
  I32And = 0x71,
  F32Add = 0x92,
  F32Mul = 0x94,
  F32Gt = 0x5e,
  F32Sub = 0x93,
  F32Div = 0x95,
  F32Min = 0x96,
  F32Max = 0x97,
  Simd = 0xfd,
}

enum SimdOp {
  Load = 0x00,
  Store = 0x0b,
  Const = 0x0c,
  F32x4Splat = 0x13,
  F32x4ExtractLane = 0x1f,
  F32x4Gt = 0x44,
  V128And = 0x4e,
  F32x4Add = 0xe4,
  F32x4Sub = 0xe5,
  F32x4Mul = 0xe6,
  F32x4Div = 0xe7,
  F32x4Min = 0xe8,
  F32x4Max = 0xe9,
  RelaxedMadd = 0x105,
}

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** One function body: typed locals, and an instruction stream with structured-control helpers. */
class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localTypes: number[] = [];
  constructor(
    private readonly params: number,
    private readonly relaxed: boolean,
  ) {}

  local(type: number): number {
    this.localTypes.push(type);
    return this.params + this.localTypes.length - 1;
  }
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(index: number): this {
    this.code.push(Op.LocalGet);
    uleb(index, this.code);
    return this;
  }
  set(index: number): this {
    this.code.push(Op.LocalSet);
    uleb(index, this.code);
    return this;
  }
  i32(value: number): this {
    this.code.push(Op.I32Const);
    sleb(value, this.code);
    return this;
  }
  simd(op: number): this {
    this.code.push(Op.Simd);
    uleb(op, this.code);
    return this;
  }
  /** Memory access with a constant byte offset (alignment hint 0: any address is allowed). */
  private memory(bytes: number[], offset: number): this {
    this.code.push(...bytes, 0);
    uleb(offset, this.code);
    return this;
  }
  v128Load(offset = 0): this {
    return this.memory([Op.Simd, SimdOp.Load], offset);
  }
  v128Store(offset = 0): this {
    return this.memory([Op.Simd, SimdOp.Store], offset);
  }
  f32Load(offset = 0): this {
    return this.memory([Op.F32Load], offset);
  }
  f32Store(offset = 0): this {
    return this.memory([Op.F32Store], offset);
  }
  zero(): this {
    this.simd(SimdOp.Const);
    this.code.push(...new Array(16).fill(0));
    return this;
  }
  /** acc ← acc + a·b for three v128 locals (fused where relaxed SIMD is available). */
  fma(acc: number, a: number, b: number): this {
    if (this.relaxed) return this.get(a).get(b).get(acc).simd(SimdOp.RelaxedMadd).set(acc);
    return this.get(acc).get(a).get(b).simd(SimdOp.F32x4Mul).simd(SimdOp.F32x4Add).set(acc);
  }
  f32Zero(): this {
    return this.f32Const(0);
  }
  f32Const(value: number): this {
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    this.code.push(0x43, ...bytes);
    return this;
  }
  /** local ← local + step. */
  bump(index: number, step: number | { local: number }): this {
    this.get(index);
    if (typeof step === 'number') this.i32(step);
    else this.get(step.local);
    return this.op(Op.I32Add).set(index);
  }
  /** `while (condition) body`: the condition pushes an i32 that is non-zero to continue. */
  loopWhile(condition: () => void, body: () => void): this {
    this.code.push(Op.Block, 0x40, Op.Loop, 0x40);
    condition();
    this.code.push(Op.I32Eqz, Op.BrIf, 1);
    body();
    this.code.push(Op.Br, 0, Op.End, Op.End);
    return this;
  }
  /** `if (condition) then` (the condition already on the stack). */
  when(then: () => void): this {
    this.code.push(Op.If, 0x40);
    then();
    this.code.push(Op.End);
    return this;
  }
  /** `(flags & bit) != 0` on the stack. */
  flag(flags: number, bit: number): this {
    return this.get(flags).i32(bit).op(Op.I32And);
  }
  body(): number[] {
    const out: number[] = [];
    // Locals in runs of one type each.
    const runs: [number, number][] = [];
    for (const type of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === type) last[0]++;
      else runs.push([1, type]);
    }
    uleb(runs.length, out);
    for (const [count, type] of runs) {
      uleb(count, out);
      out.push(type);
    }
    out.push(...this.code, Op.End);
    const sized: number[] = [];
    uleb(out.length, sized);
    return [...sized, ...out];
  }
}

/** Flags of both products. */
export const GEMM_ACCUMULATE = 1;
export const GEMM_BIAS = 2;
export const GEMM_RELU = 4;

/**
 * broadcast(A, sm, sk, B, ldb, C, ldc, M, N, K, bias, flags); every pointer and stride in bytes.
 * C[m, n] = (flags & 1 ? C[m, n] : 0) + Σ_k A(m, k)·B[k, n] (+ bias[n]) (ReLU).
 */
function broadcastProduct(relaxed: boolean): number[] {
  const f = new FunctionBuilder(12, relaxed);
  const [A, SM, SK, B, LDB, C, LDC, M, N, K, BIAS, FLAGS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const m = f.local(I32);
  const n = f.local(I32);
  const k = f.local(I32);
  const pb = f.local(I32);
  const pc = f.local(I32);
  const rows = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const acc = Array.from({ length: 8 }, () => f.local(V128));
  const bv = [f.local(V128), f.local(V128)];
  const av = f.local(V128);
  const sAcc = Array.from({ length: 4 }, () => f.local(F32));
  const sb = f.local(F32);

  /** Row pointers of A for rows m..m+R−1 at k = 0, B's pointer at column n, C's at (m, n). */
  const start = (r: number) => {
    for (let i = 0; i < r; i++) {
      f.get(A).get(m).i32(i).op(Op.I32Add).get(SM).op(Op.I32Mul).op(Op.I32Add).set(rows[i]!);
    }
    f.get(B).get(n).i32(4).op(Op.I32Mul).op(Op.I32Add).set(pb);
    f.get(C).get(m).get(LDC).op(Op.I32Mul).op(Op.I32Add).get(n).i32(4).op(Op.I32Mul).op(Op.I32Add).set(pc);
  };
  /** C's row i of this tile: pc + i·ldc. */
  const cRow = (i: number) => {
    f.get(pc);
    for (let j = 0; j < i; j++) f.get(LDC).op(Op.I32Add);
  };

  /** An R-row × V-vector tile at (m, n). */
  const tile = (r: number, v: number) => {
    start(r);
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < v; j++) {
        f.zero().set(acc[i * 2 + j]!);
      }
    }
    f.get(K).set(k);
    f.loopWhile(
      () => f.get(k),
      () => {
        for (let j = 0; j < v; j++)
          f.get(pb)
            .v128Load(16 * j)
            .set(bv[j]!);
        for (let i = 0; i < r; i++) {
          f.get(rows[i]!).f32Load().simd(SimdOp.F32x4Splat).set(av);
          for (let j = 0; j < v; j++) f.fma(acc[i * 2 + j]!, av, bv[j]!);
          f.bump(rows[i]!, { local: SK });
        }
        f.bump(pb, { local: LDB });
        f.bump(k, -1);
      },
    );
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < v; j++) {
        const a = acc[i * 2 + j]!;
        f.flag(FLAGS, GEMM_ACCUMULATE).when(() => {
          f.get(a);
          cRow(i);
          f.v128Load(16 * j)
            .simd(SimdOp.F32x4Add)
            .set(a);
        });
        f.flag(FLAGS, GEMM_BIAS).when(() => {
          f.get(a)
            .get(BIAS)
            .get(n)
            .i32(4)
            .op(Op.I32Mul)
            .op(Op.I32Add)
            .v128Load(16 * j)
            .simd(SimdOp.F32x4Add)
            .set(a);
        });
        f.flag(FLAGS, GEMM_RELU).when(() => {
          f.get(a).zero().simd(SimdOp.F32x4Max).set(a);
        });
        cRow(i);
        f.get(a).v128Store(16 * j);
      }
    }
  };

  /** An R-row × 1-column scalar tile at (m, n). */
  const scalar = (r: number) => {
    start(r);
    for (let i = 0; i < r; i++) f.f32Zero().set(sAcc[i]!);
    f.get(K).set(k);
    f.loopWhile(
      () => f.get(k),
      () => {
        f.get(pb).f32Load().set(sb);
        for (let i = 0; i < r; i++) {
          f.get(sAcc[i]!).get(rows[i]!).f32Load().get(sb).op(Op.F32Mul).op(Op.F32Add).set(sAcc[i]!);
          f.bump(rows[i]!, { local: SK });
        }
        f.bump(pb, { local: LDB });
        f.bump(k, -1);
      },
    );
    for (let i = 0; i < r; i++) {
      const s = sAcc[i]!;
      f.flag(FLAGS, GEMM_ACCUMULATE).when(() => {
        f.get(s);
        cRow(i);
        f.f32Load().op(Op.F32Add).set(s);
      });
      f.flag(FLAGS, GEMM_BIAS).when(() => {
        f.get(s).get(BIAS).get(n).i32(4).op(Op.I32Mul).op(Op.I32Add).f32Load().op(Op.F32Add).set(s);
      });
      f.flag(FLAGS, GEMM_RELU).when(() => {
        f.get(s).f32Zero().op(Op.F32Max).set(s);
      });
      cRow(i);
      f.get(s).f32Store();
    }
  };

  /** Every column of rows m..m+R−1: 8-wide tiles, one 4-wide tile, then scalar columns. */
  const rowBlock = (r: number) => {
    f.i32(0).set(n);
    f.loopWhile(
      () => f.get(n).i32(8).op(Op.I32Add).get(N).op(Op.I32GtU).op(Op.I32Eqz),
      () => {
        tile(r, 2);
        f.bump(n, 8);
      },
    );
    f.get(n).i32(4).op(Op.I32Add).get(N).op(Op.I32GtU).op(Op.I32Eqz);
    f.when(() => {
      tile(r, 1);
      f.bump(n, 4);
    });
    f.loopWhile(
      () => f.get(n).get(N).op(Op.I32LtU),
      () => {
        scalar(r);
        f.bump(n, 1);
      },
    );
    f.bump(m, r);
  };

  f.i32(0).set(m);
  f.loopWhile(
    () => f.get(m).i32(4).op(Op.I32Add).get(M).op(Op.I32GtU).op(Op.I32Eqz),
    () => rowBlock(4),
  );
  f.loopWhile(
    () => f.get(m).get(M).op(Op.I32LtU),
    () => rowBlock(1),
  );
  return f.body();
}

/**
 * dot(A, lda, B, ldb, C, ldc, M, N, K, bias, flags); every pointer and stride in bytes.
 * C[m, n] = (flags & 1 ? C[m, n] : 0) + Σ_k A[m, k]·B[n, k] (+ bias[n]) (ReLU).
 */
function dotProduct(relaxed: boolean): number[] {
  const f = new FunctionBuilder(11, relaxed);
  const [A, LDA, B, LDB, C, LDC, M, N, K, BIAS, FLAGS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const m = f.local(I32);
  const n = f.local(I32);
  const kk = f.local(I32);
  const kv = f.local(I32);
  const kEnd = f.local(I32);
  const pa = [f.local(I32), f.local(I32)];
  const pb = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const acc = Array.from({ length: 8 }, () => f.local(V128));
  const av = [f.local(V128), f.local(V128)];
  const bq = f.local(V128);
  const s = Array.from({ length: 8 }, () => f.local(F32));

  const tile = (r: number, q: number) => {
    for (let i = 0; i < r; i++) f.get(A).get(m).i32(i).op(Op.I32Add).get(LDA).op(Op.I32Mul).op(Op.I32Add).set(pa[i]!);
    for (let j = 0; j < q; j++) f.get(B).get(n).i32(j).op(Op.I32Add).get(LDB).op(Op.I32Mul).op(Op.I32Add).set(pb[j]!);
    for (let i = 0; i < r; i++) for (let j = 0; j < q; j++) f.zero().set(acc[i * 4 + j]!);
    f.i32(0).set(kk);
    f.loopWhile(
      () => f.get(kk).get(kv).op(Op.I32LtU),
      () => {
        for (let i = 0; i < r; i++) f.get(pa[i]!).get(kk).op(Op.I32Add).v128Load().set(av[i]!);
        for (let j = 0; j < q; j++) {
          f.get(pb[j]!).get(kk).op(Op.I32Add).v128Load().set(bq);
          for (let i = 0; i < r; i++) f.fma(acc[i * 4 + j]!, av[i]!, bq);
        }
        f.bump(kk, 16);
      },
    );
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < q; j++) {
        const a = acc[i * 4 + j]!;
        f.get(a).simd(SimdOp.F32x4ExtractLane).op(0);
        for (let lane = 1; lane < 4; lane++) f.get(a).simd(SimdOp.F32x4ExtractLane).op(lane).op(Op.F32Add);
        f.set(s[i * 4 + j]!);
      }
    }
    f.loopWhile(
      () => f.get(kk).get(kEnd).op(Op.I32LtU),
      () => {
        for (let i = 0; i < r; i++) {
          for (let j = 0; j < q; j++) {
            f.get(s[i * 4 + j]!);
            f.get(pa[i]!).get(kk).op(Op.I32Add).f32Load();
            f.get(pb[j]!).get(kk).op(Op.I32Add).f32Load();
            f.op(Op.F32Mul, Op.F32Add).set(s[i * 4 + j]!);
          }
        }
        f.bump(kk, 4);
      },
    );
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < q; j++) {
        const x = s[i * 4 + j]!;
        const address = () =>
          f
            .get(C)
            .get(m)
            .i32(i)
            .op(Op.I32Add)
            .get(LDC)
            .op(Op.I32Mul)
            .op(Op.I32Add)
            .get(n)
            .i32(j)
            .op(Op.I32Add)
            .i32(4)
            .op(Op.I32Mul)
            .op(Op.I32Add);
        f.flag(FLAGS, GEMM_ACCUMULATE).when(() => {
          f.get(x);
          address();
          f.f32Load().op(Op.F32Add).set(x);
        });
        f.flag(FLAGS, GEMM_BIAS).when(() => {
          f.get(x)
            .get(BIAS)
            .get(n)
            .i32(j)
            .op(Op.I32Add)
            .i32(4)
            .op(Op.I32Mul)
            .op(Op.I32Add)
            .f32Load()
            .op(Op.F32Add)
            .set(x);
        });
        f.flag(FLAGS, GEMM_RELU).when(() => {
          f.get(x).f32Zero().op(Op.F32Max).set(x);
        });
        address();
        f.get(x).f32Store();
      }
    }
  };

  const rowBlock = (r: number) => {
    f.i32(0).set(n);
    f.loopWhile(
      () => f.get(n).i32(4).op(Op.I32Add).get(N).op(Op.I32GtU).op(Op.I32Eqz),
      () => {
        tile(r, 4);
        f.bump(n, 4);
      },
    );
    f.loopWhile(
      () => f.get(n).get(N).op(Op.I32LtU),
      () => {
        tile(r, 1);
        f.bump(n, 1);
      },
    );
    f.bump(m, r);
  };

  // Bytes of k done four at a time, and all of k.
  f.get(K).i32(-4).op(Op.I32And).i32(4).op(Op.I32Mul).set(kv);
  f.get(K).i32(4).op(Op.I32Mul).set(kEnd);
  f.i32(0).set(m);
  f.loopWhile(
    () => f.get(m).i32(2).op(Op.I32Add).get(M).op(Op.I32GtU).op(Op.I32Eqz),
    () => rowBlock(2),
  );
  f.loopWhile(
    () => f.get(m).get(M).op(Op.I32LtU),
    () => rowBlock(1),
  );
  return f.body();
}

/**
 * Rational approximation of tanh (Eigen's float tanh: x·P(x²)/Q(x²) on x clamped to ±7.9053; within 4e-7 of
 * Math.tanh over the whole line). Numerator coefficients of x¹…x¹³, then the denominator's of x⁰…x⁶.
 */
export const TANH_NUMERATOR = [
  4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11,
  2.00018790482477e-13, -2.76076847742355e-16,
];
export const TANH_DENOMINATOR = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6];
export const TANH_CLAMP = 7.905311107635498;

/** tanh(p, count): tanh of `count` floats at p, in place. */
function tanhInPlace(): number[] {
  const f = new FunctionBuilder(2, false);
  const [P, COUNT] = [0, 1];
  const end = f.local(I32);
  const vecEnd = f.local(I32);
  const x = f.local(V128);
  const x2 = f.local(V128);
  const num = f.local(V128);
  const den = f.local(V128);
  const sx = f.local(F32);
  const sx2 = f.local(F32);
  const sNum = f.local(F32);
  const sDen = f.local(F32);
  const splat = (value: number) => f.f32Const(value).simd(SimdOp.F32x4Splat);
  const horner = (coefficients: number[], into: number, square: number, vector: boolean) => {
    const last = coefficients.length - 1;
    if (vector) splat(coefficients[last]!).set(into);
    else f.f32Const(coefficients[last]!).set(into);
    for (let i = last - 1; i >= 0; i--) {
      f.get(into).get(square);
      if (vector) f.simd(SimdOp.F32x4Mul);
      else f.op(Op.F32Mul);
      if (vector) splat(coefficients[i]!).simd(SimdOp.F32x4Add);
      else f.f32Const(coefficients[i]!).op(Op.F32Add);
      f.set(into);
    }
  };
  f.get(P).get(COUNT).i32(4).op(Op.I32Mul).op(Op.I32Add).set(end);
  f.get(P).get(COUNT).i32(-4).op(Op.I32And).i32(4).op(Op.I32Mul).op(Op.I32Add).set(vecEnd);
  f.loopWhile(
    () => f.get(P).get(vecEnd).op(Op.I32LtU),
    () => {
      f.get(P).v128Load();
      splat(-TANH_CLAMP).simd(SimdOp.F32x4Max);
      splat(TANH_CLAMP).simd(SimdOp.F32x4Min).set(x);
      f.get(x).get(x).simd(SimdOp.F32x4Mul).set(x2);
      horner(TANH_NUMERATOR, num, x2, true);
      horner(TANH_DENOMINATOR, den, x2, true);
      f.get(P).get(num).get(x).simd(SimdOp.F32x4Mul).get(den).simd(SimdOp.F32x4Div).v128Store();
      f.bump(P, 16);
    },
  );
  f.loopWhile(
    () => f.get(P).get(end).op(Op.I32LtU),
    () => {
      f.get(P).f32Load().f32Const(-TANH_CLAMP).op(Op.F32Max).f32Const(TANH_CLAMP).op(Op.F32Min).set(sx);
      f.get(sx).get(sx).op(Op.F32Mul).set(sx2);
      horner(TANH_NUMERATOR, sNum, sx2, false);
      horner(TANH_DENOMINATOR, sDen, sx2, false);
      f.get(P).get(sNum).get(sx).op(Op.F32Mul).get(sDen).op(Op.F32Div).f32Store();
      f.bump(P, 4);
    },
  );
  return f.body();
}

function section(id: number, content: number[]): number[] {
  const out = [id];
  uleb(content.length, out);
  return [...out, ...content];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  const out: number[] = [];
  uleb(bytes.length, out);
  return [...out, ...bytes];
}

/** dz = dh ⊙ activation'(h) over `count` floats: relu (h > 0), tanh (1 − h²), elu (min(h + 1, 1)). */
function activationGradient(kind: 'relu' | 'tanh' | 'elu'): number[] {
  const f = new FunctionBuilder(4, false);
  const [DH, H, DZ, COUNT] = [0, 1, 2, 3];
  const offset = f.local(I32);
  const vecEnd = f.local(I32);
  const end = f.local(I32);
  const one = () => f.f32Const(1).simd(SimdOp.F32x4Splat);
  f.get(COUNT).i32(-4).op(Op.I32And).i32(4).op(Op.I32Mul).set(vecEnd);
  f.get(COUNT).i32(4).op(Op.I32Mul).set(end);
  f.i32(0).set(offset);
  const at = (base: number) => f.get(base).get(offset).op(Op.I32Add);
  f.loopWhile(
    () => f.get(offset).get(vecEnd).op(Op.I32LtU),
    () => {
      at(DZ);
      if (kind === 'relu') {
        at(DH).v128Load();
        at(H).v128Load().zero().simd(SimdOp.F32x4Gt);
        f.simd(SimdOp.V128And);
      } else if (kind === 'tanh') {
        at(DH).v128Load();
        one();
        at(H).v128Load();
        at(H).v128Load();
        f.simd(SimdOp.F32x4Mul).simd(SimdOp.F32x4Sub).simd(SimdOp.F32x4Mul);
      } else {
        at(DH).v128Load();
        at(H).v128Load();
        one().simd(SimdOp.F32x4Add);
        one().simd(SimdOp.F32x4Min).simd(SimdOp.F32x4Mul);
      }
      f.v128Store();
      f.bump(offset, 16);
    },
  );
  f.loopWhile(
    () => f.get(offset).get(end).op(Op.I32LtU),
    () => {
      at(DZ);
      if (kind === 'relu') {
        at(DH).f32Load();
        f.f32Zero();
        at(H).f32Load().f32Zero().op(Op.F32Gt);
        f.op(Op.Select);
      } else if (kind === 'tanh') {
        at(DH).f32Load();
        f.f32Const(1);
        at(H).f32Load();
        at(H).f32Load();
        f.op(Op.F32Mul, Op.F32Sub, Op.F32Mul);
      } else {
        at(DH).f32Load();
        at(H).f32Load().f32Const(1).op(Op.F32Add).f32Const(1).op(Op.F32Min).op(Op.F32Mul);
      }
      f.f32Store();
      f.bump(offset, 4);
    },
  );
  return f.body();
}

/** The module's functions: name, i32 parameter count, body. */
function moduleFunctions(relaxed: boolean): [string, number, number[]][] {
  return [
    ['broadcast', 12, broadcastProduct(relaxed)],
    ['dot', 11, dotProduct(relaxed)],
    ['tanh', 2, tanhInPlace()],
    ['reluGrad', 4, activationGradient('relu')],
    ['tanhGrad', 4, activationGradient('tanh')],
    ['eluGrad', 4, activationGradient('elu')],
  ];
}

/** The module's bytes: imports env.memory (shared or not), exports the functions of {@link SimdGemm}. */
export function gemmModuleBytes(options: { relaxed: boolean; shared: boolean }): Uint8Array<ArrayBuffer> {
  const list = moduleFunctions(options.relaxed);
  // One type per function (i32 parameters, no results).
  const types = [list.length, ...list.flatMap(([, params]) => [0x60, params, ...new Array(params).fill(I32), 0])];
  // Memory import: limits flag 0 (minimum only) or 3 (shared: minimum and maximum, 65536 pages).
  const limits = options.shared ? [0x03, 0x00, 0x80, 0x80, 0x04] : [0x00, 0x00];
  const imports = [1, ...name('env'), ...name('memory'), 0x02, ...limits];
  const functions = [list.length, ...list.map((_, i) => i)];
  const exports = [list.length, ...list.flatMap(([label], i) => [...name(label), 0x00, i])];
  const code = [list.length, ...list.flatMap(([, , body]) => body)];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, functions),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

/** The products, bound to one memory; pointers and strides in bytes. */
export interface SimdGemm {
  broadcast(
    a: number,
    sm: number,
    sk: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    bias: number,
    flags: number,
  ): void;
  dot(
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    bias: number,
    flags: number,
  ): void;
  /** tanh of `count` floats at `pointer`, in place. */
  tanh(pointer: number, count: number): void;
  /** dz = dh ⊙ activation'(h) over `count` floats (pointers to dh, h, dz). */
  reluGrad(dh: number, h: number, dz: number, count: number): void;
  tanhGrad(dh: number, h: number, dz: number, count: number): void;
  eluGrad(dh: number, h: number, dz: number, count: number): void;
  /** Whether the multiply-adds are fused (relaxed SIMD). */
  relaxed: boolean;
}

/** Instantiates the products on `memory`; null where this runtime has no WebAssembly SIMD. */
export function createSimdGemm(memory: WebAssembly.Memory): SimdGemm | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  for (const relaxed of [true, false]) {
    const bytes = gemmModuleBytes({ relaxed, shared });
    if (!WebAssembly.validate(bytes)) continue;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    const exports = instance.exports as unknown as Omit<SimdGemm, 'relaxed'>;
    return { ...exports, relaxed };
  }
  return null;
}
