import { InputError } from '../errors.js';
import { logNormalPdf, logSumExp } from '../math/host-math.js';
import { LOG_SQRT_2PI, normalCdf, normalPdf, normalQuantile, normalTail, SQRT_2PI } from '../math/normal.js';
import {
  choleskyInPlace,
  choleskySolveInPlace,
  covarianceFromFactor,
  factorCount,
  factorFromCovariance,
  factorIndex,
} from '../math/precision-factor.js';
import { createRandom } from '../random/rng.js';
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
}

/** The observed values of {@link HostMixture.condition}: target dimension → one value for every row, or one per row. */
export type ObservedValues = Readonly<Record<number, number | ArrayLike<number>>>;

/** Per-row constants of the quantile iterations (see HostMixture's quantileWith). */
interface QuantileScratch {
  weights: Float64Array;
  inverseScales: Float64Array;
  densityFactors: Float64Array;
  /** The row's mixture mean, standard deviation and skewness (for the Cornish–Fisher start). */
  mean: number;
  sd: number;
  skew: number;
  /** The narrowest component's σ (the unit of the stopping tolerance). */
  smallestScale: number;
}

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

/**
 * N Gaussian mixtures (diagonal or full covariance) on the host in float64: exact CDF, quantiles, mode, intervals,
 * covariance, marginals, exact conditioning and seeded sampling, independent of the tfjs backend. Obtain one with
 * `GaussianMixture.toHost()`.
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
  /** `[N, K, D]` (the diagonal family's standard deviations; the full family's conditional scales) */
  readonly scales: Float64Array;
  /** `[N, K, D(D − 1)/2]` for the full family (see {@link HostMixtureParameters.factors}); undefined if diagonal. */
  readonly factors: Float64Array | undefined;
  /** Which component is which (see {@link MixtureParts}). */
  readonly parts: MixtureParts;
  /** Scratch `[K]` for {@link logProbAt}'s per-component terms (no allocation per call). */
  private readonly logTerms: Float64Array;

  constructor(parameters: HostMixtureParameters, normalised?: typeof NORMALISED) {
    const { rows: n, components: k, dimensions: d } = parameters;
    if (parameters.logWeights.length !== n * k) throw new Error(`logWeights must hold N*K = ${n * k} values`);
    if (parameters.means.length !== n * k * d) throw new Error(`means must hold N*K*D = ${n * k * d} values`);
    if (parameters.scales.length !== n * k * d) throw new Error(`scales must hold N*K*D = ${n * k * d} values`);
    const p = factorCount(d);
    if (parameters.factors !== undefined && parameters.factors.length !== n * k * p) {
      throw new Error(`factors must hold N*K*D(D-1)/2 = ${n * k * p} values`);
    }
    this.factors = p > 0 ? parameters.factors : undefined;
    this.parts = parameters.parts ?? MixtureParts.single(k);
    if (this.parts.components !== k) {
      throw new InputError(`parts describe ${this.parts.components} components but the mixture has ${k}`);
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

  /**
   * Rows `start` (inclusive) to `end` (exclusive) as a mixture of their own, sharing this one's memory (no copy):
   * for working through many rows a slice at a time.
   */
  slice(start: number, end: number = this.rows): HostMixture {
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= this.rows)) {
      throw new RangeError(`slice needs whole rows 0 ≤ start ≤ end ≤ ${this.rows}; got ${start}, ${end}`);
    }
    const { components: k, dimensions: d } = this;
    const p = factorCount(d);
    return new HostMixture({
      rows: end - start,
      components: k,
      dimensions: d,
      logWeights: this.logWeights.subarray(start * k, end * k),
      means: this.means.subarray(start * k * d, end * k * d),
      scales: this.scales.subarray(start * k * d, end * k * d),
      ...(this.factors ? { factors: this.factors.subarray(start * k * p, end * k * p) } : {}),
      parts: this.parts,
    });
  }

  /** The same mixture (sharing its memory) with other parts: which component is which. */
  withParts(parts: MixtureParts): HostMixture {
    const { rows, components, dimensions, logWeights, means, scales, factors } = this;
    return new HostMixture({ rows, components, dimensions, logWeights, means, scales, factors, parts }, NORMALISED);
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
    if (resultParts === undefined)
      throw new InputError('selectComponents with a list per row needs the parts of the result');
    const p = factorCount(d);
    const logWeights = new Float64Array(rows * k);
    const means = new Float64Array(rows * k * d);
    const scales = new Float64Array(rows * k * d);
    const factors = this.factors === undefined ? undefined : new Float64Array(rows * k * p);
    for (let r = 0; r < rows; r++) {
      const row = list(r);
      if (row.length !== k)
        throw new InputError(`selectComponents: row ${r} chose ${row.length} components, row 0 chose ${k}`);
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
    return new HostMixture({
      rows,
      components: k,
      dimensions: d,
      logWeights,
      means,
      scales,
      factors,
      parts: resultParts,
    });
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
      if (block.components !== components || block.dimensions !== dimensions) {
        throw new InputError('concatenate needs mixtures of the same components and dimensions');
      }
      logWeights.set(block.logWeights, row * components);
      means.set(block.means, row * components * dimensions);
      scales.set(block.scales, row * components * dimensions);
      if (factors !== undefined) factors.set(block.factors!, row * components * p);
      row += block.rows;
    }
    return new HostMixture({ rows, components, dimensions, logWeights, means, scales, factors, parts: first.parts });
  }

  /** `'full'` when the components have full covariance (precision factors), else `'diagonal'`. */
  get family(): 'diagonal' | 'full' {
    return this.factors === undefined ? 'diagonal' : 'full';
  }

  /** Weights π of row `row`, `[K]`. */
  weights(row: number): Float64Array {
    const k = this.components;
    const out = new Float64Array(k);
    for (let j = 0; j < k; j++) out[j] = Math.exp(this.logWeights[row * k + j]!);
    return out;
  }

  /** Log-density of `y` (`[D]`) under row `row`'s mixture. */
  logProbAt(row: number, y: ArrayLike<number>): number {
    const { components: k, logTerms } = this;
    for (let j = 0; j < k; j++) logTerms[j] = this.componentLogProb(row, j, y);
    return logSumExp(logTerms, 0, k);
  }

  /** log π_j + log N(y; μ_j, Σ_j) of component `j` of row `row`. */
  private componentLogProb(row: number, j: number, y: ArrayLike<number>): number {
    const { components: k, dimensions: d, factors } = this;
    let acc = this.logWeights[row * k + j]!;
    const base = (row * k + j) * d;
    if (factors === undefined) {
      for (let e = 0; e < d; e++) acc += logNormalPdf(y[e]!, this.means[base + e]!, this.scales[base + e]!);
      return acc;
    }
    const factorBase = (row * k + j) * factorCount(d);
    let at = factorBase;
    for (let e = 0; e < d; e++) {
      let t = y[e]! - this.means[base + e]!;
      for (let c = e + 1; c < d; c++) t += factors[at++]! * (y[c]! - this.means[base + c]!);
      const sigma = this.scales[base + e]!;
      const z = t / sigma;
      acc -= LOG_SQRT_2PI + Math.log(sigma) + 0.5 * z * z;
    }
    return acc;
  }

  /** Component `j` of row `row`'s covariance, `[D, D]` row-major, into `out`. */
  private componentCovariance(row: number, j: number, out: Float64Array): Float64Array {
    const { components: k, dimensions: d, factors } = this;
    const base = (row * k + j) * d;
    if (factors === undefined) {
      out.fill(0);
      for (let e = 0; e < d; e++) out[e * d + e] = this.scales[base + e]! ** 2;
      return out;
    }
    return covarianceFromFactor(this.scales, base, factors, (row * k + j) * factorCount(d), d, out);
  }

  /** Mixture mean, `[N, D]`. */
  mean(): Float64Array {
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
    const { rows: n, dimensions: d } = this;
    const covariance = this.covariance();
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let e = 0; e < d; e++) out[i * d + e] = covariance[(i * d + e) * d + e]!;
    return out;
  }

  /**
   * Each component's variance per dimension (the diagonal of its covariance), `[N, K, D]`: σ² for the diagonal family;
   * for the full family the marginal variance Σ_k,dd, not the conditional σ².
   */
  componentVariances(): Float64Array {
    const { rows: n, components: k, dimensions: d } = this;
    const out = new Float64Array(n * k * d);
    if (this.factors === undefined) {
      for (let i = 0; i < out.length; i++) out[i] = this.scales[i]! ** 2;
      return out;
    }
    const covariance = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        this.componentCovariance(i, j, covariance);
        for (let e = 0; e < d; e++) out[(i * k + j) * d + e] = covariance[e * d + e]!;
      }
    }
    return out;
  }

  /** Mixture covariance, `[N, D, D]` row-major: Σ_k π_k (Σ_k + (μ_k − m)(μ_k − m)ᵀ). */
  covariance(): Float64Array {
    const { rows: n, components: k, dimensions: d } = this;
    const mean = this.mean();
    const out = new Float64Array(n * d * d);
    const component = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const o = i * d * d;
      for (let j = 0; j < k; j++) {
        const w = Math.exp(this.logWeights[i * k + j]!);
        if (w === 0) continue;
        this.componentCovariance(i, j, component);
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
   * The marginal mixture of one target dimension (D = 1), or of several in the order given (exact for both
   * families: same weights, the components' means and covariance restricted to those dimensions).
   */
  marginal(dimension: number | readonly number[]): HostMixture {
    const { rows: n, components: k, dimensions: d } = this;
    const kept = typeof dimension === 'number' ? [dimension] : [...dimension];
    for (const e of kept) {
      if (!Number.isInteger(e) || e < 0 || e >= d) {
        throw new RangeError(`dimension must be an integer in [0, ${d - 1}], got ${e}`);
      }
    }
    if (kept.length === 0 || new Set(kept).size !== kept.length) {
      throw new RangeError(`marginal needs one or more distinct dimensions, got [${kept.join(', ')}]`);
    }
    const m = kept.length;
    const means = new Float64Array(n * k * m);
    const scales = new Float64Array(n * k * m);
    for (let r = 0; r < n * k; r++) {
      for (let a = 0; a < m; a++) means[r * m + a] = this.means[r * d + kept[a]!]!;
    }
    if (this.factors === undefined) {
      for (let r = 0; r < n * k; r++) for (let a = 0; a < m; a++) scales[r * m + a] = this.scales[r * d + kept[a]!]!;
      return new HostMixture({
        rows: n,
        components: k,
        dimensions: m,
        logWeights: this.logWeights,
        means,
        scales,
        parts: this.parts,
      });
    }
    const factors = m > 1 ? new Float64Array(n * k * factorCount(m)) : undefined;
    const full = new Float64Array(d * d);
    const sub = new Float64Array(m * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const r = i * k + j;
        this.componentCovariance(i, j, full);
        for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) sub[a * m + b] = full[kept[a]! * d + kept[b]!]!;
        if (factors === undefined) scales[r] = Math.sqrt(sub[0]!);
        else if (!factorFromCovariance(sub, m, scales, r * m, factors, r * factorCount(m))) {
          throw new RangeError(`component ${j} of row ${i} has a covariance that is not positive definite`);
        }
      }
    }
    return new HostMixture({
      rows: n,
      components: k,
      dimensions: m,
      logWeights: this.logWeights,
      means,
      scales,
      factors,
      parts: this.parts,
    });
  }

  /**
   * The exact conditional mixture of the other target dimensions given observed values of some, p(y_F | y_O, x):
   * each component's conditional Gaussian, its weight re-weighted by the density of the observed values under it,
   * log π_k + log N(y_O; μ_kO, Σ_kOO), normalised. Dimensions of the result are the unobserved ones in ascending
   * order. For the diagonal family the components keep their means and scales; for the full family the means shift
   * by Σ_FO Σ_OO⁻¹ (y_O − μ_O) and the covariance is Σ_FF − Σ_FO Σ_OO⁻¹ Σ_OF.
   * @param observed target dimension → its value for every row, or `[N]` values (one per row)
   */
  condition(observed: ObservedValues): HostMixture {
    const { rows: n, components: k, dimensions: d } = this;
    const given = Object.keys(observed)
      .map(Number)
      .sort((a, b) => a - b);
    for (const e of given) {
      if (!Number.isInteger(e) || e < 0 || e >= d) {
        throw new RangeError(`a conditioned dimension must be an integer in [0, ${d - 1}], got ${e}`);
      }
      const value = observed[e]!;
      if (typeof value !== 'number' && value.length !== n) {
        throw new RangeError(
          `the values of dimension ${e} must be one number or one per row (${n}), got ${value.length}`,
        );
      }
    }
    const free = Array.from({ length: d }, (_, e) => e).filter((e) => !given.includes(e));
    if (given.length === 0) return this;
    if (free.length === 0) throw new RangeError('condition needs at least one dimension left unobserved');
    const o = given.length;
    const f = free.length;
    const observedAt = (e: number, row: number): number => {
      const value = observed[e]!;
      const v = typeof value === 'number' ? value : value[row]!;
      if (!Number.isFinite(v)) throw new RangeError(`the value of dimension ${e} for row ${row} is ${v}, not finite`);
      return v;
    };
    const logWeights = new Float64Array(n * k);
    const means = new Float64Array(n * k * f);
    const scales = new Float64Array(n * k * f);
    const factors = this.factors !== undefined && f > 1 ? new Float64Array(n * k * factorCount(f)) : undefined;
    const full = new Float64Array(d * d);
    const observedCovariance = new Float64Array(o * o);
    const residual = new Float64Array(o);
    const solved = new Float64Array(o);
    const column = new Float64Array(o);
    const conditional = new Float64Array(f * f);
    const gainColumns = new Float64Array(f * o);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const r = i * k + j;
        const base = r * d;
        if (this.factors === undefined) {
          let logDensity = 0;
          for (const e of given)
            logDensity += logNormalPdf(observedAt(e, i), this.means[base + e]!, this.scales[base + e]!);
          logWeights[r] = this.logWeights[r]! + logDensity;
          for (let a = 0; a < f; a++) {
            means[r * f + a] = this.means[base + free[a]!]!;
            scales[r * f + a] = this.scales[base + free[a]!]!;
          }
          continue;
        }
        this.componentCovariance(i, j, full);
        for (let a = 0; a < o; a++) {
          residual[a] = observedAt(given[a]!, i) - this.means[base + given[a]!]!;
          for (let b = 0; b < o; b++) observedCovariance[a * o + b] = full[given[a]! * d + given[b]!]!;
        }
        if (!choleskyInPlace(observedCovariance, o)) {
          throw new RangeError(`component ${j} of row ${i} has a covariance that is not positive definite`);
        }
        // log N(y_O; μ_O, Σ_OO) = −o/2 log 2π − Σ log G_aa − ½ ‖G⁻¹ r‖².
        let logDensity = -o * LOG_SQRT_2PI;
        for (let a = 0; a < o; a++) {
          let value = residual[a]!;
          for (let c = 0; c < a; c++) value -= observedCovariance[a * o + c]! * solved[c]!;
          solved[a] = value / observedCovariance[a * o + a]!;
          logDensity -= Math.log(observedCovariance[a * o + a]!) + 0.5 * solved[a]! ** 2;
        }
        logWeights[r] = this.logWeights[r]! + logDensity;
        solved.set(residual);
        choleskySolveInPlace(observedCovariance, o, solved);
        for (let a = 0; a < f; a++) {
          let shift = 0;
          for (let b = 0; b < o; b++) shift += full[free[a]! * d + given[b]!]! * solved[b]!;
          means[r * f + a] = this.means[base + free[a]!]! + shift;
          // Σ_OO⁻¹ Σ_Oa, for the conditional covariance.
          for (let b = 0; b < o; b++) column[b] = full[given[b]! * d + free[a]!]!;
          choleskySolveInPlace(observedCovariance, o, column);
          gainColumns.set(column, a * o);
        }
        for (let a = 0; a < f; a++) {
          for (let b = 0; b < f; b++) {
            let value = full[free[a]! * d + free[b]!]!;
            for (let c = 0; c < o; c++) value -= full[free[a]! * d + given[c]!]! * gainColumns[b * o + c]!;
            conditional[a * f + b] = value;
          }
        }
        if (factors === undefined) scales[r * f] = Math.sqrt(conditional[0]!);
        else if (!factorFromCovariance(conditional, f, scales, r * f, factors, r * factorCount(f))) {
          throw new RangeError(`component ${j} of row ${i} has a conditional covariance that is not positive definite`);
        }
      }
    }
    // Normalised by the constructor (a row whose observed values have zero density under every component would
    // give NaN weights: refuse it instead).
    for (let i = 0; i < n; i++) {
      if (logSumExp(logWeights, i * k, k) === Number.NEGATIVE_INFINITY) {
        throw new RangeError(`the observed values of row ${i} have zero density under every component`);
      }
    }
    return new HostMixture({
      rows: n,
      components: k,
      dimensions: f,
      logWeights,
      means,
      scales,
      factors,
      parts: this.parts,
    });
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
    const k = this.components;
    let total = 0;
    for (let j = 0; j < k; j++) {
      const at = row * k + j;
      total += Math.exp(this.logWeights[at]!) * normalCdf((y - this.means[at]!) / this.scales[at]!);
    }
    return Math.min(1, total);
  }

  /** Density of row `row` at `y` (D = 1). */
  pdfAt(row: number, y: number): number {
    this.requireUnivariate('pdfAt');
    const k = this.components;
    let total = 0;
    for (let j = 0; j < k; j++) {
      const at = row * k + j;
      const sigma = this.scales[at]!;
      total += (Math.exp(this.logWeights[at]!) * normalPdf((y - this.means[at]!) / sigma)) / sigma;
    }
    return total;
  }

  /** Quantile of row `row` at probability p (D = 1), exact to float64 round-off; see {@link quantile}. */
  quantileAt(row: number, p: number): number {
    this.requireUnivariate('quantileAt');
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1], got ${p}`);
    const scratch = this.quantileScratch();
    this.prepareQuantileRow(row, scratch);
    return this.quantileWith(row, p, normalQuantile(p), scratch);
  }

  private quantileScratch(): QuantileScratch {
    const k = this.components;
    return {
      weights: new Float64Array(k),
      inverseScales: new Float64Array(k),
      densityFactors: new Float64Array(k),
      mean: 0,
      sd: 0,
      skew: 0,
      smallestScale: 0,
    };
  }

  /**
   * The per-row constants every quantile level of a row reuses: π_k, 1/σ_k, π_k/(√(2π) σ_k), the mixture's
   * mean, standard deviation and skewness, and the narrowest σ.
   */
  private prepareQuantileRow(row: number, scratch: QuantileScratch): void {
    const k = this.components;
    const base = row * k;
    let total = 0;
    let mean = 0;
    let smallestScale = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const w = Math.exp(this.logWeights[base + j]!);
      const sigma = this.scales[base + j]!;
      scratch.weights[j] = w;
      scratch.inverseScales[j] = 1 / sigma;
      scratch.densityFactors[j] = w / (SQRT_2PI * sigma);
      if (w === 0) continue;
      total += w;
      mean += w * this.means[base + j]!;
      smallestScale = Math.min(smallestScale, sigma);
    }
    mean /= total;
    let variance = 0;
    let third = 0;
    for (let j = 0; j < k; j++) {
      const w = scratch.weights[j]!;
      if (w === 0) continue;
      const d = this.means[base + j]! - mean;
      const s2 = this.scales[base + j]! ** 2;
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
   * The quantile at p of row `row`, given z_p = Φ⁻¹(p) and the row's constants (see prepareQuantileRow).
   * Halley's method (Newton with the density's slope; cubic convergence) from a Cornish–Fisher start (the
   * mixture's mean, variance and skewness), kept inside the bracket [min_k q_k(p), max_k q_k(p)] of the component
   * quantiles by bisection. Each iteration evaluates the CDF (above the median, the survival function) with the
   * density and its slope in one pass over the components that shares each exp(−z²/2); on mixtures predicted
   * by trained networks it takes two or three.
   */
  private quantileWith(row: number, p: number, zp: number, scratch: QuantileScratch): number {
    const { weights, inverseScales, densityFactors, smallestScale } = scratch;
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    const k = this.components;
    const base = row * k;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      if (weights[j] === 0) continue;
      const q = this.means[base + j]! + this.scales[base + j]! * zp;
      if (q < lo) lo = q;
      if (q > hi) hi = q;
    }
    if (!(hi > lo)) return lo;
    let x = scratch.mean + scratch.sd * (zp + ((zp * zp - 1) * scratch.skew) / 6);
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
        const z = (x - this.means[base + j]!) * inverse;
        const a = Math.abs(z);
        if (a > 38.5) {
          if (upper ? z < 0 : z > 0) mass += w;
          continue;
        }
        const e = Math.exp(-0.5 * a * a);
        const tail = normalTail(a, e);
        mass += w * ((upper ? z < 0 : z > 0) ? 1 - tail : tail);
        const phi = densityFactors[j]! * e;
        density += phi;
        slope -= phi * z * inverse;
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

  /**
   * Quantiles (D = 1), exact to float64 round-off.
   * @param p one probability, or P probabilities
   * @returns `[N]` for one probability, `[N, P]` row-major for several
   */
  quantile(p: number | readonly number[]): Float64Array {
    this.requireUnivariate('quantile');
    const levels = typeof p === 'number' ? [p] : p;
    for (const level of levels) {
      if (!(level >= 0 && level <= 1)) throw new RangeError(`probability must be in [0, 1], got ${level}`);
    }
    const scratch = this.quantileScratch();
    const z = levels.map((level) => normalQuantile(level));
    const out = new Float64Array(this.rows * levels.length);
    for (let i = 0; i < this.rows; i++) {
      this.prepareQuantileRow(i, scratch);
      for (let l = 0; l < levels.length; l++) {
        out[i * levels.length + l] = this.quantileWith(i, levels[l]!, z[l]!, scratch);
      }
    }
    return out;
  }

  /** Central prediction interval holding probability `level` (D = 1): [q((1−level)/2), q((1+level)/2)]. */
  interval(level: number): Interval {
    if (!(level > 0 && level < 1)) throw new RangeError(`interval level must be in (0, 1), got ${level}`);
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

  /**
   * The global mode of each row, `[N, D]`: the fixed-point iteration x ← (Σ_k γ_k(x) Σ_k⁻¹)⁻¹ Σ_k γ_k(x) Σ_k⁻¹ μ_k
   * (per dimension for the diagonal family: Σ γ_k μ_k/σ_k² / Σ γ_k/σ_k²) started from every component mean; the start
   * that ends at the highest density wins.
   */
  mode(): Float64Array {
    const { rows: n, components: k, dimensions: d, factors } = this;
    const out = new Float64Array(n * d);
    const x = new Float64Array(d);
    const num = new Float64Array(d);
    const den = new Float64Array(d);
    const terms = new Float64Array(k);
    const gamma = new Float64Array(k);
    const constants = new Float64Array(k);
    const basins: Float64Array[] = [];
    // Full family: each component's precision Σ⁻¹ = AᵀA, A = diag(1/σ)(I + L), `[K, D, D]`, and Σ⁻¹μ, `[K, D]`,
    // for the current row; the system Σ γ Σ⁻¹ and its right-hand side.
    const p = factorCount(d);
    const precisions = factors === undefined ? undefined : new Float64Array(k * d * d);
    const precisionMeans = factors === undefined ? undefined : new Float64Array(k * d);
    const system = new Float64Array(d * d);
    const fullShift = (i: number): number => {
      for (let j = 0; j < k; j++) terms[j] = this.componentLogProb(i, j, x);
      const norm = logSumExp(terms, 0, k);
      system.fill(0);
      num.fill(0);
      for (let j = 0; j < k; j++) {
        const g = Math.exp(terms[j]! - norm);
        gamma[j] = g;
        if (g === 0) continue;
        for (let a = 0; a < d * d; a++) system[a]! += g * precisions![j * d * d + a]!;
        for (let e = 0; e < d; e++) num[e]! += g * precisionMeans![j * d + e]!;
      }
      if (!choleskyInPlace(system, d)) return 0;
      choleskySolveInPlace(system, d, num);
      let step = 0;
      for (let e = 0; e < d; e++) {
        num[e] = num[e]! - x[e]!;
        step = Math.max(step, Math.abs(num[e]!));
      }
      return step;
    };
    // Responsibilities γ_j(x) into `gamma`; returns the step of the fixed-point (mean-shift) iteration
    // x ← Σ γ_j μ_j/σ_j² / Σ γ_j/σ_j² (per dimension; an ascent step), written into `num`, as its max-norm.
    const meanShift = (i: number): number => {
      for (let j = 0; j < k; j++) {
        let term = constants[j]!;
        for (let e = 0; e < d; e++) {
          const at = (i * k + j) * d + e;
          const z = (x[e]! - this.means[at]!) / this.scales[at]!;
          term -= 0.5 * z * z;
        }
        terms[j] = term;
      }
      const norm = logSumExp(terms, 0, k);
      num.fill(0);
      den.fill(0);
      for (let j = 0; j < k; j++) {
        const g = Math.exp(terms[j]! - norm);
        gamma[j] = g;
        for (let e = 0; e < d; e++) {
          const at = (i * k + j) * d + e;
          const precision = g / this.scales[at]! ** 2;
          num[e]! += precision * this.means[at]!;
          den[e]! += precision;
        }
      }
      let step = 0;
      for (let e = 0; e < d; e++) {
        num[e] = num[e]! / den[e]! - x[e]!;
        step = Math.max(step, Math.abs(num[e]!));
      }
      return step;
    };
    for (let i = 0; i < n; i++) {
      let best = Number.NEGATIVE_INFINITY;
      let smallestScale = Number.POSITIVE_INFINITY;
      for (let j = 0; j < k; j++) {
        let logDet = 0;
        for (let e = 0; e < d; e++) {
          const sigma = this.scales[(i * k + j) * d + e]!;
          logDet += Math.log(sigma);
          smallestScale = Math.min(smallestScale, sigma);
        }
        constants[j] = this.logWeights[i * k + j]! - logDet - d * LOG_SQRT_2PI;
        if (factors !== undefined) {
          const base = (i * k + j) * d;
          const precision = precisions!.subarray(j * d * d, (j + 1) * d * d);
          precision.fill(0);
          // Σ⁻¹_bc = Σ_a A_ab A_ac with A_ab = ([a = b] + L_ab [a < b]) / σ_a.
          for (let a = 0; a < d; a++) {
            const inverse = 1 / this.scales[base + a]!;
            const entry = (b: number) =>
              b === a ? inverse : b > a ? factors[(i * k + j) * p + factorIndex(a, b, d)]! * inverse : 0;
            for (let b = a; b < d; b++) {
              const ab = entry(b);
              if (ab === 0) continue;
              for (let c = a; c < d; c++) precision[b * d + c]! += ab * entry(c);
            }
          }
          for (let b = 0; b < d; b++) {
            let value = 0;
            for (let c = 0; c < d; c++) value += precision[b * d + c]! * this.means[base + c]!;
            precisionMeans![j * d + b] = value;
          }
        }
      }
      basins.length = 0;
      for (let start = 0; start < k; start++) {
        if (this.logWeights[i * k + start] === Number.NEGATIVE_INFINITY) continue;
        for (let e = 0; e < d; e++) x[e] = this.means[(i * k + start) * d + e]!;
        // Climb: mean-shift steps (each one climbs), or for D = 1 Newton's step on d/dx log p = 0 where the
        // density is concave and the step is within twice the mean-shift step (quadratic convergence near the
        // mode). Once the steps fall below 1e-3 of the narrowest σ the start is in a basin: if an earlier start
        // reached the same one it would end at the same mode, so it stops. Done at 1e-10 of the narrowest σ or at
        // float64 resolution at x.
        let inBasin = false;
        let duplicate = false;
        for (let iteration = 0; iteration < 1000; iteration++) {
          let step = factors === undefined ? meanShift(i) : fullShift(i);
          if (d === 1) {
            let slope = 0;
            let curvature = 0;
            for (let j = 0; j < k; j++) {
              const inverseVariance = 1 / this.scales[i * k + j]! ** 2;
              const a = (this.means[i * k + j]! - x[0]!) * inverseVariance;
              slope += gamma[j]! * a;
              curvature += gamma[j]! * (a * a - inverseVariance);
            }
            curvature -= slope * slope;
            const newton = -slope / curvature;
            if (curvature < 0 && Math.abs(newton) <= 2 * step + 1e-3 * smallestScale) {
              num[0] = newton;
              step = Math.abs(newton);
            }
          }
          for (let e = 0; e < d; e++) x[e]! += num[e]!;
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
        const value = this.logProbAt(i, x);
        if (value > best) {
          best = value;
          for (let e = 0; e < d; e++) out[i * d + e] = x[e]!;
        }
      }
    }
    return out;
  }

  /**
   * Seeded draws, `[N, n, D]` row-major: `n` samples for each of the N mixtures.
   * See {@link SampleOptions} for the two temperatures.
   */
  sample(n: number, options: SampleOptions = {}): Float64Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`sample count must be a non-negative integer, got ${n}`);
    const temperature = options.temperature ?? 1;
    const scaleTemperature = options.scaleTemperature ?? temperature;
    if (!(temperature >= 0)) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
    if (!(scaleTemperature >= 0)) throw new RangeError(`scaleTemperature must be >= 0, got ${scaleTemperature}`);
    const random = createRandom(options.seed ?? 0);
    const { rows, components: k, dimensions: d } = this;
    // A draw from a point mass (a capped or floored end of the target) is its value exactly, not the value plus
    // its narrow σ's noise.
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
    const scaleFactor = Math.sqrt(scaleTemperature);
    const { factors } = this;
    const p = factorCount(d);
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
        const base = (i * k + component) * d;
        const o = (i * n + s) * d;
        if (pointMass[component] === 1) {
          for (let e = 0; e < d; e++) out[o + e] = this.means[base + e]!;
          continue;
        }
        for (let e = 0; e < d; e++) {
          const noise = scaleFactor === 0 ? 0 : scaleFactor * this.scales[base + e]! * random.normal();
          out[o + e] = noise;
        }
        if (factors !== undefined && scaleFactor !== 0) {
          // y − μ = (I + L)⁻¹ (√s σ ⊙ ε): back-substitution from the last dimension up.
          const factorBase = (i * k + component) * p;
          for (let e = d - 2; e >= 0; e--) {
            let value = out[o + e]!;
            for (let c = e + 1; c < d; c++) value -= factors[factorBase + factorIndex(e, c, d)]! * out[o + c]!;
            out[o + e] = value;
          }
        }
        for (let e = 0; e < d; e++) out[o + e]! += this.means[base + e]!;
      }
    }
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
    if (values.length !== this.rows)
      throw new Error(`${name} must hold one value per row (${this.rows}), got ${values.length}`);
  }
}
