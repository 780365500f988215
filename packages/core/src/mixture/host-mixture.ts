import { InputError } from '../errors.js';
import { logSumExp } from '../math/host-math.js';
import { factorCount } from '../math/precision-factor.js';
import { createRandom } from '../random/rng.js';
import { DiagonalFamily } from './components/diagonal.js';
import type { HostFamily } from './components/family.js';
import { FullGaussianFamily } from './components/full-gaussian.js';
import { COMPONENT_FAMILIES, type ComponentFamily, standardLaplace, standardNormal } from './components/standard.js';
import {
  binProbabilities,
  type Discretisation,
  discreteCdf,
  discreteCrps,
  discreteDraw,
  discreteLogProb,
  discreteQuantile,
  supportSpan,
} from './discrete.js';
import { MixtureParts } from './parts.js';

/** The most numbers {@link HostMixture.sample} draws in one call: 1e8 (800 MB of float64). */
export const MAX_SAMPLE_VALUES = 100_000_000;

/** Float64 parameters of N Gaussian mixtures, row-major. */
export interface HostMixtureParameters {
  rows: number;
  components: number;
  dimensions: number;
  /** Log-weights or raw logits, `[N, K]`: each row is normalised here in float64 (log-softmax). */
  logWeights: Float64Array;
  /** `[N, K, D]` */
  means: Float64Array;
  /**
   * `[N, K, D]`, strictly positive: the standard deviations of a diagonal family, the conditional scales σ of the
   * precision factor of a full one (see `factors`).
   */
  scales: Float64Array;
  /**
   * Full covariance (D ≥ 2): the strictly upper-triangular entries L of each component's precision factor,
   * `[N, K, D(D − 1)/2]` (row-major (0,1), (0,2), …, (1,2), …): Σ⁻¹ = AᵀA with A = diag(1/σ)(I + L); see
   * `math/precision-factor.ts`. Omitted (or D = 1): the diagonal family.
   */
  factors?: Float64Array | undefined;
  /**
   * Which component is which (a network's, a tail companion, a point mass): see {@link MixtureParts}. Default: `K`
   * components of one network.
   */
  parts?: MixtureParts | undefined;
  /**
   * The components' distribution: `'gaussian'` (default; `scales` are standard deviations, or the conditional
   * scales of the precision factor with `factors`) or `'laplace'` (`scales` are the Laplace scales b: density
   * e^{−|y−μ|/b}/(2b) per dimension, variance 2b²; no `factors`).
   */
  distribution?: ComponentFamily | undefined;
}

/** The observed values of {@link HostMixture.condition}: target dimension → one value for every row, or one per row. */
export type ObservedValues = Readonly<Record<number, number | ArrayLike<number>>>;

/** Marks log-weights that are normalised already (module-private: only this module's methods pass it). */
const NORMALISED: unique symbol = Symbol('normalised');

/** Options for {@link HostMixture.sample}. */
export interface SampleOptions {
  /** Seed of the generator; the same seed gives the same draws on every backend. Default 0. */
  seed?: number;
  /**
   * Temperature τ on the weights: components are drawn from softmax(log π / τ). τ = 1 is the model,
   * τ → 0 always picks the heaviest component, τ > 1 flattens the weights. Default 1.
   */
  temperature?: number;
  /**
   * Temperature s on the variances: each draw is μ + √s · σ · ε, i.e. s multiplies the variance σ²
   * (and √s the standard deviation σ). Defaults to `temperature`, so that temperature → 0 returns the
   * heaviest component's mean exactly.
   */
  scaleTemperature?: number;
}

/** A central prediction interval per row. */
export interface Interval {
  /** `[N]` */
  lower: Float64Array;
  /** `[N]` */
  upper: Float64Array;
}

/** The family object of each kind of component (one per family; see components/family.ts). */
const FAMILIES = {
  gaussian: new DiagonalFamily(standardNormal),
  laplace: new DiagonalFamily(standardLaplace),
  full: new FullGaussianFamily(),
} as const;

