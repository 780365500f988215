import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';
import '../backend/register-gradients.js';
import { LOG_SQRT_2PI } from '../math/normal.js';
import { HostMixture } from './host-mixture.js';

/** The cap on each squared standardised residual in the tensor log-density (see componentLogProb). */
const MAX_SQUARED_Z = 1e36;

/**
 * The covariance family of a mixture. Only `'diagonal'` exists today; a `'full'` family (precision factor
 * Σ⁻¹ = AᵀA, A upper-triangular) can be added beside it without changing the methods below.
 */
export type CovarianceFamily = 'diagonal';

/** Tensors that define a batch of diagonal Gaussian mixtures. */
export interface DiagonalMixtureParameters {
  /** Unnormalised log-weights, `[N, K]`. Weights are `softmax(logits)` along K. */
  logits: tf.Tensor2D;
  /** Component means, `[N, K, D]`. */
  means: tf.Tensor3D;
  /** Component standard deviations, `[N, K, D]`, strictly positive. */
  scales: tf.Tensor3D;
}

/**
 * A batch of N Gaussian mixtures over D-dimensional targets with K components each, held as tfjs tensors so
 * that every density is differentiable and runs on the active backend.
 *
 * The mixture does not copy its tensors: it references them, and `dispose()` frees them. Host-side exact
 * computations (CDF, quantiles, mode, sampling, scores) live on {@link HostMixture}, reached by `toHost()`.
 */
export class GaussianMixture {
  readonly family: CovarianceFamily = 'diagonal';
  /** `[N, K]` */
  readonly logits: tf.Tensor2D;
  /** `[N, K, D]` */
  readonly means: tf.Tensor3D;
  /** `[N, K, D]` */
  readonly scales: tf.Tensor3D;

  private constructor(parameters: DiagonalMixtureParameters) {
    this.logits = parameters.logits;
    this.means = parameters.means;
    this.scales = parameters.scales;
  }

  /** A diagonal-covariance mixture; checks that the shapes agree. */
  static diagonal(parameters: DiagonalMixtureParameters): GaussianMixture {
    const { logits, means, scales } = parameters;
    if (logits.rank !== 2) throw new Error(`logits must be [N, K], got shape [${logits.shape}]`);
    if (means.rank !== 3) throw new Error(`means must be [N, K, D], got shape [${means.shape}]`);
    if (scales.rank !== 3) throw new Error(`scales must be [N, K, D], got shape [${scales.shape}]`);
    const [n, k] = logits.shape;
    if (means.shape[0] !== n || means.shape[1] !== k) {
      throw new Error(`means shape [${means.shape}] does not match logits shape [${logits.shape}]`);
    }
    if (!tf.util.arraysEqual(means.shape, scales.shape)) {
      throw new Error(`scales shape [${scales.shape}] must equal means shape [${means.shape}]`);
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
      const z = tf.div(tf.sub(tf.expandDims(y, 1), this.means), this.scales);
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
      const spread = tf.add(tf.square(this.scales), tf.square(tf.sub(this.means, mean)));
      return tf.sum(tf.mul(w, spread), 1) as tf.Tensor2D;
    });
  }

  /**
   * Full covariance of the mixture, `[N, D, D]`: Σ_k π_k (diag σ_k² + (μ_k − m)(μ_k − m)ᵀ).
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
      const within = tf.sum(tf.mul(tf.expandDims(w, 2), tf.square(this.scales)), 1);
      const eye = tf.eye(d);
      return tf.add(between, tf.mul(tf.expandDims(within, 2), eye)) as tf.Tensor3D;
    });
  }

  /**
   * The marginal mixture of target dimension `dimension` (exact for a diagonal family): same weights,
   * `[N, K, 1]` means and scales. The returned mixture owns new tensors; dispose it separately.
   */
  marginal(dimension: number): GaussianMixture {
    if (!Number.isInteger(dimension) || dimension < 0 || dimension >= this.dimensions) {
      throw new RangeError(`dimension must be an integer in [0, ${this.dimensions - 1}], got ${dimension}`);
    }
    const [n, k] = this.logits.shape;
    const pick = (t: tf.Tensor3D) => tf.slice(t, [0, 0, dimension], [n, k, 1]) as tf.Tensor3D;
    return GaussianMixture.diagonal({
      logits: tf.clone(this.logits),
      means: pick(this.means),
      scales: pick(this.scales),
    });
  }

  /** Copies the parameters to the host in float64 for exact CDF, quantiles, mode, sampling and scores. */
  async toHost(): Promise<HostMixture> {
    // Raw logits, normalised in float64 by HostMixture (a float32 log-softmax would lose ~1e-7 of each weight).
    const [logits, mu, sigma] = await Promise.all([this.logits.data(), this.means.data(), this.scales.data()]);
    return new HostMixture({
      rows: this.batchSize,
      components: this.components,
      dimensions: this.dimensions,
      logWeights: Float64Array.from(logits),
      means: Float64Array.from(mu),
      scales: Float64Array.from(sigma),
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
    });
  }

  /** Frees the three parameter tensors. */
  dispose(): void {
    tf.dispose([this.logits, this.means, this.scales]);
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
  if (!(floor > 0)) throw new RangeError(`the scale floor must be > 0, got ${floor}`);
  return tf.tidy(() => tf.add(tf.softplus(raw), tf.scalar(floor)) as T);
}
