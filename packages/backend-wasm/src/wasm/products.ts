/**
 * The two matrix products as WebAssembly functions (written on `encoder.ts`). Every pointer and stride they take
 * is in bytes; `simd-gemm.ts` gives them typed arguments.
 *
 *   broadcast(A, sm, sk, B, ldb, C, ldc, M, N, K, bias, flags):
 *     C[m, n] (+)= Σ_k A(m, k)·B[k, n] with A(m, k) at A + m·sm + k·sk (any strides: A or Aᵀ), B's rows
 *     contiguous; tiles of 4 rows × 8 columns (two vectors), then 1-row tiles, 4-column and scalar edges.
 *   dot(A, lda, B, ldb, C, ldc, M, N, K, bias, flags):
 *     C[m, n] (+)= Σ_k A[m, k]·B[n, k] (A·Bᵀ), both rows contiguous; tiles of 2 × 4 dot products four wide along
 *     k, edges in smaller tiles; narrow outputs (a mixture head) stay vectorised along k.
 *
 * Both end every output value with the same epilogue ({@link epilogue}): accumulate into C, add the bias, ReLU.
 */
import { F32, type FunctionBuilder, I32, LANE_BYTES, type Lanes, Op, SimdOp, V128 } from './encoder.js';

/** The epilogue's flags (the products' last parameter). */
export const EPILOGUE_FLAGS = { accumulate: 1, bias: 2, relu: 4 } as const;

/** Where one output value (one float, or four in a row) of a tile goes. */
interface OutputSite {
  /** The local holding the value. */
  value: number;
  lanes: Lanes;
  /** Pushes the address of C's row of this value, and of the bias row (both at the tile's first column). */
  cRow: () => void;
  bias: () => void;
  /** Bytes from those addresses to this value's column. */
  offset: number;
}

/**
 * value (+ C if accumulating) (+ bias if given) (ReLU if asked), then stored to C: the one epilogue of every
 * tile of both products, vector or scalar.
 */
function epilogue(f: FunctionBuilder, flags: number, site: OutputSite): void {
  const { value, lanes, offset } = site;
  f.flag(flags, EPILOGUE_FLAGS.accumulate).when(() => {
    f.get(value);
    site.cRow();
    f.load(lanes, offset).arith(lanes, 'add').set(value);
  });
  f.flag(flags, EPILOGUE_FLAGS.bias).when(() => {
    f.get(value);
    site.bias();
    f.load(lanes, offset).arith(lanes, 'add').set(value);
  });
  f.flag(flags, EPILOGUE_FLAGS.relu).when(() => {
    f.get(value).constant(lanes, 0).arith(lanes, 'max').set(value);
  });
  site.cRow();
  f.get(value).store(lanes, offset);
}

/** The broadcast product's body; `f` has its 12 parameters. */
export function broadcastProduct(f: FunctionBuilder): number[] {
  const [A, SM, SK, B, LDB, C, LDC, M, N, K, BIAS, FLAGS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const m = f.local(I32);
  const n = f.local(I32);
  const k = f.local(I32);
  const pb = f.local(I32);
  const pc = f.local(I32);
  const rows = f.locals(I32, 4);
  const acc = f.locals(V128, 8);
  const bv = f.locals(V128, 2);
  const av = f.local(V128);
  const sAcc = f.locals(F32, 4);
  const sb = f.local(F32);

  /** Row pointers of A for rows m..m+R−1 at k = 0, B's pointer at column n, C's at (m, n). */
  const start = (r: number) => {
    for (let i = 0; i < r; i++) {
      f.get(A).get(m).i32(i).op(Op.I32Add).get(SM).op(Op.I32Mul, Op.I32Add).set(rows[i]!);
    }
    f.address(B, n, 4).set(pb);
    f.get(C).get(m).get(LDC).op(Op.I32Mul, Op.I32Add).get(n).i32(4).op(Op.I32Mul, Op.I32Add).set(pc);
  };
  /** C's row i of this tile: pc + i·ldc. */
  const cRow = (i: number) => () => {
    f.get(pc);
    for (let j = 0; j < i; j++) f.get(LDC).op(Op.I32Add);
  };
  const bias = () => f.address(BIAS, n, 4);

  /** An R-row × V-vector tile at (m, n). */
  const tile = (r: number, v: number) => {
    start(r);
    for (let i = 0; i < r; i++) for (let j = 0; j < v; j++) f.constant('v128', 0).set(acc[i * 2 + j]!);
    f.get(K).set(k);
    f.loopWhile(
      () => f.get(k),
      () => {
        for (let j = 0; j < v; j++)
          f.get(pb)
            .load('v128', 16 * j)
            .set(bv[j]!);
        for (let i = 0; i < r; i++) {
          f.get(rows[i]!).load('f32').simd(SimdOp.F32x4Splat).set(av);
          for (let j = 0; j < v; j++) f.fma(acc[i * 2 + j]!, av, bv[j]!);
          f.bump(rows[i]!, { local: SK });
        }
        f.bump(pb, { local: LDB });
        f.bump(k, -1);
      },
    );
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < v; j++) {
        epilogue(f, FLAGS, { value: acc[i * 2 + j]!, lanes: 'v128', cRow: cRow(i), bias, offset: 16 * j });
      }
    }
  };

  /** An R-row × 1-column scalar tile at (m, n). */
  const scalar = (r: number) => {
    start(r);
    for (let i = 0; i < r; i++) f.constant('f32', 0).set(sAcc[i]!);
    f.get(K).set(k);
    f.loopWhile(
      () => f.get(k),
      () => {
        f.get(pb).load('f32').set(sb);
        for (let i = 0; i < r; i++) {
          f.get(sAcc[i]!).get(rows[i]!).load('f32').get(sb).op(Op.F32Mul, Op.F32Add).set(sAcc[i]!);
          f.bump(rows[i]!, { local: SK });
        }
        f.bump(pb, { local: LDB });
        f.bump(k, -1);
      },
    );
    for (let i = 0; i < r; i++) epilogue(f, FLAGS, { value: sAcc[i]!, lanes: 'f32', cRow: cRow(i), bias, offset: 0 });
  };

  /** Every column of rows m..m+R−1: 8-wide tiles, one 4-wide tile, then scalar columns. */
  const rowBlock = (r: number) => {
    f.i32(0).set(n);
    f.loopWhile(
      () => f.fits(n, 8, N),
      () => {
        tile(r, 2);
        f.bump(n, 8);
      },
    );
    f.fits(n, 4, N).when(() => {
      tile(r, 1);
      f.bump(n, 4);
    });
    f.loopWhile(
      () => f.below(n, N),
      () => {
        scalar(r);
        f.bump(n, 1);
      },
    );
    f.bump(m, r);
  };

  f.i32(0).set(m);
  f.loopWhile(
    () => f.fits(m, 4, M),
    () => rowBlock(4),
  );
  f.loopWhile(
    () => f.below(m, M),
    () => rowBlock(1),
  );
  return f.body();
}