/**
 * N mixtures on the host in float64 (Gaussian components, diagonal or full covariance, or Laplace components):
 * exact CDF, quantiles, mode, intervals, covariance, marginals, exact conditioning and seeded sampling, independent
 * of the tfjs backend. Obtain one with `GaussianMixture.toHost()` or `model.predictHost()`. The weights and the
 * parts (which component is which) are the mixture's; everything a component does is its family's (see
 * components/family.ts).
 *
 * Functions marked D = 1 need one-dimensional targets; use `marginal(d)` for one dimension of a
 * multivariate mixture, or `condition(...)` for the others given some.
 */
export class HostMixture {
  readonly rows: number;
  readonly components: number;
  readonly dimensions: number;
  /** Normalised log-weights `[N, K]`. */
  readonly logWeights: Float64Array;
  /** `[N, K, D]` */
  readonly means: Float64Array;
  /** `[N, K, D]`: standard deviations (diagonal Gaussian), conditional scales (full), Laplace scales b. */
  readonly scales: Float64Array;
  /** `[N, K, D(D − 1)/2]` for the full family (see {@link HostMixtureParameters.factors}); undefined if diagonal. */
  readonly factors: Float64Array | undefined;
  /** Which component is which (see {@link MixtureParts}). */
  readonly parts: MixtureParts;
  /** The components' distribution (see {@link HostMixtureParameters.distribution}). */
  readonly distribution: ComponentFamily;
  /** The maths of this mixture's components. */
  private readonly componentFamily: HostFamily;
  /** Scratch `[K]` for {@link logProbAt}'s per-component terms (no allocation per call). */
  private readonly logTerms: Float64Array;

  constructor(parameters: HostMixtureParameters, normalised?: symbol) {
    const { rows: n, components: k, dimensions: d } = parameters;
    if (parameters.logWeights.length !== n * k) throw new InputError(`logWeights must hold N*K = ${n * k} values`);
    if (parameters.means.length !== n * k * d) throw new InputError(`means must hold N*K*D = ${n * k * d} values`);
    if (parameters.scales.length !== n * k * d) throw new InputError(`scales must hold N*K*D = ${n * k * d} values`);
    const p = factorCount(d);
    if (parameters.factors !== undefined && parameters.factors.length !== n * k * p) {
      throw new InputError(`factors must hold N*K*D(D-1)/2 = ${n * k * p} values`);
    }
    this.factors = p > 0 ? parameters.factors : undefined;
    this.distribution = parameters.distribution ?? 'gaussian';
    if (!COMPONENT_FAMILIES.includes(this.distribution)) {
      throw new InputError(
        `distribution must be one of ${COMPONENT_FAMILIES.join(', ')}; got '${String(this.distribution)}'`,
      );
    }
    if (this.factors !== undefined && this.distribution !== 'gaussian') {
      throw new InputError(`a ${this.distribution} mixture has no precision factors (full covariance is Gaussian)`);
    }
    this.componentFamily = this.factors !== undefined ? FAMILIES.full : FAMILIES[this.distribution];
    this.parts = parameters.parts ?? MixtureParts.single(k);
    if (this.parts.components !== k) {
      throw new InputError(`parts describe ${this.parts.components} components but the mixture has ${k}`);
    }
    if (this.parts.discrete && (d !== 1 || this.factors !== undefined)) {
      throw new InputError(`a whole-number (discrete) target has one dimension, not ${d}`);
    }
    this.rows = n;
    this.components = k;
    this.dimensions = d;
    this.means = parameters.means;
    this.scales = parameters.scales;
    if (normalised === NORMALISED) {
      this.logWeights = parameters.logWeights;
    } else {
      // Normalise in float64: raw logits and float32 log-weights both become exact float64 log-weights.
      const lw = new Float64Array(n * k);
      for (let i = 0; i < n; i++) {
        const norm = logSumExp(parameters.logWeights, i * k, k);
        for (let j = 0; j < k; j++) lw[i * k + j] = parameters.logWeights[i * k + j]! - norm;
      }
      this.logWeights = lw;
    }
    this.logTerms = new Float64Array(k);
  }

  /** A mixture of the same kind (distribution, parts unless given) with other parameters. */
  private derived(changes: Omit<HostMixtureParameters, 'distribution'>): HostMixture {
    return new HostMixture({ parts: this.parts, ...changes, distribution: this.distribution });
  }

