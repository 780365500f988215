import { InputError } from '../errors.js';
import { createRandom, type Random } from '../random/rng.js';
import type { HostMixture } from './host-mixture.js';

function checkRows(mixture: HostMixture, y: ArrayLike<number>, perRow: number): void {
  if (y.length !== mixture.rows * perRow) {
    throw new InputError(
      `targets must hold ${mixture.rows * perRow} values (N = ${mixture.rows} × D = ${perRow}), got ${y.length}`,
    );
  }
}

function requireUnivariate(mixture: HostMixture, what: string): void {
  if (mixture.dimensions !== 1) {
    throw new InputError(
      `${what} needs D = 1 (got D = ${mixture.dimensions}); score each marginal(d) or use energyScore`,
    );
  }
}

/**
 * Continuous ranked probability score of each row (D = 1), in closed form: Σ_i w_i E|X_i − y| − ½ Σ_i Σ_j w_i w_j
 * E|X_i − X_j| (for Gaussian mixtures Grimit et al. 2006: A(y − μ_i, σ_i²) and A(μ_i − μ_j, σ_i² + σ_j²); Laplace
 * components have theirs, see components/standard.ts). Lower is better; in the units of y. @param y `[N]`
 * @returns `[N]`
 */
export function crps(mixture: HostMixture, y: ArrayLike<number>): Float64Array {
  requireUnivariate(mixture, 'crps');
  checkRows(mixture, y, 1);
  const out = new Float64Array(mixture.rows);
  for (let row = 0; row < mixture.rows; row++) out[row] = mixture.crpsAt(row, y[row]!);
  return out;
}

/** Options of {@link pit}. */
export interface PitOptions {
  /** The draws of the randomised PIT of rows on a point mass. Default: seed 0. */
  random?: Random;
}

/** How many of the point mass's σ either side of it its probability is taken over (the rest is negligible). */
const ATOM_WIDTH = 8;

/**
 * Probability integral transform u = F(y) of each row. For a calibrated model u ~ U(0, 1).
 * For D > 1 the marginal PIT of each dimension is returned, `[N, D]`. @param y `[N, D]`
 *
 * A discrete target (whole numbers: the mixture's parts say so) gets the randomised PIT of every row; a row whose
 * target sits on one of the mixture's point masses (its parts say which: MdnConfig.atoms, one target
 * column) gets a randomised PIT (Czado, Gneiting & Held 2009), uniform over the probability the mixture gives the
 * point mass, instead of its middle: a calibrated model's PIT is then uniform, as it is for continuous targets.
 */
export function pit(mixture: HostMixture, y: ArrayLike<number>, options: PitOptions = {}): Float64Array {
  const d = mixture.dimensions;
  checkRows(mixture, y, d);
  const atoms = mixture.parts.pointMasses.map((p) => p.atom);
  if (mixture.discrete) {
    // A whole-number target: uniform over the probability of the value, F(y − 1) + V·P(y) (Czado et al. 2009).
    const random = options.random ?? createRandom(0);
    const out = new Float64Array(mixture.rows);
    for (let row = 0; row < mixture.rows; row++) {
      const above = mixture.cdfAt(row, y[row]!);
      const below = mixture.cdfAt(row, Math.ceil(y[row]!) - 1);
      out[row] = below + random.uniform() * (above - below);
    }
    return out;
  }
  if (d === 1 && atoms.length > 0) {
    const random = options.random ?? createRandom(0);
    const out = mixture.cdf(y);
    for (let row = 0; row < mixture.rows; row++) {
      const atom = atoms.find((a) => Math.abs(y[row]! - a.value) <= a.scale);
      if (!atom) continue;
      const below = mixture.cdfAt(row, atom.value - ATOM_WIDTH * atom.scale);
      const above = mixture.cdfAt(row, atom.value + ATOM_WIDTH * atom.scale);
      out[row] = below + random.uniform() * (above - below);
    }
    return out;
  }
  if (d === 1) return mixture.cdf(y);
  const out = new Float64Array(mixture.rows * d);
  for (let e = 0; e < d; e++) {
    const marginal = mixture.marginal(e);
    for (let row = 0; row < mixture.rows; row++) out[row * d + e] = marginal.cdfAt(row, y[row * d + e]!);
  }
  return out;
}