/** The dot product's body; `f` has its 11 parameters. */
export function dotProduct(f: FunctionBuilder): number[] {
  const [A, LDA, B, LDB, C, LDC, M, N, K, BIAS, FLAGS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const m = f.local(I32);
  const n = f.local(I32);
  const kk = f.local(I32);
  const kv = f.local(I32);
  const kEnd = f.local(I32);
  const pa = f.locals(I32, 2);
  const pb = f.locals(I32, 4);
  const acc = f.locals(V128, 8);
  const av = f.locals(V128, 2);
  const bq = f.local(V128);
  const s = f.locals(F32, 8);

  /** Row i of a tile's rows of A (or of C), from row m. */
  const rowOf = (base: number, stride: number, first: number, i: number) =>
    f.get(base).get(first).i32(i).op(Op.I32Add).get(stride).op(Op.I32Mul, Op.I32Add);
  const bias = () => f.address(BIAS, n, 4);

  const tile = (r: number, q: number) => {
    for (let i = 0; i < r; i++) rowOf(A, LDA, m, i).set(pa[i]!);
    for (let j = 0; j < q; j++) rowOf(B, LDB, n, j).set(pb[j]!);
    for (let i = 0; i < r; i++) for (let j = 0; j < q; j++) f.constant('v128', 0).set(acc[i * 4 + j]!);
    f.i32(0).set(kk);
    f.loopWhile(
      () => f.below(kk, kv),
      () => {
        for (let i = 0; i < r; i++) f.get(pa[i]!).get(kk).op(Op.I32Add).load('v128').set(av[i]!);
        for (let j = 0; j < q; j++) {
          f.get(pb[j]!).get(kk).op(Op.I32Add).load('v128').set(bq);
          for (let i = 0; i < r; i++) f.fma(acc[i * 4 + j]!, av[i]!, bq);
        }
        f.bump(kk, LANE_BYTES.v128);
      },
    );
    // The four lanes summed, then the rest of k one float at a time.
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < q; j++) {
        const a = acc[i * 4 + j]!;
        f.get(a).simd(SimdOp.F32x4ExtractLane).op(0);
        for (let lane = 1; lane < 4; lane++) f.get(a).simd(SimdOp.F32x4ExtractLane).op(lane).op(Op.F32Add);
        f.set(s[i * 4 + j]!);
      }
    }
    f.loopWhile(
      () => f.below(kk, kEnd),
      () => {
        for (let i = 0; i < r; i++) {
          for (let j = 0; j < q; j++) {
            f.get(s[i * 4 + j]!);
            f.get(pa[i]!).get(kk).op(Op.I32Add).load('f32');
            f.get(pb[j]!).get(kk).op(Op.I32Add).load('f32');
            f.op(Op.F32Mul, Op.F32Add).set(s[i * 4 + j]!);
          }
        }
        f.bump(kk, LANE_BYTES.f32);
      },
    );
    for (let i = 0; i < r; i++) {
      const cRow = () => rowOf(C, LDC, m, i).get(n).i32(4).op(Op.I32Mul, Op.I32Add);
      for (let j = 0; j < q; j++) {
        epilogue(f, FLAGS, { value: s[i * 4 + j]!, lanes: 'f32', cRow, bias, offset: LANE_BYTES.f32 * j });
      }
    }
  };

  const rowBlock = (r: number) => {
    f.i32(0).set(n);
    f.loopWhile(
      () => f.fits(n, 4, N),
      () => {
        tile(r, 4);
        f.bump(n, 4);
      },
    );
    f.loopWhile(
      () => f.below(n, N),
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
    () => f.fits(m, 2, M),
    () => rowBlock(2),
  );
  f.loopWhile(
    () => f.below(m, M),
    () => rowBlock(1),
  );
  return f.body();
}
