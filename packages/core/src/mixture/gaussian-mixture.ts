import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';
import '../backend/register-gradients.js';
import type { Standardiser } from '../data/standardiser.js';
import { LOG_SQRT_2PI } from '../math/normal.js';
import { factorCount, factorIndex } from '../math/precision-factor.js';
import { cdfTensor } from './atoms.js';
import { COMPONENT_FAMILIES, type ComponentFamily, standardComponent } from './components/standard.js';
import { HostMixture } from './host-mixture.js';
import { MixtureParts } from './parts.js';

/** The cap on each squared standardised residual in the tensor log-density (see componentLogProb). */
const MAX_SQUARED_Z = 1e36;

/**
 * The covariance family of a mixture: `'diagonal'` (independent dimensions within a component) or `'full'` (a
 * precision factor per component: Σ⁻¹ = AᵀA, A = diag(1/σ)(I + L) upper-triangular; see math/precision-factor.ts).
 */
export type CovarianceFamily = 'diagonal' | 'full';

/** Tensors that define a batch of full-covariance Gaussian mixtures (D ≥ 2). */
export interface FullMixtureParameters extends DiagonalMixtureParameters {
  /**
   * The strictly upper-triangular entries L of each component's precision factor, `[N, K, D(D − 1)/2]`, row-major
   * ((0,1), (0,2), …, (1,2), …). `scales` are then the conditional scales σ of A = diag(1/σ)(I + L).
   */
  factors: tf.Tensor3D;
}

/**
 * Constant 0/1 matrices that gather and scatter the packed factor entries with products only (tfjs-core has no
 * triangular solve): `columns` `[D, P]` picks y_j for entry (i, j); `rows` `[P, D]` sums entry (i, j) into row i;
 * `dense` `[P, D·D]` places entry (i, j) at (i, j) of a D × D matrix.
 */
function factorSelectors(d: number): { columns: tf.Tensor2D; rows: tf.Tensor2D; dense: tf.Tensor2D } {
  const p = factorCount(d);
  const columns = new Float32Array(d * p);
  const rows = new Float32Array(p * d);
  const dense = new Float32Array(p * d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const at = factorIndex(i, j, d);
      columns[j * p + at] = 1;
      rows[at * d + i] = 1;
      dense[at * d * d + i * d + j] = 1;
    }
  }
  return {
    columns: tf.tensor2d(columns, [d, p]),
    rows: tf.tensor2d(rows, [p, d]),
    dense: tf.tensor2d(dense, [p, d * d]),
  };
}

/** Tensors that define a batch of diagonal Gaussian mixtures. */
export interface DiagonalMixtureParameters {
  /** Unnormalised log-weights, `[N, K]`. Weights are `softmax(logits)` along K. */
  logits: tf.Tensor2D;
  /** Component means, `[N, K, D]`. */
  means: tf.Tensor3D;
  /** Component standard deviations, `[N, K, D]`, strictly positive. */
  scales: tf.Tensor3D;
  /** Which component is which (see {@link MixtureParts}). Default: K components of one network. */
  parts?: MixtureParts | undefined;
  /**
   * The components' distribution: `'gaussian'` (default) or `'laplace'` (`scales` are then the Laplace scales b:
   * density e^{−|y−μ|/b}/(2b) per dimension, variance 2b²; diagonal only). See {@link GaussianMixture.laplace}.
   */
  distribution?: ComponentFamily | undefined;
}

/**
 * A batch of N Gaussian mixtures over D-dimensional targets with K components each, held as tfjs tensors so
 * that every density is differentiable and runs on the active backend.
 *
 * The mixture does not copy its tensors: it references them, and `dispose()` frees them. Host-side exact
 * computations (CDF, quantiles, mode, sampling, scores) live on {@link HostMixture}, reached by `toHost()`.
 */
