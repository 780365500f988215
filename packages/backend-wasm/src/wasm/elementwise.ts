/**
 * Element-wise kernels as WebAssembly functions (written on `encoder.ts`): tanh in place, and the activations'
 * derivatives dz = dh ⊙ activation'(h). Each walks its floats four at a time, then the rest one at a time, with
 * the same arithmetic written once for both widths.
 */
import { F32, type FunctionBuilder, I32, LANE_BYTES, type Lanes, Op, SimdOp, V128 } from './encoder.js';

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

/**
 * `while (offset < vector end) { body('v128'); offset += 16 }`, then the same for single floats up to `count`:
 * `offset` counts bytes from 0.
 */
function overFloats(f: FunctionBuilder, count: number, offset: number, body: (lanes: Lanes) => void): void {
  const vecEnd = f.local(I32);
  const end = f.local(I32);
  f.get(count).i32(-4).op(Op.I32And).i32(4).op(Op.I32Mul).set(vecEnd);
  f.get(count).i32(4).op(Op.I32Mul).set(end);
  f.i32(0).set(offset);
  for (const [lanes, limit] of [
    ['v128', vecEnd],
    ['f32', end],
  ] as const) {
    f.loopWhile(
      () => f.below(offset, limit),
      () => {
        body(lanes);
        f.bump(offset, LANE_BYTES[lanes]);
      },
    );
  }
}

/** tanh(p, count): tanh of `count` floats at p, in place; `f` has its 2 parameters. */
export function tanhInPlace(f: FunctionBuilder): number[] {
  const [P, COUNT] = [0, 1];
  const offset = f.local(I32);
  const locals: Record<Lanes, { x: number; x2: number; num: number; den: number }> = {
    v128: { x: f.local(V128), x2: f.local(V128), num: f.local(V128), den: f.local(V128) },
    f32: { x: f.local(F32), x2: f.local(F32), num: f.local(F32), den: f.local(F32) },
  };
  /** into ← polynomial in `square` (Horner). */
  const horner = (lanes: Lanes, coefficients: number[], into: number, square: number) => {
    const last = coefficients.length - 1;
    f.constant(lanes, coefficients[last]!).set(into);
    for (let i = last - 1; i >= 0; i--) {
      f.get(into).get(square).arith(lanes, 'mul').constant(lanes, coefficients[i]!).arith(lanes, 'add').set(into);
    }
  };
  overFloats(f, COUNT, offset, (lanes) => {
    const { x, x2, num, den } = locals[lanes];
    const at = () => f.get(P).get(offset).op(Op.I32Add);
    at().load(lanes);
    f.constant(lanes, -TANH_CLAMP).arith(lanes, 'max');
    f.constant(lanes, TANH_CLAMP).arith(lanes, 'min').set(x);
    f.get(x).get(x).arith(lanes, 'mul').set(x2);
    horner(lanes, TANH_NUMERATOR, num, x2);
    horner(lanes, TANH_DENOMINATOR, den, x2);
    at();
    f.get(num).get(x).arith(lanes, 'mul').get(den).arith(lanes, 'div').store(lanes);
  });
  return f.body();
}

/** The activations whose derivative is a kernel here: relu (h > 0), tanh (1 − h²), elu (min(h + 1, 1)). */
export type GradientActivation = 'relu' | 'tanh' | 'elu';

/** dz = dh ⊙ activation'(h) over `count` floats: (dh, h, dz, count); `f` has its 4 parameters. */
export function activationGradient(f: FunctionBuilder, kind: GradientActivation): number[] {
  const [DH, H, DZ, COUNT] = [0, 1, 2, 3];
  const offset = f.local(I32);
  const at = (base: number) => f.get(base).get(offset).op(Op.I32Add);
  overFloats(f, COUNT, offset, (lanes) => {
    at(DZ);
    if (kind === 'relu') {
      // dh where h > 0: a mask (vectors) or a select (floats).
      at(DH).load(lanes);
      if (lanes === 'v128') {
        at(H).load(lanes).constant(lanes, 0).simd(SimdOp.F32x4Gt);
        f.simd(SimdOp.V128And);
      } else {
        f.constant(lanes, 0);
        at(H).load(lanes).constant(lanes, 0).op(Op.F32Gt);
        f.op(Op.Select);
      }
    } else if (kind === 'tanh') {
      at(DH).load(lanes);
      f.constant(lanes, 1);
      at(H).load(lanes);
      at(H).load(lanes);
      f.arith(lanes, 'mul').arith(lanes, 'sub').arith(lanes, 'mul');
    } else {
      at(DH).load(lanes);
      at(H).load(lanes).constant(lanes, 1).arith(lanes, 'add').constant(lanes, 1).arith(lanes, 'min');
      f.arith(lanes, 'mul');
    }
    f.store(lanes);
  });
  return f.body();
}
