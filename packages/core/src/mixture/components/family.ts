/**
 * The maths of one kind of mixture component on the host, in float64 (TensorFlow Probability's MixtureSameFamily
 * delegates to its component distribution the same way): a `HostMixture` keeps the weights and parts and asks its
 * family for everything a component does. Two implementations: `DiagonalFamily` (independent dimensions of a
 * standard component: the diagonal Gaussian, Laplace) and `FullGaussianFamily` (a full covariance through its
 * precision factor). Adding a family is one module and its registration in `familyOf` below.
 */
import type { Random } from '../../random/rng.js';
import type { ComponentFamily } from './standard.js';

/** The arrays of N mixtures of K components over D dimensions (a HostMixture's, row-major). */
export interface ComponentArrays {
  readonly rows: number;
  readonly components: number;
  readonly dimensions: number;
  /** Normalised log-weights `[N, K]`. */
  readonly logWeights: Float64Array;
  /** `[N, K, D]` */
  readonly means: Float64Array;
  /** `[N, K, D]` */
  readonly scales: Float64Array;
  /** `[N, K, D(D − 1)/2]` (full covariance), else undefined. */
  readonly factors: Float64Array | undefined;
}

/** The components' parameters of a mixture made by {@link HostFamily.marginal} or {@link HostFamily.condition}. */
export interface DerivedComponents {
  logWeights: Float64Array;
  means: Float64Array;
  scales: Float64Array;
  factors: Float64Array | undefined;
}

/** The per-component maths of one family. */
export interface HostFamily {
  /** The component family. */
  readonly family: ComponentFamily;
  /** 'full' when the components have a full covariance, else 'diagonal'. */
  readonly kind: 'diagonal' | 'full';
  /** log p_j(y) of component j of row `row` at `y` (`[D]`), without its weight. */
  logDensity(m: ComponentArrays, row: number, j: number, y: ArrayLike<number>): number;
  /** Component j of row `row`'s covariance, `[D, D]` row-major, into `out`. */
  covariance(m: ComponentArrays, row: number, j: number, out: Float64Array): Float64Array;
  /** The components restricted to dimensions `kept` (in that order): exact for every family. */
  marginal(m: ComponentArrays, kept: readonly number[]): DerivedComponents;
  /**
   * Each component of the other dimensions given observed values of `given` (both ascending), with log π + the
   * log-density of the observed values under the component as its (unnormalised) log-weight.
   */
  condition(
    m: ComponentArrays,
    given: readonly number[],
    free: readonly number[],
    observed: (dimension: number, row: number) => number,
  ): DerivedComponents;
  /** The global mode of each row, `[N, D]`. */
  mode(m: ComponentArrays): Float64Array;
  /**
   * A draw of component j of row `row` (D values into `out` from `offset`), its spread scaled by `spread`
   * (√ of the variance temperature); `spread` 0 gives the component's location.
   */
  draw(
    m: ComponentArrays,
    row: number,
    j: number,
    spread: number,
    random: Random,
    out: Float64Array,
    offset: number,
  ): void;
  /** One dimension (D = 1): P(Y ≤ y) of row `row`. */
  cdf(m: ComponentArrays, row: number, y: number): number;
  /** One dimension: the density of row `row` at `y`. */
  pdf(m: ComponentArrays, row: number, y: number): number;
  /** One dimension: the quantiles of every row at `levels`, `[N, P]` row-major. */
  quantiles(m: ComponentArrays, levels: readonly number[]): Float64Array;
  /** One dimension: the CRPS of row `row` at `y` (closed form). */
  crps(m: ComponentArrays, row: number, y: number): number;
}