export class GaussianMixture {
  readonly family: CovarianceFamily;
  /** `[N, K]` */
  readonly logits: tf.Tensor2D;
  /** `[N, K, D]` */
  readonly means: tf.Tensor3D;
  /** `[N, K, D]`: standard deviations (diagonal family) or the precision factor's conditional scales (full). */
  readonly scales: tf.Tensor3D;
  /** `[N, K, D(D − 1)/2]` for the full family, else undefined (see {@link FullMixtureParameters.factors}). */
  readonly factors: tf.Tensor3D | undefined;
  /** Which component is which (see {@link MixtureParts}). */
  readonly parts: MixtureParts;
  /** The components' distribution (see {@link DiagonalMixtureParameters.distribution}). */
  readonly distribution: ComponentFamily;

  private constructor(parameters: DiagonalMixtureParameters & { factors?: tf.Tensor3D | undefined }) {
    this.logits = parameters.logits;
    this.means = parameters.means;
    this.scales = parameters.scales;
    this.factors = parameters.factors;
    this.family = parameters.factors === undefined ? 'diagonal' : 'full';
    this.distribution = parameters.distribution ?? 'gaussian';
    if (!COMPONENT_FAMILIES.includes(this.distribution)) {
      throw new InputError(
        `distribution must be one of ${COMPONENT_FAMILIES.join(', ')}; got '${String(this.distribution)}'`,
      );
    }
    if (this.factors !== undefined && this.distribution !== 'gaussian') {
      throw new InputError(`a ${this.distribution} mixture has no precision factors (full covariance is Gaussian)`);
    }
    this.parts = parameters.parts ?? MixtureParts.single(parameters.logits.shape[1]);
    if (this.parts.components !== parameters.logits.shape[1]) {
      throw new InputError(
        `parts describe ${this.parts.components} components but the mixture has ${parameters.logits.shape[1]}`,
      );
    }
  }

  /**
   * A full-covariance mixture (D ≥ 2): per component the precision Σ⁻¹ = AᵀA with A = diag(1/σ)(I + L), L strictly
   * upper-triangular from `factors`. With all factors 0 it equals the diagonal mixture with the same scales.
   */
  static full(parameters: FullMixtureParameters): GaussianMixture {
    const { means, factors } = parameters;
    GaussianMixture.diagonal(parameters);
    const [n, k, d] = means.shape;
    if (d < 2)
      throw new InputError('a full-covariance mixture needs D ≥ 2 target dimensions; use diagonal() for D = 1');
    if (factors.rank !== 3 || factors.shape[0] !== n || factors.shape[1] !== k || factors.shape[2] !== factorCount(d)) {
      throw new InputError(
        `factors must be [${n}, ${k}, ${factorCount(d)}] (N, K, D(D-1)/2), got shape [${factors.shape}]`,
      );
    }
    return new GaussianMixture(parameters);
  }

  /** The full family when `factors` are given, else the diagonal one (for code that carries both). */
  static of(parameters: DiagonalMixtureParameters & { factors?: tf.Tensor3D | undefined }): GaussianMixture {
    if (parameters.factors === undefined) return GaussianMixture.diagonal(parameters);
    return GaussianMixture.full(parameters as FullMixtureParameters);
  }

  /**
   * A mixture of Laplace components (independent dimensions, density e^{−|y−μ|/b}/(2b) each, `scales` the b):
   * heavier tails than Gaussian components (a target 10 scales out costs 10 nats, not 50), and exact in closed form
   * on the host (CDF, quantiles, CRPS). Checks that the shapes agree.
   */
  static laplace(parameters: DiagonalMixtureParameters): GaussianMixture {
    return GaussianMixture.diagonal({ ...parameters, distribution: 'laplace' });
  }

  /**
   * The mixture `build` makes, built inside `tf.tidy`: every intermediate tensor is freed, the mixture's own kept
   * (with its parts and distribution).
   */
  static tidy(build: () => GaussianMixture): GaussianMixture {
    let built: GaussianMixture | undefined;
    const [logits, means, scales, factors] = tf.tidy(() => {
      built = build();
      return [built.logits, built.means, built.scales, built.factors] as const;
    });
    return GaussianMixture.of({
      logits,
      means,
      scales,
      factors,
      parts: built!.parts,
      distribution: built!.distribution,
    });
  }

