import { InputError } from '../errors.js';
import { columnMoments } from '../math/host-math.js';
import { factorCount } from '../math/precision-factor.js';
import type { GaussianMixture } from '../mixture/gaussian-mixture.js';
import { HostMixture } from '../mixture/host-mixture.js';
import type { MixtureParts } from '../mixture/parts.js';
import { assertFinite, type Matrix, type MatrixInput, toMatrix } from './matrix.js';

/**
 * The smallest standard deviation of a target column that can be trained on: predicted σ (down to 1e-3 of the
 * spread) must keep σ² far from float64's subnormal range (1e-308), as the 1e150 limit on magnitudes keeps squares
 * from overflowing. A spread of 1e-30 is fine; 1e-200 is not.
 */
export const MIN_TARGET_SPREAD = 1e-150;

/** The statistics of a {@link Standardiser}, as saved with a model. */
export interface StandardiserJSON {
  mean: number[];
  scale: number[];
}

/**
 * Per-column affine standardisation z = (v − mean) / scale, fitted on training data.
 *
 * For targets, densities map back to original units with the log-determinant of the Jacobian:
 * log p(y) = log p̃(ỹ) + `logDetJacobian` where `logDetJacobian` = −Σ_d log scale_d.
 */
export class Standardiser {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** Columns whose training values were all equal (their scale is set to 1). */
  readonly constantColumns: readonly number[];

  constructor(mean: ArrayLike<number>, scale: ArrayLike<number>, constantColumns: readonly number[] = []) {
    if (mean.length !== scale.length) throw new InputError('mean and scale must have the same length');
    for (let c = 0; c < scale.length; c++) {
      if (!(scale[c]! > 0) || !Number.isFinite(scale[c]!))
        throw new InputError(`scale of column ${c} must be finite and > 0`);
      if (!Number.isFinite(mean[c]!)) throw new InputError(`mean of column ${c} must be finite`);
    }
    this.mean = Float64Array.from(mean);
    this.scale = Float64Array.from(scale);
    this.constantColumns = constantColumns;
  }

  /**
   * Fits column means and standard deviations. Constant columns get scale 1 and are listed in
   * `constantColumns`; non-finite values throw an error naming the row and column.
   */
  static fit(
    input: MatrixInput,
    options: { name?: string; columnNames?: readonly string[]; unscaled?: readonly number[] } = {},
  ): Standardiser {
    const name = options.name ?? 'data';
    const matrix = toMatrix(input, name);
    if (matrix.rows === 0) throw new InputError(`${name}: cannot standardise an empty matrix`);
    assertFinite(matrix, name, options.columnNames);
    // Two-pass moments: accurate with large offsets such as 1e6 + noise.
    const { mean, sd: scale } = columnMoments(matrix);
    // Constant means every value equal: a spread of 1e-4 on 1e8, or on a 1e-30 scale, is still data.
    const constant: number[] = [];
    // Columns kept as they are (0/1 indicators): mean 0, scale 1.
    for (const c of options.unscaled ?? []) {
      mean[c] = 0;
      scale[c] = 1;
    }
    for (let c = 0; c < matrix.columns; c++) {
      if (!(scale[c]! > 0 && Number.isFinite(scale[c]!))) {
        scale[c] = 1;
        constant.push(c);
      }
    }
    return new Standardiser(mean, scale, constant);
  }

  /** Number of columns. */
  get columns(): number {
    return this.mean.length;
  }

  /** −Σ log scale: add it to a log-density of standardised targets to get the log-density in original units. */
  get logDetJacobian(): number {
    let total = 0;
    for (const s of this.scale) total -= Math.log(s);
    return total;
  }

  /** (v − mean) / scale, as a float32 matrix ready for a tensor. */
  transform(input: MatrixInput): Matrix {
    const { data, rows, columns } = this.standardise(input);
    return { data: Float32Array.from(data), rows, columns };
  }

  /** {@link transform} in float64 (what a float64 forward pass reads: `HostModel`). */
  standardise(input: MatrixInput): Matrix {
    const matrix = this.checked(input);
    const data = new Float64Array(matrix.data.length);
    const c = this.columns;
    for (let i = 0; i < data.length; i++) data[i] = (matrix.data[i]! - this.mean[i % c]!) / this.scale[i % c]!;
    return { data, rows: matrix.rows, columns: c };
  }

