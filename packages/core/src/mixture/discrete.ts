/**
 * A discrete target: whole numbers (ratings, counts). The model's mixture is a latent continuous density; the
 * probability of a whole number k is its mass on [k − ½, k + ½] (the discretised mixture of PixelCNN++, Salimans et
 * al. 2017), and with a lower edge (a count's 0) the mass below it too. So the NLL is in probability units,
 * non-negative and comparable across models; the CDF, quantiles, samples, CRPS and PIT are those of the whole
 * numbers. A {@link HostMixture} whose parts say `discrete` (MixtureParts) answers every question this way (one
 * dimension). Nothing here imports TensorFlow.js.
 */
import { logSumExp } from '../math/host-math.js';
import type { ComponentArrays } from './components/family.js';
import { type StandardComponent, standardComponent } from './components/standard.js';

/** The support of a discrete target: the whole numbers, from `lower` up when it has one (a count's 0). */
export interface Discretisation {
  /** The smallest value (its probability holds the mass below it too), or null for none. */
  readonly lower: number | null;
}

/** A one-dimensional mixture as the discrete functions read it. */
export interface DiscreteArrays extends ComponentArrays {
  readonly distribution: 'gaussian' | 'laplace';
}

/** Below this a bin's mass is computed from its density (the difference of two tails would round to 0). */
const TINY_MASS = 1e-290;
/** The most whole numbers a sum over the support visits; wider supports use the continuous figure. */
export const MAX_SUPPORT = 200_000;
/** The mass left outside the span a sum over the support covers. */
const OUTSIDE = 1e-12;

/** Whether `y` is a value of the support. */
export function inSupport(y: number, discrete: Discretisation): boolean {
  return Number.isInteger(y) && (discrete.lower === null || y >= discrete.lower);
}

/** log P(Y = k) of component j of row `row` (no weight): its mass on the bin of k. */
function componentLogMass(
  m: DiscreteArrays,
  standard: StandardComponent,
  row: number,
  j: number,
  k: number,
  lowest: boolean,
): number {
  const at = row * m.components + j;
  const mu = m.means[at]!;
  const s = m.scales[at]!;
  const b = (k + 0.5 - mu) / s;
  if (lowest) {
    const mass = standard.cdf(b);
    return mass > TINY_MASS ? Math.log(mass) : standard.logDensity((k - mu) / s) - Math.log(s);
  }
  const a = (k - 0.5 - mu) / s;
  // Each side of the location from its own tail (the components are symmetric): the difference keeps its precision.
  const mass = a > 0 ? standard.cdf(-a) - standard.cdf(-b) : standard.cdf(b) - standard.cdf(a);
  return mass > TINY_MASS ? Math.log(mass) : standard.logDensity((k - mu) / s) - Math.log(s);
}

/** log P(Y = y) of row `row`; −∞ off the support. */
export function discreteLogProb(m: DiscreteArrays, discrete: Discretisation, row: number, y: number): number {
  if (!inSupport(y, discrete)) return Number.NEGATIVE_INFINITY;
  const standard = standardComponent(m.distribution);
  const k = m.components;
  const terms = new Float64Array(k);
  const lowest = discrete.lower !== null && y === discrete.lower;
  for (let j = 0; j < k; j++) {
    terms[j] = m.logWeights[row * k + j]! + componentLogMass(m, standard, row, j, y, lowest);
  }
  return logSumExp(terms, 0, k);
}

/** P(Y ≤ y) of row `row` from the continuous CDF F: F(⌊y⌋ + ½), 0 below the support. */
export function discreteCdf(discrete: Discretisation, y: number, continuousCdf: (v: number) => number): number {
  const k = Math.floor(y);
  if (discrete.lower !== null && k < discrete.lower) return 0;
  if (k === Number.POSITIVE_INFINITY) return 1;
  return continuousCdf(k + 0.5);
}

/** The smallest k of the support with P(Y ≤ k) ≥ p, from the continuous quantile q(p): ⌈q − ½⌉, not below the edge. */
export function discreteQuantile(discrete: Discretisation, continuousQuantile: number): number {
  let k = Math.ceil(continuousQuantile - 0.5);
  if (discrete.lower !== null && !(k >= discrete.lower)) k = discrete.lower;
  return k;
}

/** A continuous draw as a value of the support: the whole number whose bin holds it. */
export function discreteDraw(discrete: Discretisation, value: number): number {
  let k = Math.round(value);
  if (discrete.lower !== null && k < discrete.lower) k = discrete.lower;
  return k;
}

/**
 * The whole numbers of row `row` that hold all but {@link OUTSIDE} of its mass (from the continuous quantiles),
 * or undefined when they are more than {@link MAX_SUPPORT}.
 */
export function supportSpan(
  discrete: Discretisation,
  quantiles: (levels: readonly number[]) => ArrayLike<number>,
  include?: number,
): { from: number; to: number } | undefined {
  const bounds = quantiles([OUTSIDE, 1 - OUTSIDE]);
  const low = bounds[0]!;
  const high = bounds[1]!;
  let from = discreteQuantile(discrete, low);
  let to = discreteQuantile(discrete, high);
  if (include !== undefined && Number.isFinite(include)) {
    from = Math.min(from, Math.floor(include));
    to = Math.max(to, Math.ceil(include));
  }
  if (!(to - from <= MAX_SUPPORT)) return undefined;
  return { from, to };
}

/**
 * The probabilities of the whole numbers `from` … `to` of row `row` (the edge's bin with the mass below it),
 * from the continuous CDF at the bin edges.
 */
export function binProbabilities(
  m: DiscreteArrays,
  discrete: Discretisation,
  row: number,
  from: number,
  to: number,
): Float64Array {
  const out = new Float64Array(to - from + 1);
  for (let k = from; k <= to; k++) out[k - from] = Math.exp(discreteLogProb(m, discrete, row, k));
  return out;
}

/** The CRPS of a whole-number forecast: Σ_k (P(Y ≤ k) − 1{y ≤ k})² over the support (Gneiting & Raftery 2007). */
export function discreteCrps(probabilities: Float64Array, from: number, y: number): number {
  let cumulative = 0;
  let total = 0;
  for (let i = 0; i < probabilities.length; i++) {
    cumulative += probabilities[i]!;
    const step = y <= from + i ? 1 : 0;
    total += (Math.min(1, cumulative) - step) ** 2;
  }
  return total;
}
