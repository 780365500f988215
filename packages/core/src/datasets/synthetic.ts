import type { Matrix } from '../data/matrix.js';
import { logNormalPdf, logSumExp } from '../math/host-math.js';
import { createRandom } from '../random/rng.js';

/** A synthetic dataset whose true conditional density is known. */
export interface SyntheticDataset {
  name: string;
  description: string;
  /** `[N, P]` */
  x: Matrix;
  /** `[N, D]` */
  y: Matrix;
  inputColumns: string[];
  targetColumns: string[];
  /** True log p(y | x) of each row, nats. */
  trueLogProb: Float64Array;
}

/** Options shared by the generators. */
export interface SyntheticOptions {
  /** Rows. Default 1000. */
  rows?: number;
  /** Seed. Default 0. */
  seed?: number;
}

/** log(½eᵃ + ½eᵇ) without overflow: the log-density of an equal-weight mixture of two densities. */
const logEvenMixture = (a: number, b: number) => logSumExp([a, b]) - Math.LN2;

function build(
  name: string,
  description: string,
  rows: number,
  inputColumns: string[],
  targetColumns: string[],
  draw: (x: Float64Array, y: Float64Array) => number,
): SyntheticDataset {
  const p = inputColumns.length;
  const d = targetColumns.length;
  const x = new Float64Array(rows * p);
  const y = new Float64Array(rows * d);
  const trueLogProb = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const xi = x.subarray(i * p, (i + 1) * p);
    const yi = y.subarray(i * d, (i + 1) * d);
    trueLogProb[i] = draw(xi, yi);
  }
  return {
    name,
    description,
    x: { data: x, rows, columns: p },
    y: { data: y, rows, columns: d },
    inputColumns,
    targetColumns,
    trueLogProb,
  };
}

/**
 * The forum's noisy linear toy: x ~ U(0, xMax), y = 2x + 1 + (0.2 + 0.5x)·ε, ε ~ N(0, 1). The noise grows
 * with x; an MDN that collapses predicts the same distribution for every x.
 */
export function forumToy(options: SyntheticOptions & { xMax?: number } = {}): SyntheticDataset {
  const xMax = options.xMax ?? 10;
  const random = createRandom(options.seed ?? 0);
  return build(
    xMax === 10 ? 'forum-toy' : `forum-toy-x${xMax}`,
    `x ~ U(0, ${xMax}), y = 2x + 1 + (0.2 + 0.5x)·ε`,
    options.rows ?? 1000,
    ['x'],
    ['y'],
    (x, y) => {
      x[0] = random.uniform() * xMax;
      const mean = 2 * x[0] + 1;
      const sd = 0.2 + 0.5 * x[0];
      y[0] = mean + sd * random.normal();
      return logNormalPdf(y[0], mean, sd);
    },
  );
}

/**
 * Bishop's inverse problem (Pattern Recognition and Machine Learning, §5.6): t ~ U(0, 1),
 * x = t + 0.3 sin(2πt) + U(−0.1, 0.1); predict t from x. p(t | x) is multimodal for x in about (0.3, 0.7).
 * The true density is uniform on {t ∈ [0, 1] : |x − g(t)| ≤ 0.1}, whose length is measured on a fine grid.
 */
export function bishopInverse(options: SyntheticOptions = {}): SyntheticDataset {
  const random = createRandom(options.seed ?? 0);
  const g = (t: number) => t + 0.3 * Math.sin(2 * Math.PI * t);
  const grid = 20_000;
  const gValues = Float64Array.from({ length: grid }, (_, i) => g((i + 0.5) / grid));
  const setLength = (x: number) => {
    let inside = 0;
    for (const value of gValues) if (Math.abs(x - value) <= 0.1) inside++;
    return inside / grid;
  };
  return build(
    'bishop-inverse',
    't ~ U(0,1), x = t + 0.3 sin(2πt) + U(−0.1, 0.1); predict t from x',
    options.rows ?? 1000,
    ['x'],
    ['t'],
    (x, y) => {
      const t = random.uniform();
      x[0] = g(t) + 0.2 * random.uniform() - 0.1;
      y[0] = t;
      return -Math.log(setLength(x[0]));
    },
  );
}

/**
 * Rothfuss et al.'s LinearGaussian (conditional density estimation benchmark): x ~ U(−1, 1),
 * y ~ N(μ + μ_slope·x, σ + σ_slope·x) with μ = 0, μ_slope = 0.005, σ = 0.01, σ_slope = 0.002.
 */
export function linearGaussian(options: SyntheticOptions = {}): SyntheticDataset {
  const random = createRandom(options.seed ?? 0);
  return build(
    'linear-gaussian',
    'x ~ U(−1,1), y ~ N(0.005x, (0.01 + 0.002x)²)',
    options.rows ?? 1000,
    ['x'],
    ['y'],
    (x, y) => {
      x[0] = 2 * random.uniform() - 1;
      const mean = 0.005 * x[0];
      const sd = 0.01 + 0.002 * x[0];
      y[0] = mean + sd * random.normal();
      return logNormalPdf(y[0], mean, sd);
    },
  );
}

