import type { Matrix } from '../data/matrix.js';
import { InputError } from '../errors.js';
import { columnMoments, logNormalPdf, logSumExp } from '../math/host-math.js';
import type { Discretisation } from '../mixture/discrete.js';
import { HostMixture } from '../mixture/host-mixture.js';
import type { TargetAtom } from '../model/config.js';
import { kMeans } from '../model/kmeans.js';

/** Per-row log-densities of a baseline model and its fitted mean, `[N]` and `[N, D]`. */
export interface BaselineFit {
  logProb: Float64Array;
  mean: Float64Array;
}

/** A fitted unconditional mixture p(y): scores any rows of y. */
export interface UnconditionalMixtureModel {
  /** log p(y) of each row of `y` (original units). */
  logProb(y: Matrix): Float64Array;
  /** The mixture's mean, `[D]`. */
  mean: Float64Array;
  /** The mixture repeated for `rows` rows, as a host mixture. */
  repeated(rows: number): HostMixture;
}

/**
 * The weight, in rows, of the prior on each component's variance in the unconditional mixture's EM: an
 * inverse-gamma prior centred on the overall variance, as scikit-learn's BayesianGaussianMixture puts on a
 * covariance by default (the data's covariance, with as many degrees of freedom as dimensions: one row's worth
 * for one target). Without it, EM on a zero-inflated target (95 % zeros) gave the few other rows a component
 * each, at the variance floor, and held-out rows between them 2 000 to 300 000 nats.
 */
const PRIOR_ROWS = 1;

/**
 * Fits a K-component diagonal Gaussian mixture to y alone (EM from k-means centres): the unconditional
 * baseline p(y) that ignores x. A model that collapsed predicts (at best) this distribution for every x.
 */
export function fitUnconditionalMixture(
  y: Matrix,
  components: number,
  iterations = 200,
  /** Each target's unit for the variance floor ((10⁻³ unit)²) when `y` has no spread; default 1. */
  unit?: ArrayLike<number>,
): UnconditionalMixtureModel {
  // EM on at most 20 000 evenly spaced rows (the fit of a few components settles long before), until the mean
  // log-likelihood gains less than 1e-7 nats per row.
  const stride = Math.ceil(y.rows / 20_000);
  const sample =
    stride === 1
      ? y
      : subset(
          y,
          Array.from({ length: Math.ceil(y.rows / stride) }, (_, i) => i * stride),
        );
  const { rows: n, columns: d, data } = sample;
  const k = Math.max(1, Math.min(components, n));
  const { centres } = kMeans(sample, k, { seed: 1 });
  const means = Float64Array.from(centres);
  const sds = new Float64Array(k * d);
  const weights = new Float64Array(k).fill(1 / k);
  // Variance of each target; for a constant one (no spread in these rows) that of the caller's unit.
  const overall = Float64Array.from(columnMoments(sample).sd, (sd, e) => (sd > 0 ? sd * sd : (unit?.[e] ?? 1) ** 2));
  for (let c = 0; c < k; c++) for (let e = 0; e < d; e++) sds[c * d + e] = Math.sqrt(overall[e]!);
  const floor = (e: number) => 1e-6 * overall[e]!;
  const responsibility = new Float64Array(n * k);
  const terms = new Float64Array(k);
  const logProbOf = (values: ArrayLike<number>, row: number): number => {
    for (let c = 0; c < k; c++) {
      let value = Math.log(weights[c]!);
      for (let e = 0; e < d; e++) value += logNormalPdf(values[row * d + e]!, means[c * d + e]!, sds[c * d + e]!);
      terms[c] = value;
    }
    return logSumExp(terms, 0, k);
  };
  const step = (): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const total = logProbOf(data, i);
      sum += total;
      for (let c = 0; c < k; c++) responsibility[i * k + c] = Math.exp(terms[c]! - total);
    }
    return sum / n;
  };
  let previous = -Infinity;
  for (let iteration = 0; iteration < iterations; iteration++) {
    const mean = step();
    if (mean - previous < 1e-7) break;
    previous = mean;
    for (let c = 0; c < k; c++) {
      let mass = 0;
      for (let i = 0; i < n; i++) mass += responsibility[i * k + c]!;
      weights[c] = Math.max(mass / n, 1e-12);
      if (mass < 1e-9) continue;
      for (let e = 0; e < d; e++) {
        let m = 0;
        for (let i = 0; i < n; i++) m += responsibility[i * k + c]! * data[i * d + e]!;
        m /= mass;
        let v = 0;
        for (let i = 0; i < n; i++) v += responsibility[i * k + c]! * (data[i * d + e]! - m) ** 2;
        means[c * d + e] = m;
        // The variance's posterior mode under a prior worth PRIOR_ROWS rows at the overall variance: a component
        // on one or two rows does not shrink to the floor (held-out rows between such components then scored
        // thousands of nats), one on hundreds of rows keeps its own spread.
        sds[c * d + e] = Math.sqrt(Math.max((v + PRIOR_ROWS * overall[e]!) / (mass + PRIOR_ROWS), floor(e)));
      }
    }
  }
  const mean = new Float64Array(d);
  for (let e = 0; e < d; e++) for (let c = 0; c < k; c++) mean[e]! += weights[c]! * means[c * d + e]!;
  return {
    mean,
    repeated(rows: number): HostMixture {
      const logWeights = new Float64Array(rows * k);
      const repeatedMeans = new Float64Array(rows * k * d);
      const scales = new Float64Array(rows * k * d);
      for (let i = 0; i < rows; i++) {
        for (let c = 0; c < k; c++) logWeights[i * k + c] = Math.log(weights[c]!);
        repeatedMeans.set(means, i * k * d);
        scales.set(sds, i * k * d);
      }
      return new HostMixture({ rows, components: k, dimensions: d, logWeights, means: repeatedMeans, scales });
    },
    logProb(rows: Matrix): Float64Array {
      const out = new Float64Array(rows.rows);
      for (let i = 0; i < rows.rows; i++) out[i] = logProbOf(rows.data, i);
      return out;
    },
  };
}