  /** v · scale + mean, in float64. */
  inverse(input: MatrixInput): Matrix {
    const matrix = this.checked(input);
    const data = new Float64Array(matrix.data.length);
    const c = this.columns;
    for (let i = 0; i < data.length; i++) data[i] = matrix.data[i]! * this.scale[i % c]! + this.mean[i % c]!;
    return { data, rows: matrix.rows, columns: c };
  }

  /**
   * s_i / s_j for each packed precision-factor entry (i, j), `[P]`: a full-covariance component's L_ij in original
   * units is L̃_ij s_i / s_j (its z_i = ((y_i − μ_i) + Σ_j L_ij (y_j − μ_j)) / σ_i must not change).
   */
  factorRatios(): Float64Array {
    const d = this.columns;
    const out = new Float64Array(factorCount(d));
    let at = 0;
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) out[at++] = this.scale[i]! / this.scale[j]!;
    return out;
  }

  /**
   * Maps a mixture over standardised targets to original units (exact for Gaussian mixtures):
   * μ = μ̃ · scale + mean, σ = σ̃ · scale, L_ij = L̃_ij · scale_i / scale_j, same weights. Returns a new mixture
   * owning new tensors.
   */
  inverseMixture(mixture: GaussianMixture): GaussianMixture {
    return mixture.unstandardised(this);
  }

  /** The float64 twin of {@link inverseMixture} for host mixtures. */
  inverseHostMixture(mixture: HostMixture): HostMixture {
    const d = this.columns;
    if (mixture.dimensions !== d)
      throw new InputError(`mixture has D = ${mixture.dimensions}, the standardiser has ${d} columns`);
    const means = new Float64Array(mixture.means.length);
    const scales = new Float64Array(mixture.scales.length);
    for (let i = 0; i < means.length; i++) {
      means[i] = mixture.means[i]! * this.scale[i % d]! + this.mean[i % d]!;
      scales[i] = mixture.scales[i]! * this.scale[i % d]!;
    }
    let factors: Float64Array | undefined;
    if (mixture.factors !== undefined) {
      const ratios = this.factorRatios();
      const p = ratios.length;
      factors = new Float64Array(mixture.factors.length);
      for (let i = 0; i < factors.length; i++) factors[i] = mixture.factors[i]! * ratios[i % p]!;
    }
    return new HostMixture({
      rows: mixture.rows,
      components: mixture.components,
      dimensions: d,
      logWeights: mixture.logWeights,
      means,
      scales,
      factors,
      parts: this.inverseParts(mixture.parts),
      distribution: mixture.distribution,
    });
  }

  /** A mixture's parts with its point masses' atoms in original units (a one-column target's). */
  inverseParts(parts: MixtureParts): MixtureParts {
    if (parts.pointMasses.length === 0) return parts;
    const mean = this.mean[0]!;
    const scale = this.scale[0]!;
    return parts.mapAtoms((atom) => ({
      value: atom.value * scale + mean,
      side: atom.side,
      scale: atom.scale * scale,
      reach: atom.reach * scale,
    }));
  }

  /** The statistics as saved in a model file. */
  toJSON(): StandardiserJSON {
    return { mean: Array.from(this.mean), scale: Array.from(this.scale) };
  }

  /** A standardiser from saved statistics (checked: finite means, positive finite scales). */
  static fromJSON(json: StandardiserJSON): Standardiser {
    if (!json || !Array.isArray(json.mean) || !Array.isArray(json.scale)) {
      throw new InputError('standardiser statistics must have numeric arrays "mean" and "scale"');
    }
    return new Standardiser(json.mean, json.scale);
  }

  private checked(input: MatrixInput): Matrix {
    const matrix = toMatrix(input);
    if (matrix.rows > 0 && matrix.columns !== this.columns) {
      throw new InputError(`expected ${this.columns} columns, got ${matrix.columns}`);
    }
    return matrix;
  }
}