  /**
   * Rows `start` (inclusive) to `end` (exclusive) as a mixture of their own, sharing this one's memory (no copy):
   * for working through many rows a slice at a time.
   */
  slice(start: number, end: number = this.rows): HostMixture {
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= this.rows)) {
      throw new InputError(`slice needs whole rows 0 ≤ start ≤ end ≤ ${this.rows}; got ${start}, ${end}`);
    }
    const { components: k, dimensions: d } = this;
    const p = factorCount(d);
    return this.derived({
      rows: end - start,
      components: k,
      dimensions: d,
      logWeights: this.logWeights.subarray(start * k, end * k),
      means: this.means.subarray(start * k * d, end * k * d),
      scales: this.scales.subarray(start * k * d, end * k * d),
      ...(this.factors ? { factors: this.factors.subarray(start * k * p, end * k * p) } : {}),
    });
  }

  /** The same mixture (sharing its memory) with other parts: which component is which. */
  withParts(parts: MixtureParts): HostMixture {
    const { rows, components, dimensions, logWeights, means, scales, factors, distribution } = this;
    return new HostMixture(
      { rows, components, dimensions, logWeights, means, scales, factors, parts, distribution },
      NORMALISED,
    );
  }

  /**
   * The mixture of some of each row's components, their weights renormalised: `chosen` lists the components (the
   * same for every row; the result's parts are theirs), or gives each row's list (all of one length; then `parts`
   * says what the result's components are, since each row's may come from other blocks).
   */
  selectComponents(
    chosen: readonly number[] | ((row: number) => readonly number[]),
    parts?: MixtureParts,
  ): HostMixture {
    const { rows, dimensions: d, components: total } = this;
    const list = typeof chosen === 'function' ? chosen : () => chosen;
    const k = list(0).length;
    const resultParts = parts ?? (typeof chosen === 'function' ? undefined : this.parts.select(chosen));
    if (resultParts === undefined) {
      throw new InputError('selectComponents with a list per row needs the parts of the result');
    }
    const p = factorCount(d);
    const logWeights = new Float64Array(rows * k);
    const means = new Float64Array(rows * k * d);
    const scales = new Float64Array(rows * k * d);
    const factors = this.factors === undefined ? undefined : new Float64Array(rows * k * p);
    for (let r = 0; r < rows; r++) {
      const row = list(r);
      if (row.length !== k) {
        throw new InputError(`selectComponents: row ${r} chose ${row.length} components, row 0 chose ${k}`);
      }
      for (const [j, c] of row.entries()) {
        if (!(Number.isInteger(c) && c >= 0 && c < total)) {
          throw new InputError(`selectComponents: component ${c} is not one of the mixture's ${total}`);
        }
        const from = r * total + c;
        const to = r * k + j;
        logWeights[to] = this.logWeights[from]!;
        means.set(this.means.subarray(from * d, (from + 1) * d), to * d);
        scales.set(this.scales.subarray(from * d, (from + 1) * d), to * d);
        factors?.set(this.factors!.subarray(from * p, (from + 1) * p), to * p);
      }
    }
    return this.derived({ rows, components: k, dimensions: d, logWeights, means, scales, factors, parts: resultParts });
  }

  /** Consecutive blocks of rows of one kind of mixture (same components, dimensions and parts) as one mixture. */
  static concatenate(blocks: readonly HostMixture[]): HostMixture {
    if (blocks.length === 1) return blocks[0]!;
    const first = blocks[0];
    if (!first) throw new InputError('concatenate needs at least one mixture');
    const { components, dimensions } = first;
    const rows = blocks.reduce((total, block) => total + block.rows, 0);
    const logWeights = new Float64Array(rows * components);
    const means = new Float64Array(rows * components * dimensions);
    const scales = new Float64Array(rows * components * dimensions);
    const p = factorCount(dimensions);
    const factors = first.factors === undefined ? undefined : new Float64Array(rows * components * p);
    let row = 0;
    for (const block of blocks) {
      if (
        block.components !== components ||
        block.dimensions !== dimensions ||
        block.distribution !== first.distribution
      ) {
        throw new InputError('concatenate needs mixtures of the same kind, components and dimensions');
      }
      logWeights.set(block.logWeights, row * components);
      means.set(block.means, row * components * dimensions);
      scales.set(block.scales, row * components * dimensions);
      if (factors !== undefined) factors.set(block.factors!, row * components * p);
      row += block.rows;
    }
    return first.derived({ rows, components, dimensions, logWeights, means, scales, factors });
  }

  /** `'full'` when the components have full covariance (precision factors), else `'diagonal'`. */
  get family(): 'diagonal' | 'full' {
    return this.componentFamily.kind;
  }

  /** Weights π of row `row`, `[K]`. */
  weights(row: number): Float64Array {
    const k = this.components;
    const out = new Float64Array(k);
    for (let j = 0; j < k; j++) out[j] = Math.exp(this.logWeights[row * k + j]!);
    return out;
  }

  /** The whole-number support when the target is discrete (see discrete.ts), else undefined. */
  get discrete(): Discretisation | undefined {
    return this.parts.discrete;
  }

  /**
   * Log-density of `y` (`[D]`) under row `row`'s mixture; for a discrete target, log P(Y = y) (−∞ off the whole
   * numbers of its support).
   */
  logProbAt(row: number, y: ArrayLike<number>): number {
    const discrete = this.discrete;
    if (discrete) return discreteLogProb(this, discrete, row, y[0]!);
    const { components: k, logTerms } = this;
    for (let j = 0; j < k; j++) {
      logTerms[j] = this.logWeights[row * k + j]! + this.componentFamily.logDensity(this, row, j, y);
    }
    return logSumExp(logTerms, 0, k);
  }

  /** Mixture mean, `[N, D]` (a discrete target's: Σ k P(k)). */
  mean(): Float64Array {
    if (this.discrete) return this.discreteMoments().mean.slice();
    const { rows: n, components: k, dimensions: d } = this;
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const w = Math.exp(this.logWeights[i * k + j]!);
        for (let e = 0; e < d; e++) out[i * d + e]! += w * this.means[(i * k + j) * d + e]!;
      }
    }
    return out;
  }

  /** Per-dimension mixture variance (the diagonal of {@link covariance}), `[N, D]`. */
  variance(): Float64Array {
    if (this.discrete) return this.discreteMoments().variance.slice();
    const { rows: n, dimensions: d } = this;
    const covariance = this.covariance();
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let e = 0; e < d; e++) out[i * d + e] = covariance[(i * d + e) * d + e]!;
    return out;
  }

  /**
   * Each component's variance per dimension (the diagonal of its covariance), `[N, K, D]`: σ² for the diagonal
   * Gaussian, 2b² for Laplace; for the full family the marginal variance Σ_k,dd, not the conditional σ².
   */
  componentVariances(): Float64Array {
    const { rows: n, components: k, dimensions: d } = this;
    const out = new Float64Array(n * k * d);
    const covariance = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        this.componentFamily.covariance(this, i, j, covariance);
        for (let e = 0; e < d; e++) out[(i * k + j) * d + e] = covariance[e * d + e]!;
      }
    }
    return out;
  }

  /** Mixture covariance, `[N, D, D]` row-major: Σ_k π_k (Σ_k + (μ_k − m)(μ_k − m)ᵀ). */
  covariance(): Float64Array {
    if (this.discrete) return this.discreteMoments().variance.slice();
    const { rows: n, components: k, dimensions: d } = this;
    const mean = this.mean();
    const out = new Float64Array(n * d * d);
    const component = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const o = i * d * d;
      for (let j = 0; j < k; j++) {
        const w = Math.exp(this.logWeights[i * k + j]!);
        if (w === 0) continue;
        this.componentFamily.covariance(this, i, j, component);
        const base = (i * k + j) * d;
        for (let a = 0; a < d; a++) {
          const da = this.means[base + a]! - mean[i * d + a]!;
          for (let b = 0; b < d; b++) {
            out[o + a * d + b]! += w * (component[a * d + b]! + da * (this.means[base + b]! - mean[i * d + b]!));
          }
        }
      }
    }
    return out;
  }

  /**
   * The marginal mixture of one target dimension (D = 1), or of several in the order given (exact for every
   * family: same weights, the components' locations and covariance restricted to those dimensions).
   */
  marginal(dimension: number | readonly number[]): HostMixture {
    const { rows: n, components: k, dimensions: d } = this;
    const kept = typeof dimension === 'number' ? [dimension] : [...dimension];
    for (const e of kept) {
      if (!Number.isInteger(e) || e < 0 || e >= d) {
        throw new InputError(`dimension must be an integer in [0, ${d - 1}], got ${e}`);
      }
    }
    if (kept.length === 0 || new Set(kept).size !== kept.length) {
      throw new InputError(`marginal needs one or more distinct dimensions, got [${kept.join(', ')}]`);
    }
    const { logWeights, means, scales, factors } = this.componentFamily.marginal(this, kept);
    return this.derived({ rows: n, components: k, dimensions: kept.length, logWeights, means, scales, factors });
  }

  /**
   * The exact conditional mixture of the other target dimensions given observed values of some, p(y_F | y_O, x):
   * each component's conditional distribution, its weight re-weighted by the density of the observed values under
   * it, log π_k + log p_k(y_O), normalised. Dimensions of the result are the unobserved ones in ascending order.
   * For diagonal families the components keep their locations and scales; for the full family the means shift by
   * Σ_FO Σ_OO⁻¹ (y_O − μ_O) and the covariance is Σ_FF − Σ_FO Σ_OO⁻¹ Σ_OF.
   * @param observed target dimension → its value for every row, or `[N]` values (one per row)
   */
  condition(observed: ObservedValues): HostMixture {
    const { rows: n, components: k, dimensions: d } = this;
    const given = Object.keys(observed)
      .map(Number)
      .sort((a, b) => a - b);
    for (const e of given) {
      if (!Number.isInteger(e) || e < 0 || e >= d) {
        throw new InputError(`a conditioned dimension must be an integer in [0, ${d - 1}], got ${e}`);
      }
      const value = observed[e]!;
      if (typeof value !== 'number' && value.length !== n) {
        throw new InputError(
          `the values of dimension ${e} must be one number or one per row (${n}), got ${value.length}`,
        );
      }
    }
    const free = Array.from({ length: d }, (_, e) => e).filter((e) => !given.includes(e));
    if (given.length === 0) return this;
    if (free.length === 0) throw new InputError('condition needs at least one dimension left unobserved');
    const observedAt = (e: number, row: number): number => {
      const value = observed[e]!;
      const v = typeof value === 'number' ? value : value[row]!;
      if (!Number.isFinite(v)) {
        throw new InputError(`the value of dimension ${e} for row ${row} is ${v}, not finite`, {
          row,
          reason: `the value of dimension ${e} is ${v}, not finite`,
        });
      }
      return v;
    };
    const { logWeights, means, scales, factors } = this.componentFamily.condition(this, given, free, observedAt);
    // Normalised by the constructor (a row whose observed values have zero density under every component would
    // give NaN weights: refuse it instead).
    for (let i = 0; i < n; i++) {
      if (logSumExp(logWeights, i * k, k) === Number.NEGATIVE_INFINITY) {
        throw new InputError(`the observed values of row ${i} have zero density under every component`, {
          row: i,
          reason: 'the observed values have zero density under every component',
        });
      }
    }
    return this.derived({ rows: n, components: k, dimensions: free.length, logWeights, means, scales, factors });
  }

  /** Exact CDF P(Y ≤ y) per row (D = 1). @param y `[N]` @returns `[N]` */
  cdf(y: ArrayLike<number>): Float64Array {
    this.requireUnivariate('cdf');
    this.requireLength(y, 'y');
    const out = new Float64Array(this.rows);
    for (let i = 0; i < this.rows; i++) out[i] = this.cdfAt(i, y[i]!);
    return out;
  }

  /** CDF of row `row` at `y` (D = 1). */
  cdfAt(row: number, y: number): number {
    this.requireUnivariate('cdfAt');
    const discrete = this.discrete;
    if (discrete) return discreteCdf(discrete, y, (v) => this.componentFamily.cdf(this, row, v));
    return this.componentFamily.cdf(this, row, y);
  }

  /** Density of row `row` at `y` (D = 1); for a discrete target, P(Y = y). */
  pdfAt(row: number, y: number): number {
    this.requireUnivariate('pdfAt');
    if (this.discrete) return Math.exp(discreteLogProb(this, this.discrete, row, y));
    return this.componentFamily.pdf(this, row, y);
  }

  /** Quantile of row `row` at probability p (D = 1), exact to float64 round-off; see {@link quantile}. */
  quantileAt(row: number, p: number): number {
    this.requireUnivariate('quantileAt');
    if (!(p >= 0 && p <= 1)) throw new InputError(`probability must be in [0, 1], got ${p}`);
    const q = this.componentFamily.quantiles(this.slice(row, row + 1), [p])[0]!;
    return this.discrete ? discreteQuantile(this.discrete, q) : q;
  }

  /**
   * Quantiles (D = 1), exact to float64 round-off: Halley's method on the exact CDF from a Cornish–Fisher start,
   * bracketed by the component quantiles.
   * @param p one probability, or P probabilities
   * @returns `[N]` for one probability, `[N, P]` row-major for several
   */
  quantile(p: number | readonly number[]): Float64Array {
    this.requireUnivariate('quantile');
    const levels = typeof p === 'number' ? [p] : p;
    for (const level of levels) {
      if (!(level >= 0 && level <= 1)) throw new InputError(`probability must be in [0, 1], got ${level}`);
    }
    const out = this.componentFamily.quantiles(this, levels);
    const discrete = this.discrete;
    if (discrete) for (let i = 0; i < out.length; i++) out[i] = discreteQuantile(discrete, out[i]!);
    return out;
  }

  /** Central prediction interval holding probability `level` (D = 1): [q((1−level)/2), q((1+level)/2)]. */
  interval(level: number): Interval {
    if (!(level > 0 && level < 1)) throw new InputError(`interval level must be in (0, 1), got ${level}`);
    this.requireUnivariate('interval');
    const both = this.quantile([(1 - level) / 2, (1 + level) / 2]);
    const lower = new Float64Array(this.rows);
    const upper = new Float64Array(this.rows);
    for (let i = 0; i < this.rows; i++) {
      lower[i] = both[2 * i]!;
      upper[i] = both[2 * i + 1]!;
    }
    return { lower, upper };
  }

  /** CRPS of row `row` at `y` (D = 1), in closed form for every family (see `crps` in scores.ts). */
  crpsAt(row: number, y: number): number {
    this.requireUnivariate('crps');
    const discrete = this.discrete;
    if (discrete) {
      const span = this.span(row, y);
      if (span) return discreteCrps(binProbabilities(this, discrete, row, span.from, span.to), span.from, y);
    }
    return this.componentFamily.crps(this, row, y);
  }

  /** The whole numbers holding row `row`'s mass (and `include`), or undefined when too many to visit. */
  private span(row: number, include?: number): { from: number; to: number } | undefined {
    const single = this.slice(row, row + 1);
    return supportSpan(this.discrete!, (levels) => this.componentFamily.quantiles(single, levels), include);
  }

  /**
   * A discrete target's mean, variance and mode per row, summed over its support (the latent ones beyond it): one
   * pass for all three (`mdn predict` asks for each), kept for the next call; the public methods hand out copies.
   */
  private discreteMoments(): { mean: Float64Array; variance: Float64Array; mode: Float64Array } {
    if (this.moments) return this.moments;
    const n = this.rows;
    const mean = new Float64Array(n);
    const variance = new Float64Array(n);
    const mode = new Float64Array(n);
    const latent = { mean: undefined as Float64Array | undefined, variance: undefined as Float64Array | undefined };
    for (let i = 0; i < n; i++) {
      const span = this.span(i);
      if (!span) {
        // Too wide to visit: the latent density's figures (the bins are a small part of its spread).
        latent.mean ??= this.withParts(this.parts.withDiscrete(undefined)).mean();
        latent.variance ??= this.withParts(this.parts.withDiscrete(undefined)).variance();
        mean[i] = Math.round(latent.mean[i]!);
        variance[i] = latent.variance[i]!;
        mode[i] = Math.round(latent.mean[i]!);
        continue;
      }
      const p = binProbabilities(this, this.discrete!, i, span.from, span.to);
      let total = 0;
      let first = 0;
      let best = 0;
      for (let j = 0; j < p.length; j++) {
        total += p[j]!;
        first += p[j]! * (span.from + j);
        if (p[j]! > p[best]!) best = j;
      }
      const m = first / total;
      let second = 0;
      for (let j = 0; j < p.length; j++) second += p[j]! * (span.from + j - m) ** 2;
      mean[i] = m;
      variance[i] = second / total;
      mode[i] = span.from + best;
    }
    this.moments = { mean, variance, mode };
    return this.moments;
  }

  private moments: { mean: Float64Array; variance: Float64Array; mode: Float64Array } | undefined;

  /**
   * The global mode of each row, `[N, D]`. Gaussian components: the fixed-point iteration
   * x ← (Σ_k γ_k(x) Σ_k⁻¹)⁻¹ Σ_k γ_k(x) Σ_k⁻¹ μ_k (per dimension for the diagonal family) started from the
   * component means (in one dimension only those no earlier climb went over: see climbModes); the start that ends at
   * the highest density wins. Laplace components: the best component
   * location (the density is convex between them).
   */
  mode(): Float64Array {
    if (this.discrete) return this.discreteMoments().mode.slice();
    return this.componentFamily.mode(this);
  }

  /**
   * Seeded draws, `[N, n, D]` row-major: `n` samples for each of the N mixtures. A draw from a point mass (its
   * parts say which: a capped or floored end of the target) is its value exactly.
   * See {@link SampleOptions} for the two temperatures.
   */
  sample(n: number, options: SampleOptions = {}): Float64Array {
    if (!Number.isInteger(n) || n < 0) {
      throw new InputError(`sample count must be a non-negative integer, got ${n}`);
    }
    const temperature = options.temperature ?? 1;
    const scaleTemperature = options.scaleTemperature ?? temperature;
    if (!(temperature >= 0)) throw new InputError(`temperature must be >= 0, got ${temperature}`);
    if (!(scaleTemperature >= 0)) throw new InputError(`scaleTemperature must be >= 0, got ${scaleTemperature}`);
    const random = createRandom(options.seed ?? 0);
    const { rows, components: k, dimensions: d } = this;
    const pointMass = Uint8Array.from({ length: k }, (_, j) => (this.parts.isPointMass(j) ? 1 : 0));
    if (rows * n * d > MAX_SAMPLE_VALUES) {
      throw new InputError(
        `${n} samples for each of ${rows} rows${d > 1 ? ` × ${d} dimensions` : ''} would be ${(rows * n * d).toExponential(2)} ` +
          `numbers (${((rows * n * d * 8) / 2 ** 30).toFixed(1)} GiB); at most ${MAX_SAMPLE_VALUES.toExponential(0)} are drawn at once: ` +
          'draw fewer, or fewer rows at a time',
      );
    }
    const out = new Float64Array(rows * n * d);
    const cumulative = new Float64Array(k);
    const spread = Math.sqrt(scaleTemperature);
    for (let i = 0; i < rows; i++) {
      let argmax = 0;
      for (let j = 1; j < k; j++) if (this.logWeights[i * k + j]! > this.logWeights[i * k + argmax]!) argmax = j;
      if (temperature > 0) {
        const top = this.logWeights[i * k + argmax]!;
        let total = 0;
        for (let j = 0; j < k; j++) {
          total += Math.exp((this.logWeights[i * k + j]! - top) / temperature);
          cumulative[j] = total;
        }
        for (let j = 0; j < k; j++) cumulative[j]! /= total;
      }
      for (let s = 0; s < n; s++) {
        let component = argmax;
        if (temperature > 0) {
          const u = random.uniform();
          component = 0;
          while (component < k - 1 && u >= cumulative[component]!) component++;
        }
        // A point mass is drawn without its narrow scale's noise (spread 0: its location exactly).
        this.componentFamily.draw(
          this,
          i,
          component,
          pointMass[component] === 1 ? 0 : spread,
          random,
          out,
          (i * n + s) * d,
        );
      }
    }
    const discrete = this.discrete;
    if (discrete) for (let i = 0; i < out.length; i++) out[i] = discreteDraw(discrete, out[i]!);
    return out;
  }

  private requireUnivariate(what: string): void {
    if (this.dimensions !== 1) {
      throw new InputError(
        `${what} needs one-dimensional targets (D = 1, got D = ${this.dimensions}); use marginal(d) for one of them`,
      );
    }
  }

  private requireLength(values: ArrayLike<number>, name: string): void {
    if (values.length !== this.rows) {
      throw new InputError(`${name} must hold one value per row (${this.rows}), got ${values.length}`);
    }
  }
}