/** The unconditional mixture fitted to y and scored on the same rows (in-sample). */
export function unconditionalMixture(y: Matrix, components: number, iterations = 200): BaselineFit {
  const fit = fitUnconditionalMixture(y, components, iterations);
  const mean = new Float64Array(y.rows * y.columns);
  for (let i = 0; i < y.rows; i++) mean.set(fit.mean, i * y.columns);
  return { logProb: fit.logProb(y), mean };
}

/**
 * Least squares of `target` on [1, x] with row weights, and a ridge penalty `ridge`·‖slopes‖² (not on the
 * intercept); returns coefficients `[P + 1]`.
 */
function weightedLeastSquares(x: Matrix, target: Float64Array, weights: Float64Array, ridge = 0): Float64Array {
  const p = x.columns + 1;
  const a = new Float64Array(p * p);
  const b = new Float64Array(p);
  const row = new Float64Array(p);
  for (let i = 0; i < x.rows; i++) {
    row[0] = 1;
    for (let j = 1; j < p; j++) row[j] = x.data[i * x.columns + j - 1]!;
    const w = weights[i]!;
    for (let r = 0; r < p; r++) {
      b[r]! += w * row[r]! * target[i]!;
      for (let c = 0; c < p; c++) a[r * p + c]! += w * row[r]! * row[c]!;
    }
  }
  // Ridge-stabilised Gaussian elimination (inputs are standardised by the caller, so 1e-9 is tiny).
  for (let r = 0; r < p; r++) a[r * p + r]! += 1e-9 * (1 + a[r * p + r]!) + (r > 0 ? ridge : 0);
  for (let col = 0; col < p; col++) {
    let pivot = col;
    for (let r = col + 1; r < p; r++) if (Math.abs(a[r * p + col]!) > Math.abs(a[pivot * p + col]!)) pivot = r;
    if (pivot !== col) {
      for (let c = 0; c < p; c++) [a[col * p + c], a[pivot * p + c]] = [a[pivot * p + c]!, a[col * p + c]!];
      [b[col], b[pivot]] = [b[pivot]!, b[col]!];
    }
    for (let r = col + 1; r < p; r++) {
      const f = a[r * p + col]! / a[col * p + col]!;
      for (let c = col; c < p; c++) a[r * p + c]! -= f * a[col * p + c]!;
      b[r]! -= f * b[col]!;
    }
  }
  const coefficients = new Float64Array(p);
  for (let r = p - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let c = r + 1; c < p; c++) s -= a[r * p + c]! * coefficients[c]!;
    coefficients[r] = s / a[r * p + r]!;
  }
  return coefficients;
}

