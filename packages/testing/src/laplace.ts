/**
 * Float64 reference maths for mixtures of Laplace components, written independently of @mdn/core: the density and
 * distribution function from their textbook formulas, quantiles by bisection, the CRPS by quadrature of
 * ∫ (F(z) − 1{z ≥ y})² dz, the mode by a dense grid. Slow and simple on purpose.
 */
import { type ReferenceMixture, referenceLogSumExp, referenceWeights, simpson } from './reference.js';

/** log p(y) of a mixture of Laplace components (independent dimensions, density e^{−|y−μ|/b}/(2b) each). */
export function referenceLaplaceLogProb(mixture: ReferenceMixture, y: readonly number[]): number {
  const w = referenceWeights(mixture.logits);
  const terms = w.map((wk, k) => {
    let value = Math.log(wk);
    for (let d = 0; d < y.length; d++) {
      const b = mixture.scales[k]![d]!;
      value -= Math.log(2 * b) + Math.abs(y[d]! - mixture.means[k]![d]!) / b;
    }
    return value;
  });
  return referenceLogSumExp(terms);
}

/** P(Y ≤ y) of a one-dimensional Laplace mixture. */
export function referenceLaplaceCdf(mixture: ReferenceMixture, y: number): number {
  const w = referenceWeights(mixture.logits);
  let total = 0;
  for (const [k, wk] of w.entries()) {
    const t = (y - mixture.means[k]![0]!) / mixture.scales[k]![0]!;
    total += wk * (t <= 0 ? 0.5 * Math.exp(t) : 1 - 0.5 * Math.exp(-t));
  }
  return total;
}

/** The interval holding all but ~1e-20 of a one-dimensional Laplace mixture's mass (46 scales either side). */
function laplaceSupport(mixture: ReferenceMixture): [number, number] {
  return [
    Math.min(...mixture.means.map((m, k) => m[0]! - 46 * mixture.scales[k]![0]!)),
    Math.max(...mixture.means.map((m, k) => m[0]! + 46 * mixture.scales[k]![0]!)),
  ];
}

/** Plain bisection on the reference CDF (200 halvings). */
export function referenceLaplaceQuantile(mixture: ReferenceMixture, p: number): number {
  let [lo, hi] = laplaceSupport(mixture);
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (referenceLaplaceCdf(mixture, mid) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** CRPS by quadrature, split at y and at every component location (where the density has its kinks). */
export function referenceLaplaceCrps(mixture: ReferenceMixture, y: number): number {
  const [a0, b0] = laplaceSupport(mixture);
  const a = Math.min(a0, y - 1);
  const b = Math.max(b0, y + 1);
  const cuts = [a, b, y, ...mixture.means.map((m) => m[0]!)].filter((c) => c >= a && c <= b).sort((p, q) => p - q);
  let total = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i]!;
    const hi = cuts[i + 1]!;
    if (hi - lo <= 0) continue;
    const above = lo >= y;
    total += simpson((z) => (referenceLaplaceCdf(mixture, z) - (above ? 1 : 0)) ** 2, lo, hi, 20_000);
  }
  return total;
}

/** The global mode of a one-dimensional Laplace mixture by a dense grid over its central range (`steps` points). */
export function referenceLaplaceMode(mixture: ReferenceMixture, steps = 200_000): number {
  const lo = Math.min(...mixture.means.map((m, k) => m[0]! - 4 * mixture.scales[k]![0]!));
  const hi = Math.max(...mixture.means.map((m, k) => m[0]! + 4 * mixture.scales[k]![0]!));
  let best = lo;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= steps; i++) {
    const x = lo + ((hi - lo) * i) / steps;
    const value = referenceLaplaceLogProb(mixture, [x]);
    if (value > bestValue) {
      bestValue = value;
      best = x;
    }
  }
  return best;
}
