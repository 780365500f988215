/**
 * Components with independent dimensions, each a location-scale copy of a standard component (see standard.ts):
 * the diagonal Gaussian (the default) and Laplace. Log-density, covariance, marginals, conditioning, draws, and for
 * one dimension the exact CDF, quantiles (Halley's method on the CDF), CRPS in closed form and the mode.
 */
import { logSumExp } from '../../math/host-math.js';
import { LOG_SQRT_2PI, normalQuantile } from '../../math/normal.js';
import type { Random } from '../../random/rng.js';
import type { ComponentArrays, DerivedComponents, HostFamily } from './family.js';
import { type Climber, climbModes } from './mode.js';
import type { StandardComponent, TailPoint } from './standard.js';

/** Per-row constants of the quantile iterations. */
interface QuantileScratch {
  weights: Float64Array;
  inverseScales: Float64Array;
  /** The row's mixture mean, standard deviation and skewness (for the Cornish–Fisher start). */
  mean: number;
  sd: number;
  skew: number;
  /** The narrowest component's scale (the unit of the stopping tolerance). */
  smallestScale: number;
  point: TailPoint;
}

export class DiagonalFamily implements HostFamily {
  readonly kind = 'diagonal' as const;

  constructor(private readonly standard: StandardComponent) {}

  get family() {
    return this.standard.family;
  }

  logDensity(m: ComponentArrays, row: number, j: number, y: ArrayLike<number>): number {
    const d = m.dimensions;
    const base = (row * m.components + j) * d;
    let total = 0;
    for (let e = 0; e < d; e++) {
      const scale = m.scales[base + e]!;
      total += this.standard.logDensity((y[e]! - m.means[base + e]!) / scale) - Math.log(scale);
    }
    return total;
  }

  covariance(m: ComponentArrays, row: number, j: number, out: Float64Array): Float64Array {
    const d = m.dimensions;
    const base = (row * m.components + j) * d;
    out.fill(0);
    for (let e = 0; e < d; e++) out[e * d + e] = this.standard.variance * m.scales[base + e]! ** 2;
    return out;
  }

  marginal(m: ComponentArrays, kept: readonly number[]): DerivedComponents {
    const { rows: n, components: k, dimensions: d } = m;
    const f = kept.length;
    const means = new Float64Array(n * k * f);
    const scales = new Float64Array(n * k * f);
    for (let r = 0; r < n * k; r++) {
      for (let a = 0; a < f; a++) {
        means[r * f + a] = m.means[r * d + kept[a]!]!;
        scales[r * f + a] = m.scales[r * d + kept[a]!]!;
      }
    }
    return { logWeights: m.logWeights, means, scales, factors: undefined };
  }