/**
 * Ridge on the log-variance slopes (standardised x): a log squared residual scatters with variance π²/2 around
 * its mean, so on few rows the slopes fit that scatter (on 15 rows of y = 3x + noise, held-out NLL 2.0 on average
 * and up to 16, against 1.1 on 200). This is a prior of standard deviation 0.5 on each slope (log σ² changing by
 * 1 per standard deviation of x): it halves the slopes on 15 rows and leaves 90 % of them on 200.
 */
const VARIANCE_RIDGE = Math.PI ** 2 / 2 / 0.25;

/** A fitted linear heteroscedastic Gaussian: predicts a one-component mixture for new rows. */
export interface LinearHeteroscedasticModel {
  /** p(y | x) for each row of `x` (original units), a one-component float64 mixture. */
  predict(x: Matrix): HostMixture;
  /**
   * The input columns it uses (0-based): all that vary, or, when there are more than 100 (`MAX_LINEAR_INPUTS`) or
   * than one per 10 rows, that many of those most correlated with a target.
   */
  inputs: readonly number[];
}

/**
 * The most input columns the linear baseline uses: on a wide table it takes those most correlated with a target.
 * Its normal equations cost rows × inputs² and their solution inputs³: 6 000 columns took minutes.
 */
export const MAX_LINEAR_INPUTS = 100;

/** The most rows × (inputs + 1)² one least-squares solve of the linear baseline may cost; it fits on evenly spaced rows beyond. */
const LINEAR_WORK = 1e8;

/**
 * The columns of `x` to fit on: every one with any spread, or, beyond `most`, the `most` with the largest absolute
 * correlation with any target column (ties to the first), in column order.
 */
function chooseInputs(x: Matrix, y: Matrix, most: number): number[] {
  const { rows: n, columns: p } = x;
  const d = y.columns;
  const xm = columnMoments(x);
  const live = Array.from({ length: p }, (_, j) => j).filter((j) => xm.sd[j]! > 0);
  if (live.length <= most) return live;
  const ym = columnMoments(y);
  const score = new Float64Array(p);
  for (const j of live) {
    for (let e = 0; e < d; e++) {
      if (!(ym.sd[e]! > 0)) continue;
      let covariance = 0;
      for (let i = 0; i < n; i++) covariance += (x.data[i * p + j]! - xm.mean[j]!) * (y.data[i * d + e]! - ym.mean[e]!);
      score[j] = Math.max(score[j]!, Math.abs(covariance / (n * xm.sd[j]! * ym.sd[e]!)));
    }
  }
  return live
    .sort((a, b) => score[b]! - score[a]! || a - b)
    .slice(0, most)
    .sort((a, b) => a - b);
}

/**
 * Fits a linear heteroscedastic Gaussian (the k = 1 baseline): per target dimension, mean = a + bᵀx and
 * log σ² = c + dᵀx, by alternating weighted least squares on the mean and least squares on log squared
 * residuals (with the E[log χ²₁] = −1.27 correction); with fewer than 10 rows per coefficient, a constant
 * variance. Any useful MDN should beat it or tie on held-out rows. Its cost is bounded whatever the table's shape: at most 100 (`MAX_LINEAR_INPUTS`) inputs (see `inputs`), and
 * evenly spaced rows when rows × inputs² would be large. Its σ stays within 10⁻³ to 10³ times the target's
 * standard deviation (the model's own floor is 10⁻³), so its density is finite wherever it is asked.
 */