/**
 * Rothfuss et al.'s EconDensity, heteroscedastic: x = |N(0, 1)|, y = x² + (1 + x)·ε, ε ~ N(0, 1).
 */
export function econDensity(options: SyntheticOptions = {}): SyntheticDataset {
  const random = createRandom(options.seed ?? 0);
  return build('econ-density', 'x = |N(0,1)|, y = x² + (1 + x)·ε', options.rows ?? 1000, ['x'], ['y'], (x, y) => {
    x[0] = Math.abs(random.normal());
    const mean = x[0] * x[0];
    const sd = 1 + x[0];
    y[0] = mean + sd * random.normal();
    return logNormalPdf(y[0], mean, sd);
  });
}

/**
 * Two branches: x ~ U(−1, 1); with probability ½ each, y = ±(x² + 0.5) + (0.05 + 0.1|x|)·ε. Bimodal in y.
 */
export function twoBranch(options: SyntheticOptions = {}): SyntheticDataset {
  const random = createRandom(options.seed ?? 0);
  return build(
    'two-branch',
    'x ~ U(−1,1), y = ±(x² + 0.5) + (0.05 + 0.1|x|)·ε',
    options.rows ?? 1000,
    ['x'],
    ['y'],
    (x, y) => {
      x[0] = 2 * random.uniform() - 1;
      const mean = x[0] * x[0] + 0.5;
      const sd = 0.05 + 0.1 * Math.abs(x[0]);
      y[0] = (random.uniform() < 0.5 ? -1 : 1) * mean + sd * random.normal();
      const a = logNormalPdf(y[0], mean, sd);
      const b = logNormalPdf(y[0], -mean, sd);
      return logEvenMixture(a, b);
    },
  );
}

/**
 * Two-dimensional targets: x ~ U(−1, 1); y = ±(cos πx, sin πx) + σ(x)·(ε₁, ε₂), σ(x) = 0.05 + 0.1|x|,
 * each sign with probability ½ — two moving modes in the plane.
 */
export function circle2d(options: SyntheticOptions = {}): SyntheticDataset {
  const random = createRandom(options.seed ?? 0);
  return build(
    'circle-2d',
    'x ~ U(−1,1), y = ±(cos πx, sin πx) + (0.05 + 0.1|x|)·ε (2-D)',
    options.rows ?? 1000,
    ['x'],
    ['y1', 'y2'],
    (x, y) => {
      x[0] = 2 * random.uniform() - 1;
      const c = Math.cos(Math.PI * x[0]);
      const s = Math.sin(Math.PI * x[0]);
      const sd = 0.05 + 0.1 * Math.abs(x[0]);
      const sign = random.uniform() < 0.5 ? -1 : 1;
      y[0] = sign * c + sd * random.normal();
      y[1] = sign * s + sd * random.normal();
      const a = logNormalPdf(y[0], c, sd) + logNormalPdf(y[1], s, sd);
      const b = logNormalPdf(y[0], -c, sd) + logNormalPdf(y[1], -s, sd);
      return logEvenMixture(a, b);
    },
  );
}

/**
 * Strongly correlated two-dimensional targets: x ~ U(−3, 3), y1 = sin x + 0.5·ε₁, y2 = y1 + 0.05·ε₂ (conditional
 * correlation 0.995). One correlated Gaussian describes p(y | x); diagonal components must tile the line.
 */
export function correlated2d(options: SyntheticOptions = {}): SyntheticDataset {
  const random = createRandom(options.seed ?? 0);
  return build(
    'correlated-2d',
    'x ~ U(−3,3), y1 = sin x + 0.5·ε₁, y2 = y1 + 0.05·ε₂ (2-D, correlation 0.995)',
    options.rows ?? 1000,
    ['x'],
    ['y1', 'y2'],
    (x, y) => {
      x[0] = 6 * random.uniform() - 3;
      const centre = Math.sin(x[0]);
      y[0] = centre + 0.5 * random.normal();
      y[1] = y[0] + 0.05 * random.normal();
      return logNormalPdf(y[0], centre, 0.5) + logNormalPdf(y[1], y[0], 0.05);
    },
  );
}

/** Every built-in dataset by name. */
export const DATASETS: Record<string, (options?: SyntheticOptions) => SyntheticDataset> = {
  'forum-toy': (options) => forumToy(options),
  'forum-toy-unit': (options) => forumToy({ ...options, xMax: 1 }),
  'bishop-inverse': bishopInverse,
  'linear-gaussian': linearGaussian,
  'econ-density': econDensity,
  'two-branch': twoBranch,
  'circle-2d': circle2d,
  'correlated-2d': correlated2d,
};
