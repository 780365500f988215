/**
 * The standard component of each family a mixture can be made of (location 0, scale 1), in float64: its density,
 * distribution function, quantile, draws, moments and the expected absolute values the CRPS needs. A component with
 * location μ and scale s is μ + s·Z. One object per family; the mixture code asks it and never the family's name.
 */
import { LOG_SQRT_2PI, normalCdf, normalPdf, normalQuantile, normalTail, SQRT_2PI } from '../../math/normal.js';
import type { Random } from '../../random/rng.js';

/** The component families. */
export type ComponentFamily = 'gaussian' | 'laplace';

/** The families, for option checks and messages. */
export const COMPONENT_FAMILIES: readonly ComponentFamily[] = ['gaussian', 'laplace'];

/** What a quantile iteration needs at one standardised point z of one component (see {@link StandardComponent.tail}). */
export interface TailPoint {
  /** P(Z > |z|): the tail beyond |z|. */
  tail: number;
  /** The density f(z). */
  density: number;
  /** f′(z) / f(z): the density's log-slope at z (−z for the normal; −sign(z) for Laplace). */
  logSlope: number;
}

/** The standard component of a family. */
export interface StandardComponent {
  readonly family: ComponentFamily;
  /** Var Z (1 for the normal; 2 for Laplace, whose scale is b, not its standard deviation). */
  readonly variance: number;
  /** log f(z). */
  logDensity(z: number): number;
  /** f(z). */
  density(z: number): number;
  /** P(Z ≤ z). */
  cdf(z: number): number;
  /** The p-quantile of Z. */
  quantile(p: number): number;
  /**
   * The tail beyond |z|, the density and its log-slope at z, into `out` (one pass for the quantile iteration);
   * false beyond the point where the tail is 0 and the density negligible (nothing written).
   */
  tail(z: number, out: TailPoint): boolean;
  /** A draw of Z. */
  draw(random: Random): number;
  /** E|m + sZ|: the expected distance from y of a component with location y − m and scale s. */
  meanAbsolute(m: number, s: number): number;
  /** E|d + s₁Z₁ − s₂Z₂| for independent Z₁, Z₂: between two components whose locations differ by d. */
  meanAbsoluteDifference(d: number, s1: number, s2: number): number;
}

/** A(m, v) = m (2Φ(m/√v) − 1) + 2√v φ(m/√v), the expected |X| of X ~ N(m, v). */
function absNormalMean(m: number, v: number): number {
  const s = Math.sqrt(v);
  const z = m / s;
  return m * (2 * normalCdf(z) - 1) + 2 * s * normalPdf(z);
}

/** The standard normal N(0, 1). */
export const standardNormal: StandardComponent = {
  family: 'gaussian',
  variance: 1,
  logDensity: (z) => -LOG_SQRT_2PI - 0.5 * z * z,
  density: normalPdf,
  cdf: normalCdf,
  quantile: normalQuantile,
  tail(z, out) {
    const a = Math.abs(z);
    if (a > 38.5) return false;
    const e = Math.exp(-0.5 * a * a);
    out.tail = normalTail(a, e);
    out.density = e / SQRT_2PI;
    out.logSlope = -z;
    return true;
  },
  draw: (random) => random.normal(),
  meanAbsolute: (m, s) => absNormalMean(m, s * s),
  meanAbsoluteDifference: (d, s1, s2) => absNormalMean(d, s1 * s1 + s2 * s2),
};

/** Below this relative difference of two Laplace scales, {@link standardLaplace}'s divided difference is a derivative. */
const CLOSE_SCALES = 1e-3;

/**
 * The standard Laplace distribution, density ½e^{−|z|}: heavier tails than the normal (a point 10 scales out costs
 * 10 nats, not 50), exact in closed form: F(z) = ½e^{z} below 0 and 1 − ½e^{−z} above, quantile log(2p) and
 * −log(2(1 − p)), variance 2. For the CRPS: E|m + bZ| = |m| + b e^{−|m|/b}, and between two components whose
 * locations differ by d, E|d + b₁Z₁ − b₂Z₂| = |d| + (b₁³ e^{−|d|/b₁} − b₂³ e^{−|d|/b₂}) / (b₁² − b₂²) (the
 * difference of two Laplace variables has characteristic function 1/((1 + b₁²t²)(1 + b₂²t²)), a signed mixture of
 * Laplace densities), |d| + e^{−|d|/b}(3b + |d|)/2 when b₁ = b₂ = b.
 */
export const standardLaplace: StandardComponent = {
  family: 'laplace',
  variance: 2,
  logDensity: (z) => -Math.LN2 - Math.abs(z),
  density: (z) => 0.5 * Math.exp(-Math.abs(z)),
  cdf: (z) => (z < 0 ? 0.5 * Math.exp(z) : 1 - 0.5 * Math.exp(-z)),
  quantile: (p) =>
    p <= 0
      ? Number.NEGATIVE_INFINITY
      : p >= 1
        ? Number.POSITIVE_INFINITY
        : p < 0.5
          ? Math.log(2 * p)
          : -Math.log(2 * (1 - p)),
  tail(z, out) {
    const a = Math.abs(z);
    if (a > 745) return false;
    out.tail = 0.5 * Math.exp(-a);
    out.density = out.tail;
    out.logSlope = z > 0 ? -1 : z < 0 ? 1 : 0;
    return true;
  },
  draw(random) {
    const u = random.uniform();
    return u < 0.5 ? Math.log(2 * u) : -Math.log(2 * (1 - u));
  },
  meanAbsolute: (m, s) => Math.abs(m) + s * Math.exp(-Math.abs(m) / s),
  meanAbsoluteDifference(d, s1, s2) {
    const a = Math.abs(d);
    // g(b) = b³ e^{−a/b}; the term is (g(b₁) − g(b₂)) / (b₁² − b₂²), g′(b) / (2b) in the limit.
    const g = (b: number) => b * b * b * Math.exp(-a / b);
    const mean = 0.5 * (s1 + s2);
    if (Math.abs(s1 - s2) <= CLOSE_SCALES * mean) {
      return a + (Math.exp(-a / mean) * (3 * mean * mean + a * mean)) / (2 * mean);
    }
    return a + (g(s1) - g(s2)) / ((s1 - s2) * (s1 + s2));
  },
};

/** The standard component of `family`. */
export function standardComponent(family: ComponentFamily): StandardComponent {
  return family === 'laplace' ? standardLaplace : standardNormal;
}