export function fitLinearHeteroscedastic(
  x: Matrix,
  y: Matrix,
  iterations = 5,
  /** Each target's unit for σ's bounds (10⁻³ to 10³ of it); default its standard deviation in `y`. */
  unit?: ArrayLike<number>,
): LinearHeteroscedasticModel {
  const d = y.columns;
  // At least 10 rows per slope (3 rows and 3 coefficients fit exactly, with no residual left for the variance).
  const inputs = chooseInputs(x, y, Math.min(MAX_LINEAR_INPUTS, Math.floor(x.rows / 10)));
  const p = inputs.length;
  const stride = Math.max(1, Math.ceil((x.rows * (p + 1) ** 2) / LINEAR_WORK));
  const fitRows = Array.from({ length: Math.ceil(x.rows / stride) }, (_, i) => i * stride);
  const n = fitRows.length;
  // The chosen columns of the chosen rows, standardised for conditioning.
  const columnsOf = (m: Matrix, rows: ArrayLike<number>): Matrix => {
    const data = new Float64Array(rows.length * p);
    for (let i = 0; i < rows.length; i++)
      for (let j = 0; j < p; j++) data[i * p + j] = m.data[rows[i]! * m.columns + inputs[j]!]!;
    return { data, rows: rows.length, columns: p };
  };
  const fitX = columnsOf(x, fitRows);
  const moments = columnMoments(fitX);
  const centre = moments.mean;
  const spread = Float64Array.from(moments.sd, (sd) => sd || 1);
  const standardise = (m: Matrix): Matrix => {
    const data = new Float64Array(m.rows * p);
    for (let i = 0; i < m.rows; i++)
      for (let j = 0; j < p; j++) data[i * p + j] = (m.data[i * p + j]! - centre[j]!) / spread[j]!;
    return { data, rows: m.rows, columns: p };
  };
  const standardX = standardise(fitX);
  const xs = standardX.data;
  const linear = (coefficients: Float64Array, row: ArrayLike<number>, offset: number) => {
    let v = coefficients[0]!;
    for (let j = 0; j < p; j++) v += coefficients[j + 1]! * row[offset + j]!;
    return v;
  };
  const ySpread = columnMoments(y).sd;
  const fits: { mean: Float64Array; logVariance: Float64Array; shift: number; low: number; high: number }[] = [];
  for (let e = 0; e < d; e++) {
    const target = Float64Array.from({ length: n }, (_, i) => y.data[fitRows[i]! * d + e]!);
    // log σ² stays within [log (10⁻³ sd)², log (10³ sd)²]: weights exp(−log σ²) stay finite on rows the mean fits
    // exactly (a zero-inflated target), and so do densities far from the data.
    // The target's own spread, or the caller's unit when it has none (a constant target here).
    const variance = Math.max((unit?.[e] ?? (ySpread[e]! > 0 ? ySpread[e]! : 1)) ** 2, 1e-300);
    const low = Math.log(variance * 1e-6);
    const high = Math.log(variance * 1e6);
    const clamp = (v: number) => Math.min(high, Math.max(low, v));
    const predict = (coefficients: Float64Array, i: number) => linear(coefficients, xs, i * p);
    let weights: Float64Array = new Float64Array(n).fill(1);
    let meanCoefficients = weightedLeastSquares(standardX, target, weights);
    let varianceCoefficients: Float64Array = new Float64Array(p + 1);
    let scale = 0;
    for (let i = 0; i < n; i++) scale += (target[i]! - predict(meanCoefficients, i)) ** 2 / n;
    const varianceFloor = Math.max(scale, 1e-300) * 1e-8;
    // The variance's slopes need rows: with fewer than 10 per coefficient the alternating fit chases a few exactly
    // fitted rows down to the floor (held-out rows then cost thousands of nats), so the variance stays constant.
    const rounds = n >= 10 * (p + 1) ? iterations : 0;
    for (let iteration = 0; iteration < rounds; iteration++) {
      const logSquares = Float64Array.from(
        { length: n },
        (_, i) => Math.log((target[i]! - predict(meanCoefficients, i)) ** 2 + varianceFloor) + 1.2704,
      );
      varianceCoefficients = weightedLeastSquares(standardX, logSquares, new Float64Array(n).fill(1), VARIANCE_RIDGE);
      weights = Float64Array.from({ length: n }, (_, i) => Math.exp(-clamp(predict(varianceCoefficients, i))));
      meanCoefficients = weightedLeastSquares(standardX, target, weights);
    }
    // Rescale the variance so its average matches the mean squared standardised residual (fixes the log bias).
    // (Unbiased for the p + 1 fitted mean coefficients.)
    let ratio = 0;
    for (let i = 0; i < n; i++) ratio += (target[i]! - predict(meanCoefficients, i)) ** 2 * weights[i]!;
    ratio /= Math.max(1, n - p - 1);
    fits.push({
      mean: meanCoefficients,
      logVariance: varianceCoefficients,
      shift: Math.log(Math.max(ratio, 1e-300)),
      low,
      high,
    });
  }
  return {
    inputs,
    predict(rows: Matrix): HostMixture {
      if (rows.columns !== x.columns) throw new InputError(`expected ${x.columns} input columns, got ${rows.columns}`);
      const z = standardise(
        columnsOf(
          rows,
          Array.from({ length: rows.rows }, (_, i) => i),
        ),
      ).data;
      const means = new Float64Array(rows.rows * d);
      const scales = new Float64Array(rows.rows * d);
      for (let i = 0; i < rows.rows; i++) {
        for (const [e, fit] of fits.entries()) {
          means[i * d + e] = linear(fit.mean, z, i * p);
          const logVariance = Math.min(fit.high, Math.max(fit.low, linear(fit.logVariance, z, i * p) + fit.shift));
          scales[i * d + e] = Math.exp(0.5 * logVariance);
        }
      }
      return new HostMixture({
        rows: rows.rows,
        components: 1,
        dimensions: d,
        logWeights: new Float64Array(rows.rows),
        means,
        scales,
      });
    },
  };
}