  condition(
    m: ComponentArrays,
    given: readonly number[],
    free: readonly number[],
    observed: (dimension: number, row: number) => number,
  ): DerivedComponents {
    // Independent dimensions: each component keeps its free dimensions, reweighted by its density of the observed.
    const { rows: n, components: k, dimensions: d } = m;
    const { means, scales } = this.marginal(m, free);
    const logWeights = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const base = (i * k + j) * d;
        let logDensity = 0;
        for (const e of given) {
          const scale = m.scales[base + e]!;
          logDensity += this.standard.logDensity((observed(e, i) - m.means[base + e]!) / scale) - Math.log(scale);
        }
        logWeights[i * k + j] = m.logWeights[i * k + j]! + logDensity;
      }
    }
    return { logWeights, means, scales, factors: undefined };
  }

  mode(m: ComponentArrays): Float64Array {
    return this.standard.family === 'gaussian' ? climbModes(m, this, meanShift(m)) : knotModes(m, this);
  }

  draw(m: ComponentArrays, row: number, j: number, spread: number, random: Random, out: Float64Array, offset: number) {
    const d = m.dimensions;
    const base = (row * m.components + j) * d;
    for (let e = 0; e < d; e++) {
      const noise = spread === 0 ? 0 : spread * m.scales[base + e]! * this.standard.draw(random);
      out[offset + e] = m.means[base + e]! + noise;
    }
  }

  cdf(m: ComponentArrays, row: number, y: number): number {
    const k = m.components;
    let total = 0;
    for (let j = 0; j < k; j++) {
      const at = row * k + j;
      total += Math.exp(m.logWeights[at]!) * this.standard.cdf((y - m.means[at]!) / m.scales[at]!);
    }
    return Math.min(1, total);
  }

  pdf(m: ComponentArrays, row: number, y: number): number {
    const k = m.components;
    let total = 0;
    for (let j = 0; j < k; j++) {
      const at = row * k + j;
      const scale = m.scales[at]!;
      total += (Math.exp(m.logWeights[at]!) * this.standard.density((y - m.means[at]!) / scale)) / scale;
    }
    return total;
  }

  quantiles(m: ComponentArrays, levels: readonly number[]): Float64Array {
    const scratch = this.quantileScratch(m.components);
    const z = levels.map((level) => this.standard.quantile(level));
    // The Cornish–Fisher start is in the normal's quantiles, whatever the family.
    const normal = this.standard.family === 'gaussian' ? z : levels.map((level) => normalQuantile(level));
    const out = new Float64Array(m.rows * levels.length);
    for (let i = 0; i < m.rows; i++) {
      this.prepareQuantileRow(m, i, scratch);
      for (let l = 0; l < levels.length; l++) {
        out[i * levels.length + l] = this.quantileWith(m, i, levels[l]!, z[l]!, normal[l]!, scratch);
      }
    }
    return out;
  }

  crps(m: ComponentArrays, row: number, y: number): number {
    // Σ_i w_i E|X_i − y| − ½ Σ_i Σ_j w_i w_j E|X_i − X_j| (Grimit et al. 2006 for Gaussians; any family's pairs).
    const k = m.components;
    const { standard } = this;
    let first = 0;
    let second = 0;
    for (let a = 0; a < k; a++) {
      const ia = row * k + a;
      const wa = Math.exp(m.logWeights[ia]!);
      const sa = m.scales[ia]!;
      first += wa * standard.meanAbsolute(y - m.means[ia]!, sa);
      second += wa * wa * standard.meanAbsoluteDifference(0, sa, sa);
      for (let b = a + 1; b < k; b++) {
        const ib = row * k + b;
        const wb = Math.exp(m.logWeights[ib]!);
        second += 2 * wa * wb * standard.meanAbsoluteDifference(m.means[ia]! - m.means[ib]!, sa, m.scales[ib]!);
      }
    }
    return first - 0.5 * second;
  }

  private quantileScratch(k: number): QuantileScratch {
    return {
      weights: new Float64Array(k),
      inverseScales: new Float64Array(k),
      mean: 0,
      sd: 0,
      skew: 0,
      smallestScale: 0,
      point: { tail: 0, density: 0, logSlope: 0 },
    };
  }

  /** The constants every level of a row reuses: π_k, 1/s_k, the mixture's mean, sd and skewness, the narrowest s. */
  private prepareQuantileRow(m: ComponentArrays, row: number, scratch: QuantileScratch): void {
    const k = m.components;
    const base = row * k;
    const spread = this.standard.variance;
    let total = 0;
    let mean = 0;
    let smallestScale = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const w = Math.exp(m.logWeights[base + j]!);
      const scale = m.scales[base + j]!;
      scratch.weights[j] = w;
      scratch.inverseScales[j] = 1 / scale;
      if (w === 0) continue;
      total += w;
      mean += w * m.means[base + j]!;
      smallestScale = Math.min(smallestScale, scale);
    }
    mean /= total;
    let variance = 0;
    let third = 0;
    for (let j = 0; j < k; j++) {
      const w = scratch.weights[j]!;
      if (w === 0) continue;
      const d = m.means[base + j]! - mean;
      const s2 = spread * m.scales[base + j]! ** 2;
      variance += w * (s2 + d * d);
      third += w * (d * d * d + 3 * d * s2);
    }
    variance /= total;
    scratch.mean = mean;
    scratch.sd = Math.sqrt(variance);
    scratch.skew = third / total / variance ** 1.5;
    scratch.smallestScale = smallestScale;
  }

  /**
   * The quantile at p of row `row`, given z_p (the standard component's p-quantile), the normal's (z_n) and the
   * row's constants.
   * Halley's method (Newton with the density's slope; cubic convergence) from a Cornish–Fisher start (the
   * mixture's mean, variance and skewness), kept inside the bracket [min_k q_k(p), max_k q_k(p)] of the component
   * quantiles by bisection. Each iteration evaluates the CDF (above the median, the survival function) with the
   * density and its slope in one pass over the components; on mixtures predicted by trained networks it takes two or
   * three.
   */
  private quantileWith(
    m: ComponentArrays,
    row: number,
    p: number,
    zp: number,
    zn: number,
    scratch: QuantileScratch,
  ): number {
    const { weights, inverseScales, smallestScale, point } = scratch;
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    const k = m.components;
    const base = row * k;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      if (weights[j] === 0) continue;
      const q = m.means[base + j]! + m.scales[base + j]! * zp;
      if (q < lo) lo = q;
      if (q > hi) hi = q;
    }
    if (!(hi > lo)) return lo;
    let x = scratch.mean + scratch.sd * (zn + ((zn * zn - 1) * scratch.skew) / 6);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    const upper = p > 0.5;
    const target = upper ? 1 - p : p;
    for (let iteration = 0; iteration < 200; iteration++) {
      // f(x) is increasing in x: F(x) − p in the lower half, (1 − p) − S(x) in the upper half; f' is the density.
      let mass = 0;
      let density = 0;
      let slope = 0;
      for (let j = 0; j < k; j++) {
        const w = weights[j]!;
        if (w === 0) continue;
        const inverse = inverseScales[j]!;
        const z = (x - m.means[base + j]!) * inverse;
        if (!this.standard.tail(z, point)) {
          if (upper ? z < 0 : z > 0) mass += w;
          continue;
        }
        mass += w * ((upper ? z < 0 : z > 0) ? 1 - point.tail : point.tail);
        const phi = w * inverse * point.density;
        density += phi;
        slope += phi * point.logSlope * inverse;
      }
      mass = Math.min(1, mass);
      const value = upper ? target - mass : mass - target;
      if (value === 0) return x;
      if (value < 0) lo = x;
      else hi = x;
      const newton = value / density;
      const correction = 1 - (0.5 * newton * slope) / density;
      const step = correction > 0.5 && correction < 2 ? newton / correction : newton;
      // Done when the step is below 1e-6 of the narrowest component (Halley's next error is about the step
      // cubed, Newton's squared: 1e-18 and 1e-12 of it) or at float64 resolution at x. In the mixture's own
      // units, so offset (1e8 ± 1e-4) and tiny (1e-30) scales converge alike. Checked before the bracket: a step
      // of rounding noise that lands just outside it must end the search, not bisect the whole bracket.
      const tolerance =
        (correction > 0.5 && correction < 2 ? 1e-6 : 1e-10) * smallestScale + 4 * Number.EPSILON * Math.abs(x);
      if (Math.abs(step) <= tolerance) return x - step;
      let next = x - step;
      if (!(next > lo && next < hi) || !Number.isFinite(next)) next = 0.5 * (lo + hi);
      if (hi - lo <= tolerance) return next;
      x = next;
    }
    return x;
  }
}

