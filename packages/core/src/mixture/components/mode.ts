/**
 * The global mode of each row of a mixture whose density is smooth (the Gaussian families): a hill climb started
 * from every component's mean, the start that ends at the highest density winning. The family gives the climbing
 * step; this module runs the starts, stops those that reach a basin an earlier start reached, and keeps the best.
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
 * The mode of each row by climbing from every component mean with `climber` (for one dimension with Newton's step on
 * d/dx log p = 0 where the density is concave and the step is within twice the climber's; quadratic convergence
 * near the mode). Once the steps fall below 1e-3 of the narrowest scale a start is in a basin: if an earlier start
 * reached the same one it would end at the same mode, so it stops. Done at 1e-10 of the narrowest scale or at
 * float64 resolution at x.
 */
export function climbModes(m: ComponentArrays, family: HostFamily, climber: Climber): Float64Array {
  const { rows: n, components: k, dimensions: d } = m;
  const out = new Float64Array(n * d);
  const x = new Float64Array(d);
  const move = new Float64Array(d);
  const gamma = new Float64Array(k);
  const terms = new Float64Array(k);
  const basins: Float64Array[] = [];
  const logProbAt = (row: number, y: Float64Array) => {
    for (let j = 0; j < k; j++) terms[j] = m.logWeights[row * k + j]! + family.logDensity(m, row, j, y);
    return logSumExp(terms, 0, k);
  };
  for (let i = 0; i < n; i++) {
    let best = Number.NEGATIVE_INFINITY;
    let smallestScale = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k * d; j++) smallestScale = Math.min(smallestScale, m.scales[i * k * d + j]!);
    climber.prepareRow(i);
    basins.length = 0;
    for (let start = 0; start < k; start++) {
      if (m.logWeights[i * k + start] === Number.NEGATIVE_INFINITY) continue;
      for (let e = 0; e < d; e++) x[e] = m.means[(i * k + start) * d + e]!;
      let inBasin = false;
      let duplicate = false;
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
          duplicate = basins.some((b) => b.every((v, e) => Math.abs(v - x[e]!) <= 1e-2 * smallestScale));
          if (duplicate) break;
          basins.push(Float64Array.from(x));
        }
        let size = 0;
        for (let e = 0; e < d; e++) size = Math.max(size, Math.abs(x[e]!));
        if (step <= 1e-10 * smallestScale + 4 * Number.EPSILON * size) break;
      }
      if (duplicate) continue;
      const value = logProbAt(i, x);
      if (value > best) {
        best = value;
        for (let e = 0; e < d; e++) out[i * d + e] = x[e]!;
      }
    }
  }
  return out;
}