/** {@link fitLinearHeteroscedastic} scored on the rows it was fitted on (log-densities and means). */
export function linearHeteroscedastic(x: Matrix, y: Matrix, iterations = 5): BaselineFit {
  const mixture = fitLinearHeteroscedastic(x, y, iterations).predict(x);
  const logProb = new Float64Array(x.rows);
  const d = y.columns;
  for (let i = 0; i < x.rows; i++)
    for (let e = 0; e < d; e++)
      logProb[i]! += logNormalPdf(y.data[i * d + e]!, mixture.means[i * d + e]!, mixture.scales[i * d + e]!);
  return { logProb, mean: mixture.means };
}

/** The rows `rows` of a matrix. */
function subset(matrix: Matrix, rows: readonly number[]): Matrix {
  const { columns } = matrix;
  const data = new Float64Array(rows.length * columns);
  rows.forEach((row, i) => {
    data.set(matrix.data.subarray(row * columns, (row + 1) * columns), i * columns);
  });
  return { data, rows: rows.length, columns };
}

/**
 * A one-column mixture with point masses added at fixed weights: `mixture`'s components share 1 − Σ `fractions`,
 * then one component per atom (at its value, with its σ) with its fraction.
 */
function withFixedAtoms(mixture: HostMixture, atoms: readonly TargetAtom[], fractions: readonly number[]): HostMixture {
  const { rows, components: k } = mixture;
  const total = k + atoms.length;
  const rest = Math.log1p(-fractions.reduce((a, b) => a + b, 0));
  const logWeights = new Float64Array(rows * total);
  const means = new Float64Array(rows * total);
  const scales = new Float64Array(rows * total);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < k; c++) {
      logWeights[r * total + c] = mixture.logWeights[r * k + c]! + rest;
      means[r * total + c] = mixture.means[r * k + c]!;
      scales[r * total + c] = mixture.scales[r * k + c]!;
    }
    for (const [a, atom] of atoms.entries()) {
      logWeights[r * total + k + a] = Math.log(fractions[a]!);
      means[r * total + k + a] = atom.value;
      scales[r * total + k + a] = atom.scale;
    }
  }
  return new HostMixture({ rows, components: total, dimensions: 1, logWeights, means, scales });
}

/**
 * Both baselines scored out of sample, by two-fold cross-fitting: fitted on the even rows and scored on the odd
 * ones, then the other way round. A baseline scored on the rows it was fitted to flatters itself (by more the
 * smaller or heavier-tailed the data), and the model it is compared with did not see these rows either.
 * The unconditional mixture uses at most one component per 10 fitting rows. With `atoms` (a one-column model's
 * point masses, MdnConfig.atoms) both baselines get them too, so that the comparison measures what x adds, not
 * what the point mass does: each atom with the share of the fitting rows at its value (smoothed: (count + ½) /
 * (rows + 1)), the rest fitted to the other rows. (Fitted to every row, a zero-inflated target's 95 % zeros gave
 * the linear Gaussian a σ near 0 there and the rows off the point mass hundreds of nats.)
 */
