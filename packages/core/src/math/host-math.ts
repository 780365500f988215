/**
 * Float64 helpers shared by every host-side (non-tfjs) computation: logsumexp, the log-density of a normal,
 * softplus and its inverse, and per-column moments. Plain loops, no allocation in the per-value functions,
 * so they can sit in hot loops. The float32 device kernels (src/train) keep their own inner loops.
 */

import type { Matrix } from '../data/matrix.js';
import { LOG_SQRT_2PI } from './normal.js';

/**
 * log Σ exp(v) over `count` values of `values` read from `start` in steps of `stride`, without overflow or
 * underflow: max + log Σ exp(v − max). Allocates nothing, so a row of a row-major `[N, K]` array is
 * `logSumExp(a, i * K, K)` and a column is `logSumExp(a, j, N, K)`.
 *
 * Edge cases: no values → −∞; all −∞ → −∞; any +∞ → +∞; any NaN → NaN.
 *
 * @param values the array to read
 * @param start index of the first value; default 0
 * @param count how many values; default all from `start` to the end at the given stride
 * @param stride distance between consecutive values; default 1
 */
export function logSumExp(values: ArrayLike<number>, start = 0, count?: number, stride = 1): number {
  const n = count ?? Math.max(0, Math.ceil((values.length - start) / stride));
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0, at = start; i < n; i++, at += stride) max = Math.max(max, values[at]!);
  // −∞ (nothing or only zero-weight terms), +∞ and NaN are their own answers; exp(v − max) would give NaN.
  if (max === Number.NEGATIVE_INFINITY || max === Number.POSITIVE_INFINITY || Number.isNaN(max)) return max;
  let total = 0;
  for (let i = 0, at = start; i < n; i++, at += stride) total += Math.exp(values[at]! - max);
  return max + Math.log(total);
}

/**
 * Log-density of N(mean, sd²) at `y`: −½ log 2π − log sd − ½ ((y − mean) / sd)². Add these over dimensions
 * (and a log-weight) to get one component's term of a diagonal mixture's logsumexp.
 */
export function logNormalPdf(y: number, mean: number, sd: number): number {
  const z = (y - mean) / sd;
  return -LOG_SQRT_2PI - Math.log(sd) - 0.5 * z * z;
}

/**
 * softplus(x) = log(1 + eˣ), accurate in float64 for every x: max(x, 0) + log1p(e^−|x|) (no overflow for
 * large x, no cancellation for very negative x, where it equals eˣ). softplus(−∞) = 0, softplus(+∞) = +∞.
 */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * The inverse of {@link softplus}: log(eᵛ − 1) = log(expm1(v)) for v ≤ 20 and v + log1p(−e^−v) above (the same
 * value without overflowing expm1; it rounds to v itself from v ≈ 37). Defined for v > 0: −∞ at 0, NaN below.
 */
export function inverseSoftplus(v: number): number {
  return v > 20 ? v + Math.log1p(-Math.exp(-v)) : Math.log(Math.expm1(v));
}

/** Per-column mean and standard deviation of a matrix, from {@link columnMoments}. */
export interface ColumnMoments {
  /** `[C]` */
  mean: Float64Array;
  /** `[C]`, population standard deviation (divides by N, not N − 1). */
  sd: Float64Array;
}

/**
 * Mean and population standard deviation of each column of a row-major matrix, in float64 (also for a float32
 * matrix). Two passes — the mean, then the centred squares — so a large offset (1e6 + noise) costs no accuracy.
 * A matrix without rows gives NaN for every column.
 */
export function columnMoments(matrix: Matrix): ColumnMoments {
  const { rows, columns, data } = matrix;
  const mean = new Float64Array(columns);
  const sd = new Float64Array(columns);
  for (let c = 0; c < columns; c++) {
    // Plain two-pass sums; rescaled only where they would overflow or where squares would underflow (values
    // near 1e200, or on a 1e-160 scale and below), so ordinary data get the exact two-pass figures.
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += data[r * columns + c]!;
    let m = sum / rows;
    if (!Number.isFinite(m)) {
      let largest = 0;
      for (let r = 0; r < rows; r++) largest = Math.max(largest, Math.abs(data[r * columns + c]!));
      let scaled = 0;
      for (let r = 0; r < rows; r++) scaled += data[r * columns + c]! / largest;
      m = (scaled / rows) * largest;
    }
    let spread = 0;
    for (let r = 0; r < rows; r++) spread = Math.max(spread, Math.abs(data[r * columns + c]! - m));
    const divisor = spread > 1e-150 && spread < 1e150 ? 1 : spread || 1;
    let squares = 0;
    for (let r = 0; r < rows; r++) squares += ((data[r * columns + c]! - m) / divisor) ** 2;
    mean[c] = m;
    sd[c] = divisor * Math.sqrt(squares / rows);
  }
  return { mean, sd };
}