  /** A diagonal-covariance mixture; checks that the shapes agree. */
  static diagonal(parameters: DiagonalMixtureParameters): GaussianMixture {
    const { logits, means, scales } = parameters;
    if (logits.rank !== 2) throw new InputError(`logits must be [N, K], got shape [${logits.shape}]`);
    if (means.rank !== 3) throw new InputError(`means must be [N, K, D], got shape [${means.shape}]`);
    if (scales.rank !== 3) throw new InputError(`scales must be [N, K, D], got shape [${scales.shape}]`);
    const [n, k] = logits.shape;
    if (means.shape[0] !== n || means.shape[1] !== k) {
      throw new InputError(`means shape [${means.shape}] does not match logits shape [${logits.shape}]`);
    }
    if (!tf.util.arraysEqual(means.shape, scales.shape)) {
      throw new InputError(`scales shape [${scales.shape}] must equal means shape [${means.shape}]`);
    }
    return new GaussianMixture(parameters);
  }

  /** Number of mixtures in the batch (N). */
  get batchSize(): number {
    return this.logits.shape[0];
  }

  /** Number of components (K). */
  get components(): number {
    return this.logits.shape[1];
  }

  /** Target dimension (D). */
  get dimensions(): number {
    return this.means.shape[2];
  }

  /** Normalised log-weights log π, `[N, K]`. */
  logWeights(): tf.Tensor2D {
    return tf.logSoftmax(this.logits, 1);
  }

  /** Mixture weights π, `[N, K]`. */
  weights(): tf.Tensor2D {
    return tf.softmax(this.logits, 1);
  }

  /**
   * Joint log-density of each component, log π_k + log N(y; μ_k, σ_k), `[N, K]`.
   * @param y targets `[N, D]`
   */
  componentLogProb(y: tf.Tensor2D): tf.Tensor2D {
    this.checkTargets(y);
    return tf.tidy(() => {
      const d = this.dimensions;
      let residual = tf.sub(tf.expandDims(y, 1), this.means) as tf.Tensor3D;
      if (this.factors !== undefined) {
        // (I + L) r per component: r_i + Σ_{j>i} L_ij r_j, as two products with constant selectors.
        const [n, k] = this.logits.shape;
        const p = factorCount(d);
        const { columns, rows } = factorSelectors(d);
        const flat = tf.reshape(residual, [n * k, d]) as tf.Tensor2D;
        const picked = tf.mul(tf.matMul(flat, columns), tf.reshape(this.factors, [n * k, p]));
        residual = tf.reshape(tf.add(flat, tf.matMul(picked as tf.Tensor2D, rows)), [n, k, d]) as tf.Tensor3D;
      }
      const z = tf.div(residual, this.scales);
      if (this.distribution === 'laplace') {
        // log p = −Σ_d (|z| + log 2b); |z| capped as z² is below (a finite loss for a target absurdly far out).
        const logLaplace = tf.neg(
          tf.add(
            tf.sum(tf.minimum(tf.abs(z), tf.scalar(Math.sqrt(MAX_SQUARED_Z))), 2),
            tf.add(tf.sum(tf.log(this.scales), 2), tf.scalar(d * Math.LN2)),
          ),
        );
        return tf.add(this.logWeights(), logLaplace) as tf.Tensor2D;
      }
      // z² is capped at 1e36 (|z| = 1e18): beyond |z| ≈ 1.8e19 it would overflow float32 to Infinity and the
      // log-density to −Infinity; capped, a target absurdly far out still scores a finite (huge) loss.
      const logNormal = tf.sub(
        tf.mul(tf.scalar(-0.5), tf.sum(tf.minimum(tf.square(z), tf.scalar(MAX_SQUARED_Z)), 2)),
        tf.add(tf.sum(tf.log(this.scales), 2), tf.scalar(d * LOG_SQRT_2PI)),
      );
      return tf.add(this.logWeights(), logNormal) as tf.Tensor2D;
    });
  }