export function crossFittedBaselines(
  x: Matrix,
  y: Matrix,
  components: number,
  atoms: readonly TargetAtom[] = [],
  /** Each target's unit (the model's standardiser scale): σ's bounds where the rows have no spread of their own. */
  unit?: ArrayLike<number>,
  /** A whole-number target (the model's): both baselines are scored as probabilities of its values, as the model is. */
  discrete?: Discretisation,
): { unconditional: BaselineFit; linear: BaselineFit; linearInputs: number } {
  const n = x.rows;
  const d = y.columns;
  const unconditional = { logProb: new Float64Array(n), mean: new Float64Array(n * d) };
  const linear = { logProb: new Float64Array(n), mean: new Float64Array(n * d) };
  let linearInputs = 0;
  const folds = [0, 1].map((parity) => Array.from({ length: Math.ceil((n - parity) / 2) }, (_, i) => 2 * i + parity));
  for (const [fit, score] of [
    [folds[0]!, folds[1]!],
    [folds[1]!, folds[0]!],
  ] as const) {
    // With atoms: the rows off every atom fit the continuous part (all rows when fewer than 2 are off them).
    const atomOf = (row: number) => atoms.findIndex((atom) => y.data[row * d] === atom.value);
    const off = atoms.length > 0 ? fit.filter((row) => atomOf(row) < 0) : fit;
    const continuous = off.length >= 2 ? off : fit;
    const fitY = subset(y, continuous);
    const scoreX = subset(x, score);
    const scoreY = subset(y, score);
    const k = Math.max(1, Math.min(components, Math.floor(continuous.length / 10)));
    const mixture = fitUnconditionalMixture(fitY, k, 200, unit);
    const fitted = fitLinearHeteroscedastic(subset(x, continuous), fitY, 5, unit);
    linearInputs = Math.max(linearInputs, fitted.inputs.length);
    const predicted = fitted.predict(scoreX);
    if (discrete) {
      const repeated = mixture.repeated(score.length);
      const unconditionalMixture = repeated.withParts(repeated.parts.withDiscrete(discrete));
      const linearMixture = predicted.withParts(predicted.parts.withDiscrete(discrete));
      const [unconditionalMean, linearMean] = [unconditionalMixture.mean(), linearMixture.mean()];
      score.forEach((row, i) => {
        const value = scoreY.data.subarray(i, i + 1);
        unconditional.logProb[row] = unconditionalMixture.logProbAt(i, value);
        unconditional.mean[row] = unconditionalMean[i]!;
        linear.logProb[row] = linearMixture.logProbAt(i, value);
        linear.mean[row] = linearMean[i]!;
      });
      continue;
    }
    if (atoms.length > 0) {
      const fractions = atoms.map((_, a) => (fit.filter((row) => atomOf(row) === a).length + 0.5) / (fit.length + 1));
      const withAtoms = [
        withFixedAtoms(mixture.repeated(score.length), atoms, fractions),
        withFixedAtoms(predicted, atoms, fractions),
      ];
      const [unconditionalMixture, linearMixture] = withAtoms as [HostMixture, HostMixture];
      const [unconditionalMean, linearMean] = [unconditionalMixture.mean(), linearMixture.mean()];
      score.forEach((row, i) => {
        const value = scoreY.data.subarray(i * d, (i + 1) * d);
        unconditional.logProb[row] = unconditionalMixture.logProbAt(i, value);
        unconditional.mean.set(unconditionalMean.subarray(i * d, (i + 1) * d), row * d);
        linear.logProb[row] = linearMixture.logProbAt(i, value);
        linear.mean.set(linearMean.subarray(i * d, (i + 1) * d), row * d);
      });
      continue;
    }
    const mixtureLogProb = mixture.logProb(scoreY);
    score.forEach((row, i) => {
      unconditional.logProb[row] = mixtureLogProb[i]!;
      unconditional.mean.set(mixture.mean, row * d);
      let total = 0;
      for (let e = 0; e < d; e++) {
        const at = i * d + e;
        total += logNormalPdf(scoreY.data[at]!, predicted.means[at]!, predicted.scales[at]!);
        linear.mean[row * d + e] = predicted.means[at]!;
      }
      linear.logProb[row] = total;
    });
  }
  return { unconditional, linear, linearInputs };
}