/**
 * The diagonal Gaussian's climb: the fixed-point (mean-shift) iteration x ← Σ γ_j μ_j/σ_j² / Σ γ_j/σ_j² per
 * dimension (an ascent step), with each component's log-normaliser prepared per row.
 */
function meanShift(m: ComponentArrays): Climber {
  const { components: k, dimensions: d } = m;
  const constants = new Float64Array(k);
  const terms = new Float64Array(k);
  const num = new Float64Array(d);
  const den = new Float64Array(d);
  // One dimension (the common case, and most of `mdn predict`'s time): each component's mean and 1/σ² per row.
  const rowMean = new Float64Array(d === 1 ? k : 0);
  const rowPrecision = new Float64Array(d === 1 ? k : 0);
  return {
    prepareRow(i) {
      for (let j = 0; j < k; j++) {
        let logDet = 0;
        for (let e = 0; e < d; e++) logDet += Math.log(m.scales[(i * k + j) * d + e]!);
        constants[j] = m.logWeights[i * k + j]! - logDet - d * LOG_SQRT_2PI;
        if (d === 1) {
          rowMean[j] = m.means[i * k + j]!;
          rowPrecision[j] = 1 / m.scales[i * k + j]! ** 2;
        }
      }
    },
    step(i, x, move, gamma) {
      let top = Number.NEGATIVE_INFINITY;
      if (d === 1) {
        const at = x[0]!;
        for (let j = 0; j < k; j++) {
          const r = at - rowMean[j]!;
          const term = constants[j]! - 0.5 * r * r * rowPrecision[j]!;
          terms[j] = term;
          if (term > top) top = term;
        }
      } else {
        for (let j = 0; j < k; j++) {
          let term = constants[j]!;
          for (let e = 0; e < d; e++) {
            const at = (i * k + j) * d + e;
            const z = (x[e]! - m.means[at]!) / m.scales[at]!;
            term -= 0.5 * z * z;
          }
          terms[j] = term;
          top = Math.max(top, term);
        }
      }
      // The responsibilities with one exp per component (a logsumexp would take a second).
      let total = 0;
      for (let j = 0; j < k; j++) {
        terms[j] = Math.exp(terms[j]! - top);
        total += terms[j]!;
      }
      if (d === 1) {
        let numerator = 0;
        let denominator = 0;
        for (let j = 0; j < k; j++) {
          const g = terms[j]! / total;
          gamma[j] = g;
          const precision = g * rowPrecision[j]!;
          numerator += precision * rowMean[j]!;
          denominator += precision;
        }
        move[0] = numerator / denominator - x[0]!;
        return Math.abs(move[0]!);
      }
      num.fill(0);
      den.fill(0);
      for (let j = 0; j < k; j++) {
        const g = terms[j]! / total;
        gamma[j] = g;
        for (let e = 0; e < d; e++) {
          const at = (i * k + j) * d + e;
          const precision = g / m.scales[at]! ** 2;
          num[e]! += precision * m.means[at]!;
          den[e]! += precision;
        }
      }
      let step = 0;
      for (let e = 0; e < d; e++) {
        move[e] = num[e]! / den[e]! - x[e]!;
        step = Math.max(step, Math.abs(move[e]!));
      }
      return step;
    },
  };
}