/** Default probability levels at which {@link calibrationError} compares PIT coverage with its nominal value. */
export const CALIBRATION_LEVELS: readonly number[] = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

/**
 * Calibration error of PIT values: the mean, over levels p (1%, 2%, …, 99% by default), of
 * |fraction of u ≤ p − p|. 0 for a perfectly calibrated model; about 0.25 for a constant forecast.
 */
export function calibrationError(pitValues: ArrayLike<number>, levels: readonly number[] = CALIBRATION_LEVELS): number {
  const n = pitValues.length;
  if (n === 0) throw new InputError('calibrationError needs at least one PIT value');
  const sorted = Float64Array.from(pitValues).sort();
  let total = 0;
  let index = 0;
  for (const p of levels) {
    while (index < n && sorted[index]! <= p) index++;
    total += Math.abs(index / n - p);
  }
  return total / levels.length;
}

/** Coverage and mean width of central intervals. */
export interface IntervalSummary {
  /** Fraction of rows whose y lies inside its interval. */
  coverage: number;
  /** Mean interval width, in the units of y. */
  meanWidth: number;
  /** Mean interval score (Gneiting & Raftery 2007, eq. 43); lower is better. */
  intervalScore: number;
}

/**
 * Coverage, width and interval score of the central `level` intervals (D = 1). The interval score is
 * (u − l) + (2/α)(l − y)·1{y < l} + (2/α)(y − u)·1{y > u} with α = 1 − level.
 */
export function intervalSummary(mixture: HostMixture, y: ArrayLike<number>, level: number): IntervalSummary {
  requireUnivariate(mixture, 'intervalSummary');
  checkRows(mixture, y, 1);
  const { lower, upper } = mixture.interval(level);
  const alpha = 1 - level;
  let inside = 0;
  let width = 0;
  let score = 0;
  for (let row = 0; row < mixture.rows; row++) {
    const l = lower[row]!;
    const u = upper[row]!;
    const value = y[row]!;
    if (value >= l && value <= u) inside++;
    width += u - l;
    score += u - l + (2 / alpha) * Math.max(0, l - value) + (2 / alpha) * Math.max(0, value - u);
  }
  const n = mixture.rows;
  return { coverage: inside / n, meanWidth: width / n, intervalScore: score / n };
}

/** Options for {@link energyScore}. */
export interface EnergyScoreOptions {
  /** Draws per row (m). Default 200. */
  samples?: number;
  /** Seed for the draws. Default 0. */
  seed?: number;
}

/**
 * Energy score of each row (any D; equals CRPS in expectation for D = 1), estimated from m seeded draws:
 * (1/m) Σ_j ‖X_j − y‖ − 1/(2m(m−1)) Σ_{j≠l} ‖X_j − X_l‖. Lower is better. @param y `[N, D]` @returns `[N]`
 */
export function energyScore(
  mixture: HostMixture,
  y: ArrayLike<number>,
  options: EnergyScoreOptions = {},
): Float64Array {
  const d = mixture.dimensions;
  checkRows(mixture, y, d);
  const m = options.samples ?? 200;
  if (!Number.isInteger(m) || m < 2) {
    throw new InputError(`energyScore needs at least 2 samples, got ${m}`, {
      code: 'invalid-option',
      option: 'samples',
    });
  }
  const draws = mixture.sample(m, { seed: options.seed ?? 0 });
  const out = new Float64Array(mixture.rows);
  const distance = (a: number, b: number, other: ArrayLike<number>) => {
    let sum = 0;
    for (let e = 0; e < d; e++) sum += (draws[a + e]! - other[b + e]!) ** 2;
    return Math.sqrt(sum);
  };
  for (let row = 0; row < mixture.rows; row++) {
    const base = row * m * d;
    let toTarget = 0;
    let between = 0;
    for (let j = 0; j < m; j++) {
      toTarget += distance(base + j * d, row * d, y);
      for (let l = j + 1; l < m; l++) between += distance(base + j * d, base + l * d, draws);
    }
    out[row] = toTarget / m - between / (m * (m - 1));
  }
  return out;
}