  /**
   * Log-density log p(y) of each row, computed with logsumexp over components (never in linear space), `[N]`.
   * @param y targets `[N, D]`
   */
  logProb(y: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.logSumExp(this.componentLogProb(y), 1) as tf.Tensor1D);
  }

  /**
   * log P(Y = y) of each row of a whole-number target (one dimension), in the mixture's units: its mass on the bin
   * [y − h, y + h], or below y + h for the lowest value (`bins.lower`); where that mass rounds away in float32, the
   * density at y times the bin's width. `[N]`. Call with standardised targets and the model's standardised bins.
   */
  binLogProb(y: tf.Tensor2D, bins: { halfWidth: number; lower: number | null }): tf.Tensor1D {
    this.checkTargets(y);
    if (this.dimensions !== 1) throw new InputError('a discrete target has one dimension');
    return tf.tidy(() => {
      const [n, k] = this.logits.shape;
      const h = bins.halfWidth;
      const mu = tf.reshape(this.means, [n, k]);
      const sigma = tf.reshape(this.scales, [n, k]);
      const a = tf.div(tf.sub(tf.sub(y, h), mu), sigma);
      const b = tf.div(tf.sub(tf.add(y, h), mu), sigma);
      const cdf = (z: tf.Tensor) => cdfTensor(z, this.distribution);
      // Each side of a component's location from its own tail (the components are symmetric), so the difference of
      // two CDFs near 1 keeps its precision.
      // (greaterEqual: the comparison with a registered gradient, so autodiff passes the condition.)
      let mass = tf.where(tf.greaterEqual(a, 0), tf.sub(cdf(tf.neg(a)), cdf(tf.neg(b))), tf.sub(cdf(b), cdf(a)));
      if (bins.lower !== null) {
        const lowest = tf.broadcastTo(tf.greaterEqual(bins.lower + h / 2, y), [n, k]);
        mass = tf.where(lowest, cdf(b), mass);
      }
      const floor = 1e-30;
      const logDensity = tf.sub(this.componentLogProb(y), this.logWeights());
      const logMass = tf.where(
        tf.greaterEqual(mass, floor),
        tf.log(tf.maximum(mass, floor)),
        tf.add(logDensity, Math.log(2 * h)),
      );
      return tf.logSumExp(tf.add(this.logWeights(), logMass), 1) as tf.Tensor1D;
    });
  }

  /**
   * Mean negative log-likelihood, a scalar; with `rowWeights` (`[N]`), the weighted mean.
   * @param y targets `[N, D]`
   */
  nll(y: tf.Tensor2D, rowWeights?: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => {
      const logProb = this.logProb(y);
      if (rowWeights === undefined) return tf.neg(tf.mean(logProb)) as tf.Scalar;
      return tf.neg(tf.div(tf.sum(tf.mul(logProb, rowWeights)), tf.sum(rowWeights))) as tf.Scalar;
    });
  }

  /**
   * Responsibilities γ_k = p(component k | y), `[N, K]`.
   * @param y targets `[N, D]`
   */
  responsibilities(y: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.componentLogProb(y), 1));
  }

  /** Mixture mean E[y], `[N, D]`. */
  mean(): tf.Tensor2D {
    return tf.tidy(() => tf.sum(tf.mul(tf.expandDims(this.weights(), 2), this.means), 1) as tf.Tensor2D);
  }

  /** Per-dimension variance Var[y_d] (the diagonal of the covariance), `[N, D]`. */
  variance(): tf.Tensor2D {
    return tf.tidy(() => {
      const w = tf.expandDims(this.weights(), 2);
      const mean = tf.expandDims(this.mean(), 1);
      const spread = tf.add(this.componentVariances(), tf.square(tf.sub(this.means, mean)));
      return tf.sum(tf.mul(w, spread), 1) as tf.Tensor2D;
    });
  }

  /** The diagonal of each component's covariance, `[N, K, D]` (σ² for the diagonal family). */
  private componentVariances(): tf.Tensor3D {
    if (this.factors === undefined) {
      const squares = tf.square(this.scales);
      const variance = standardComponent(this.distribution).variance;
      return variance === 1 ? squares : (tf.mul(squares, tf.scalar(variance)) as tf.Tensor3D);
    }
    const [n, k, d] = this.means.shape;
    const covariances = tf.reshape(this.componentCovariances(), [n * k, d * d]);
    const diagonal = tf.gather(
      covariances,
      Array.from({ length: d }, (_, e) => e * d + e),
      1,
    );
    return tf.reshape(diagonal, [n, k, d]) as tf.Tensor3D;
  }

  /**
   * Each component's covariance, `[N·K, D, D]`: Σ = M diag(σ²) Mᵀ with M = (I + L)⁻¹ (full family) or diag(σ²).
   * L is nilpotent (L^D = 0), so M = I − L + L² − … ± L^(D−1) exactly: products only.
   */
  componentCovariances(): tf.Tensor3D {
    return tf.tidy(() => {
      const [n, k, d] = this.means.shape;
      const eye = tf.reshape(tf.eye(d), [1, d, d]);
      if (this.factors === undefined) {
        return tf.mul(eye, tf.reshape(this.componentVariances(), [n * k, 1, d])) as tf.Tensor3D;
      }
      const { dense } = factorSelectors(d);
      const l = tf.reshape(tf.matMul(tf.reshape(this.factors, [n * k, factorCount(d)]), dense), [n * k, d, d]);
      let m: tf.Tensor = tf.tile(eye, [n * k, 1, 1]);
      let power: tf.Tensor = tf.tile(eye, [n * k, 1, 1]);
      for (let e = 1; e < d; e++) {
        power = tf.neg(tf.matMul(power as tf.Tensor3D, l as tf.Tensor3D));
        m = tf.add(m, power);
      }
      const scaled = tf.mul(m, tf.reshape(this.scales, [n * k, 1, d]));
      return tf.matMul(scaled as tf.Tensor3D, scaled as tf.Tensor3D, false, true) as tf.Tensor3D;
    });
  }

  /**
   * Full covariance of the mixture, `[N, D, D]`: Σ_k π_k (Σ_k + (μ_k − m)(μ_k − m)ᵀ).
   * Off-diagonal terms are non-zero when the component means differ, even with diagonal components.
   */
  covariance(): tf.Tensor3D {
    return tf.tidy(() => {
      const [n, k, d] = this.means.shape;
      const w = this.weights();
      const centred = tf.sub(this.means, tf.expandDims(this.mean(), 1));
      const weighted = tf.mul(tf.expandDims(w, 2), centred);
      const between = tf.matMul(
        tf.reshape(tf.transpose(weighted, [0, 2, 1]), [n, d, k]),
        tf.reshape(centred, [n, k, d]),
      );
      const within = tf.sum(
        tf.mul(tf.reshape(w, [n, k, 1, 1]), tf.reshape(this.componentCovariances(), [n, k, d, d])),
        1,
      );
      return tf.add(between, within) as tf.Tensor3D;
    });
  }

  /**
   * The marginal mixture of target dimension `dimension` (exact for both families): same weights, `[N, K, 1]`
   * means and scales (for the full family, σ = √Σ_dd). The returned mixture owns new tensors; dispose it
   * separately.
   */
  marginal(dimension: number): GaussianMixture {
    if (!Number.isInteger(dimension) || dimension < 0 || dimension >= this.dimensions) {
      throw new InputError(`dimension must be an integer in [0, ${this.dimensions - 1}], got ${dimension}`);
    }
    const [n, k] = this.logits.shape;
    const pick = (t: tf.Tensor3D) => tf.slice(t, [0, 0, dimension], [n, k, 1]) as tf.Tensor3D;
    return GaussianMixture.diagonal({
      logits: tf.clone(this.logits),
      means: pick(this.means),
      scales: this.factors === undefined ? pick(this.scales) : tf.tidy(() => tf.sqrt(pick(this.componentVariances()))),
      parts: this.parts,
      distribution: this.distribution,
    });
  }

  /**
   * This mixture over standardised targets mapped to original units (exact for these families):
   * μ = μ̃ · scale + mean, σ = σ̃ · scale, L_ij = L̃_ij · scale_i / scale_j, same weights. Returns a new mixture
   * owning new tensors ({@link Standardiser.inverseHostMixture} is its float64 twin).
   */
  unstandardised(standardiser: Standardiser): GaussianMixture {
    if (this.dimensions !== standardiser.columns) {
      throw new InputError(`mixture has D = ${this.dimensions}, the standardiser has ${standardiser.columns} columns`);
    }
    const mean = tf.tensor1d(Float32Array.from(standardiser.mean));
    const scale = tf.tensor1d(Float32Array.from(standardiser.scale));
    const ratios = this.factors === undefined ? undefined : tf.tensor1d(Float32Array.from(standardiser.factorRatios()));
    try {
      return GaussianMixture.of({
        logits: tf.clone(this.logits),
        means: tf.add(tf.mul(this.means, scale), mean) as tf.Tensor3D,
        scales: tf.mul(this.scales, scale) as tf.Tensor3D,
        factors: ratios === undefined ? undefined : (tf.mul(this.factors!, ratios) as tf.Tensor3D),
        parts: standardiser.inverseParts(this.parts),
        distribution: this.distribution,
      });
    } finally {
      tf.dispose([mean, scale, ...(ratios === undefined ? [] : [ratios])]);
    }
  }

  /** Copies the parameters to the host in float64 for exact CDF, quantiles, mode, sampling and scores. */
  async toHost(): Promise<HostMixture> {
    // Raw logits, normalised in float64 by HostMixture (a float32 log-softmax would lose ~1e-7 of each weight).
    const [logits, mu, sigma, factors] = await Promise.all([
      this.logits.data(),
      this.means.data(),
      this.scales.data(),
      this.factors?.data(),
    ]);
    return new HostMixture({
      rows: this.batchSize,
      components: this.components,
      dimensions: this.dimensions,
      logWeights: Float64Array.from(logits),
      means: Float64Array.from(mu),
      scales: Float64Array.from(sigma),
      factors: factors === undefined ? undefined : Float64Array.from(factors),
      parts: this.parts,
      distribution: this.distribution,
    });
  }

  /** Synchronous `toHost()`; blocks on GPU backends, prefer `toHost()` there. */
  toHostSync(): HostMixture {
    return new HostMixture({
      rows: this.batchSize,
      components: this.components,
      dimensions: this.dimensions,
      logWeights: Float64Array.from(this.logits.dataSync()),
      means: Float64Array.from(this.means.dataSync()),
      scales: Float64Array.from(this.scales.dataSync()),
      factors: this.factors === undefined ? undefined : Float64Array.from(this.factors.dataSync()),
      parts: this.parts,
      distribution: this.distribution,
    });
  }

  /** Frees the parameter tensors. */
  dispose(): void {
    tf.dispose([this.logits, this.means, this.scales, ...(this.factors === undefined ? [] : [this.factors])]);
  }

  private checkTargets(y: tf.Tensor2D): void {
    if (y.rank !== 2 || y.shape[0] !== this.batchSize || y.shape[1] !== this.dimensions) {
      // Never broadcast: a [B] or [1, B] target against B mixtures would score every mixture against every
      // target (a [B, B] matrix), whose mean is minimised by the marginal p(y) in every row.
      throw new InputError(
        `targets must be exactly [${this.batchSize}, ${this.dimensions}] (one row per mixture), got shape [${y.shape}]; ` +
          'reshape them to [N, D]: a target of another shape would be broadcast against every row, which fits the marginal p(y) instead of p(y | x)',
      );
    }
  }
}

/**
 * Maps unconstrained network outputs to standard deviations: σ = softplus(raw) + floor.
 * The floor keeps σ > 0 in float32 (elu + 1 underflows to exactly 0) and bounds the density.
 * @param raw `[..., K, D]` @returns same shape
 */
export function scalesFromRaw<T extends tf.Tensor>(raw: T, floor: number): T {
  if (!(floor > 0)) throw new InputError(`the scale floor must be > 0, got ${floor}`);
  return tf.tidy(() => tf.add(tf.softplus(raw), tf.scalar(floor)) as T);
}