/**
 * The mode of a mixture of Laplace components: between two consecutive component locations (per dimension) every
 * term is an exponential of a linear function, so the density is convex there and its maximum sits at a location.
 * One dimension: the best of the K locations, exactly. Several: coordinate ascent over the grid of locations from
 * each component's, each coordinate's best location in turn until none changes (a local mode; the best start wins).
 */
function knotModes(m: ComponentArrays, family: HostFamily): Float64Array {
  const { rows: n, components: k, dimensions: d } = m;
  const out = new Float64Array(n * d);
  const x = new Float64Array(d);
  const terms = new Float64Array(k);
  const logProbAt = (row: number) => {
    for (let j = 0; j < k; j++) terms[j] = m.logWeights[row * k + j]! + family.logDensity(m, row, j, x);
    return logSumExp(terms, 0, k);
  };
  for (let i = 0; i < n; i++) {
    let best = Number.NEGATIVE_INFINITY;
    for (let start = 0; start < k; start++) {
      if (m.logWeights[i * k + start] === Number.NEGATIVE_INFINITY) continue;
      for (let e = 0; e < d; e++) x[e] = m.means[(i * k + start) * d + e]!;
      let value = logProbAt(i);
      for (let sweep = 0; sweep < 100 && d > 1; sweep++) {
        let moved = false;
        for (let e = 0; e < d; e++) {
          const kept = x[e]!;
          let bestHere = kept;
          for (let j = 0; j < k; j++) {
            x[e] = m.means[(i * k + j) * d + e]!;
            const candidate = logProbAt(i);
            if (candidate > value) {
              value = candidate;
              bestHere = x[e]!;
            }
          }
          x[e] = bestHere;
          if (bestHere !== kept) moved = true;
        }
        if (!moved) break;
      }
      if (value > best) {
        best = value;
        for (let e = 0; e < d; e++) out[i * d + e] = x[e]!;
      }
    }
  }
  return out;
}
