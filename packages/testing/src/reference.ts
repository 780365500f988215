/**
 * Float64 reference maths for Gaussian mixtures, written independently of @mdn/core: different algorithms
 * (series and continued fractions for Φ, quadrature for the CDF's inverse and the CRPS, grid search for
 * the mode), plain loops, no tfjs. Slow and simple on purpose.
 */

/** One diagonal mixture: weights (normalised here), means[k][d], scales[k][d]. */
export interface ReferenceMixture {
  logits: number[];
  means: number[][];
  scales: number[][];
}

export function referenceWeights(logits: readonly number[]): number[] {
  const top = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** log Σ exp(values), stable. */
export function referenceLogSumExp(values: readonly number[]): number {
  const top = Math.max(...values);
  if (top === Number.NEGATIVE_INFINITY) return top;
  let total = 0;
  for (const v of values) total += Math.exp(v - top);
  return top + Math.log(total);
}

/** log p(y) of a diagonal mixture at y[d]. */
export function referenceLogProb(mixture: ReferenceMixture, y: readonly number[]): number {
  const top = Math.max(...mixture.logits);
  const logNorm = top + Math.log(mixture.logits.reduce((a, l) => a + Math.exp(l - top), 0));
  const terms = mixture.logits.map((logit, k) => {
    let value = logit - logNorm;
    for (let d = 0; d < y.length; d++) {
      const s = mixture.scales[k]![d]!;
      const r = (y[d]! - mixture.means[k]![d]!) / s;
      value += -0.5 * Math.log(2 * Math.PI) - Math.log(s) - 0.5 * r * r;
    }
    return value;
  });
  return referenceLogSumExp(terms);
}

/** erf by its Maclaurin series (|x| < 1.9) and erfc by its continued fraction (|x| ≥ 1.9). */
export function referenceErf(x: number): number {
  if (x < 0) return -referenceErf(-x);
  if (x < 1.9) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  return 1 - referenceErfc(x);
}

/** erfc for x ≥ 1.9: exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))). */
export function referenceErfc(x: number): number {
  if (x < 1.9) return 1 - referenceErf(x);
  // Evaluate the continued fraction bottom-up with a fixed depth (converges for x >= 1.9 well within it).
  let f = x;
  for (let n = 300; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Φ(z) from erf/erfc, using erfc in the lower tail to keep relative accuracy. */
export function referencePhi(z: number): number {
  const x = z / Math.SQRT2;
  return x < -1.9 ? 0.5 * referenceErfc(-x) : 0.5 * (1 + referenceErf(x));
}

export function referenceCdf(mixture: ReferenceMixture, y: number): number {
  const w = referenceWeights(mixture.logits);
  return w.reduce((acc, wk, k) => acc + wk * referencePhi((y - mixture.means[k]![0]!) / mixture.scales[k]![0]!), 0);
}

export function referencePdf(mixture: ReferenceMixture, y: number): number {
  return Math.exp(referenceLogProb(mixture, [y]));
}

/** Plain bisection on the reference CDF over a wide bracket (200 halvings). */
export function referenceQuantile(mixture: ReferenceMixture, p: number): number {
  let lo = Math.min(...mixture.means.map((m, k) => m[0]! - 40 * mixture.scales[k]![0]!));
  let hi = Math.max(...mixture.means.map((m, k) => m[0]! + 40 * mixture.scales[k]![0]!));
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (referenceCdf(mixture, mid) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export function referenceMean(mixture: ReferenceMixture): number[] {
  const w = referenceWeights(mixture.logits);
  const d = mixture.means[0]!.length;
  return Array.from({ length: d }, (_, e) => w.reduce((acc, wk, k) => acc + wk * mixture.means[k]![e]!, 0));
}

export function referenceVariance(mixture: ReferenceMixture): number[] {
  const w = referenceWeights(mixture.logits);
  const mean = referenceMean(mixture);
  return mean.map(
    (m, e) =>
      w.reduce((acc, wk, k) => acc + wk * (mixture.scales[k]![e]! ** 2 + mixture.means[k]![e]! ** 2), 0) - m * m,
  );
}

/** Composite Simpson's rule for f on [a, b] with an even number of intervals. */
export function simpson(f: (x: number) => number, a: number, b: number, intervals = 20_000): number {
  const n = intervals % 2 === 0 ? intervals : intervals + 1;
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

/** The support interval that holds all but ~1e-20 of the mass (D = 1). */
export function referenceSupport(mixture: ReferenceMixture, widths = 12): [number, number] {
  return [
    Math.min(...mixture.means.map((m, k) => m[0]! - widths * mixture.scales[k]![0]!)),
    Math.max(...mixture.means.map((m, k) => m[0]! + widths * mixture.scales[k]![0]!)),
  ];
}

/**
 * CRPS by quadrature of ∫ (F(z) − 1{z ≥ y})² dz, split at y and at every component mean so Simpson's rule
 * sees smooth pieces (D = 1).
 */
export function referenceCrps(mixture: ReferenceMixture, y: number): number {
  const [a0, b0] = referenceSupport(mixture);
  const a = Math.min(a0, y - 1);
  const b = Math.max(b0, y + 1);
  const cuts = [a, b, y, ...mixture.means.map((m) => m[0]!)].filter((c) => c >= a && c <= b).sort((p, q) => p - q);
  let total = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i]!;
    const hi = cuts[i + 1]!;
    if (hi - lo <= 0) continue;
    const above = lo >= y;
    total += simpson((z) => (referenceCdf(mixture, z) - (above ? 1 : 0)) ** 2, lo, hi, 20_000);
  }
  return total;
}

/** The global mode by a dense grid, then golden-section refinement around the best grid point (D = 1). */
export function referenceMode(mixture: ReferenceMixture): number {
  const [a, b] = referenceSupport(mixture, 6);
  const steps = 40_000;
  let best = a;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= steps; i++) {
    const x = a + ((b - a) * i) / steps;
    const v = referenceLogProb(mixture, [x]);
    if (v > bestValue) {
      bestValue = v;
      best = x;
    }
  }
  const h = (b - a) / steps;
  let lo = best - h;
  let hi = best + h;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 200; i++) {
    const c = hi - g * (hi - lo);
    const d = lo + g * (hi - lo);
    if (referenceLogProb(mixture, [c]) > referenceLogProb(mixture, [d])) hi = d;
    else lo = c;
  }
  return 0.5 * (lo + hi);
}
