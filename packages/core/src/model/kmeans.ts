import type { Matrix } from '../data/matrix.js';
import { createRandom } from '../random/rng.js';

/** Result of {@link kMeans}. */
export interface KMeansResult {
  /** `[K, D]` row-major centres. */
  centres: Float64Array;
  /** Root-mean-square distance of points to their centre, per dimension `[D]`. */
  spread: Float64Array;
  /** The pooled within-cluster covariance `[D, D]` row-major (its diagonal is `spread`²). */
  covariance: Float64Array;
}

/**
 * k-means++ seeding followed by Lloyd iterations, on at most `maxRows` rows (a seeded subsample).
 * Used to spread the initial component means over the targets; duplicates are jittered apart.
 */
export function kMeans(
  matrix: Matrix,
  k: number,
  options: { seed?: number; iterations?: number; maxRows?: number } = {},
): KMeansResult {
  const random = createRandom(options.seed ?? 0);
  const d = matrix.columns;
  const maxRows = options.maxRows ?? 4000;
  const rows: number[] = [];
  if (matrix.rows <= maxRows) for (let r = 0; r < matrix.rows; r++) rows.push(r);
  else for (let r = 0; r < maxRows; r++) rows.push(Math.floor(random.uniform() * matrix.rows));
  const n = rows.length;
  const point = (i: number, e: number) => matrix.data[rows[i]! * d + e]!;
  const centres = new Float64Array(k * d);
  const distance = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const squared = (i: number, c: number) => {
    let s = 0;
    for (let e = 0; e < d; e++) s += (point(i, e) - centres[c * d + e]!) ** 2;
    return s;
  };
  // k-means++ seeding
  let first = Math.floor(random.uniform() * n);
  for (let c = 0; c < k; c++) {
    if (c > 0) {
      let total = 0;
      for (let i = 0; i < n; i++) total += distance[i]!;
      let u = random.uniform() * total;
      first = n - 1;
      for (let i = 0; i < n; i++) {
        u -= distance[i]!;
        if (u <= 0) {
          first = i;
          break;
        }
      }
    }
    for (let e = 0; e < d; e++) centres[c * d + e] = point(first, e);
    for (let i = 0; i < n; i++) distance[i] = Math.min(distance[i]!, squared(i, c));
  }
  const assignment = new Int32Array(n);
  for (let iteration = 0; iteration < (options.iterations ?? 25); iteration++) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestValue = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const value = squared(i, c);
        if (value < bestValue) {
          bestValue = value;
          best = c;
        }
      }
      assignment[i] = best;
    }
    const sums = new Float64Array(k * d);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      counts[assignment[i]!]!++;
      for (let e = 0; e < d; e++) sums[assignment[i]! * d + e]! += point(i, e);
    }
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) for (let e = 0; e < d; e++) centres[c * d + e] = sums[c * d + e]! / counts[c]!;
    }
  }
  const covariance = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const da = point(i, a) - centres[assignment[i]! * d + a]!;
      for (let b = 0; b < d; b++) covariance[a * d + b]! += da * (point(i, b) - centres[assignment[i]! * d + b]!);
    }
  }
  for (let a = 0; a < d * d; a++) covariance[a] = covariance[a]! / Math.max(1, n);
  const spread = new Float64Array(d);
  for (let e = 0; e < d; e++) spread[e] = Math.sqrt(covariance[e * d + e]!);
  // Identical centres (few distinct targets) would keep components merged forever: push them apart.
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < a; b++) {
      let same = true;
      for (let e = 0; e < d; e++) same &&= Math.abs(centres[a * d + e]! - centres[b * d + e]!) < 1e-9;
      if (same) for (let e = 0; e < d; e++) centres[a * d + e]! += 0.1 * (random.uniform() - 0.5);
    }
  }
  return { centres, spread, covariance };
}
