/**
 * The global mode of each row of a mixture whose density is smooth (the Gaussian families): hill climbs from
 * chosen starts, the start that ends at the highest density winning. The family gives the climbing step; this
 * module chooses the starts, stops those that reach a basin an earlier start reached, and keeps the best.
 *
 * In one dimension a mean inside a stretch an earlier climb went over is not a start (see {@link climbModes}): a
 * mixture with one mode costs two climbs, not one per component; in more dimensions every distinct mean is a start.
 */
import { logSumExp } from '../../math/host-math.js';
import type { ComponentArrays, HostFamily } from './family.js';

/** One row's climbing step, prepared per row. */
export interface Climber {
  /** Called once per row before its starts. */
  prepareRow(row: number): void;
  /**
   * One step from `x` (`[D]`): writes the move into `move` and returns its size (max-norm), or 0 when no move is
   * possible (a singular system); `gamma` receives the components' responsibilities at `x`.
   */
  step(row: number, x: Float64Array, move: Float64Array, gamma: Float64Array): number;
}

/**
 * The mode of each row by climbing with `climber` (for one dimension with Newton's step on d/dx log p = 0 where the
 * density is concave and the step is within twice the climber's; quadratic convergence near the mode). Once the
 * steps fall below 1e-3 of the narrowest scale a start is in a basin: if an earlier start reached the same one it
 * would end at the same mode, so it stops. Done at 1e-10 of the narrowest scale or at float64 resolution at x.
 *
 * The starts: every distinct component mean (a Gaussian mixture's modes are found from its means;
 * Carreira-Perpiñán 2000; a tail companion shares its component's mean), except in one dimension a mean that lies
 * between the start and the end of an earlier climb. On a line each mode's basin is an interval and a climb stays in
 * the basin it starts in, so such a mean would climb to the mode already found. The means are taken from both ends
 * inwards, so on a mixture with one mode the two outermost climbs cover all the others (a model's 5 networks with
 * tail companions: 50 components, 25 distinct means, about 6 climbs a row instead of 50, the same modes).
 */
export function climbModes(m: ComponentArrays, family: HostFamily, climber: Climber): Float64Array {
  const { rows: n, components: k, dimensions: d } = m;
  const out = new Float64Array(n * d);
  const x = new Float64Array(d);
  const move = new Float64Array(d);
  const gamma = new Float64Array(k);
  const terms = new Float64Array(k);
  const at = new Float64Array(d);
  const basins: Float64Array[] = [];
  const logProbAt = (row: number, y: ArrayLike<number>) => {
    for (let j = 0; j < k; j++) terms[j] = m.logWeights[row * k + j]! + family.logDensity(m, row, j, y);
    return logSumExp(terms, 0, k);
  };
  let best = Number.NEGATIVE_INFINITY;
  let smallestScale = Number.POSITIVE_INFINITY;
  /**
   * Climbs from `start` (`[D]`) in row `i`; keeps the end when it is the densest so far. Returns where it ended (its
   * first dimension): at a mode, or at the basin of one an earlier start found.
   */
  const climb = (i: number, start: ArrayLike<number>): number => {
    for (let e = 0; e < d; e++) x[e] = start[e]!;
    let inBasin = false;
    for (let iteration = 0; iteration < 1000; iteration++) {
      let step = climber.step(i, x, move, gamma);
      if (d === 1) {
        let slope = 0;
        let curvature = 0;
        for (let j = 0; j < k; j++) {
          const inverseVariance = 1 / m.scales[i * k + j]! ** 2;
          const a = (m.means[i * k + j]! - x[0]!) * inverseVariance;
          slope += gamma[j]! * a;
          curvature += gamma[j]! * (a * a - inverseVariance);
        }
        curvature -= slope * slope;
        const newton = -slope / curvature;
        if (curvature < 0 && Math.abs(newton) <= 2 * step + 1e-3 * smallestScale) {
          move[0] = newton;
          step = Math.abs(newton);
        }
      }
      for (let e = 0; e < d; e++) x[e]! += move[e]!;
      if (!inBasin && step <= 1e-3 * smallestScale) {
        inBasin = true;
        const known = basins.find((b) => b.every((v, e) => Math.abs(v - x[e]!) <= 1e-2 * smallestScale));
        if (known) return known[0]!;
        basins.push(Float64Array.from(x));
      }
      let size = 0;
      for (let e = 0; e < d; e++) size = Math.max(size, Math.abs(x[e]!));
      if (step <= 1e-10 * smallestScale + 4 * Number.EPSILON * size) break;
    }
    const value = logProbAt(i, x);
    if (value > best) {
      best = value;
      for (let e = 0; e < d; e++) out[i * d + e] = x[e]!;
    }
    return x[0]!;
  };
  for (let i = 0; i < n; i++) {
    best = Number.NEGATIVE_INFINITY;
    smallestScale = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k * d; j++) smallestScale = Math.min(smallestScale, m.scales[i * k * d + j]!);
    climber.prepareRow(i);
    basins.length = 0;
    if (d === 1) {
      climbLine(m, i, climb);
      continue;
    }
    // Every distinct mean once (a tail companion shares its component's mean: the same climb).
    const seen: Float64Array[] = [];
    for (let start = 0; start < k; start++) {
      if (m.logWeights[i * k + start] === Number.NEGATIVE_INFINITY) continue;
      for (let e = 0; e < d; e++) at[e] = m.means[(i * k + start) * d + e]!;
      if (seen.some((s) => s.every((v, e) => v === at[e]))) continue;
      seen.push(Float64Array.from(at));
      climb(i, at);
    }
  }
  return out;
}

/**
 * The one-dimensional starts of {@link climbModes} for row `i`. On a line the basin of each mode is an interval and a
 * climb moves through its own basin only, so every point between a start and where its climb ended belongs to the
 * same mode: a mean inside such a stretch would climb to a mode already found, and is skipped. The means are taken
 * from both ends inwards (leftmost open, rightmost open, …): on a mixture with one mode two climbs cover them all.
 */
function climbLine(m: ComponentArrays, i: number, climb: (row: number, start: ArrayLike<number>) => number): void {
  const k = m.components;
  const means: number[] = [];
  for (let j = 0; j < k; j++) if (m.logWeights[i * k + j] !== Number.NEGATIVE_INFINITY) means.push(m.means[i * k + j]!);
  const knots = [...new Set(means)].sort((a, b) => a - b);
  /** The stretches climbed over, as [low, high] pairs. */
  const covered: number[] = [];
  const start = new Float64Array(1);
  let left = 0;
  let right = knots.length - 1;
  for (let fromLeft = true; left <= right; fromLeft = !fromLeft) {
    const knot = knots[fromLeft ? left++ : right--]!;
    let inside = false;
    for (let c = 0; c < covered.length && !inside; c += 2) inside = knot >= covered[c]! && knot <= covered[c + 1]!;
    if (inside) continue;
    start[0] = knot;
    const end = climb(i, start);
    covered.push(Math.min(knot, end), Math.max(knot, end));
  }
}
