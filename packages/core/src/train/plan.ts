/**
 * The training plan: every setting of a training run, resolved from the caller's options and the shape of the
 * data. This file is the only place a training default is written; `train`, the `mdn` command and the web demo
 * all run the plan this function returns, and the model file stores it.
 */
import { InputError, MdnError, optionError } from '../errors.js';
import type { BoundaryAtom } from '../mixture/atoms-host.js';
import { MAX_TRAINING_BYTES, type MdnConfig, resolveConfig, type TargetAtom, trainingBytes } from '../model/config.js';
import type { ComponentChoice } from './record.js';

/** Noise regularisation (Rothfuss et al. 2019): Gaussian noise added to standardised x and y each step. */
export interface NoiseOptions {
  /** Standard deviation of the noise on standardised inputs. */
  x: number;
  /** Standard deviation of the noise on standardised targets. */
  y: number;
  /**
   * Decay the noise as training converges (keeps the early regularisation, shrinks the final bias): with the
   * 'plateau' schedule the noise falls with the learning rate at each reduction and, over the last quarter of the
   * epoch budget, linearly to 0; with 'cosine' and 'constant' it decays linearly to 0 over the planned steps.
   */
  anneal: boolean;
}

/**
 * What a caller may set; every field is optional and resolved by {@link resolveTrainPlan}. (`train` accepts
 * these plus the run's callbacks and data: see `TrainOptions`.)
 */
export interface PlanOptions {
  /**
   * Architecture (family, components, hidden, activation, scaleActivation, scaleFloor, covariance, tailWeight,
   * tailScale, atoms). `components: 'auto'` chooses K on validation NLL (see {@link TrainPlan.componentSearch}); `tailWeight`
   * defaults to one from the data (see {@link TRAIN_DEFAULTS}.maxTailWeight), 0 turns the predictive tails off;
   * `atoms` defaults to the point masses found at the ends of the target's range (see {@link TRAIN_DEFAULTS}.atoms),
   * [] turns them off.
   */
  model?: Partial<Omit<MdnConfig, 'inputDimension' | 'outputDimension' | 'components'>> & {
    components?: number | 'auto';
  };
  /** Standardise inputs and targets with training statistics. Default true. Turning it off is rarely wise. */
  standardize?: boolean;
  /** Initialisation: 'spread' (default, breaks symmetry) or 'naive' (PyTorch's default; for demonstrations). */
  initialization?: 'spread' | 'naive';
  /** Maximum number of epochs. Default: from the steps per epoch (see {@link TRAIN_DEFAULTS}), 30 to 1000. */
  epochs?: number;
  /** Rows per step. Default 128 (or the whole training set if smaller). */
  batchSize?: number;
  /** Peak Adam learning rate. Default 3e-3. */
  learningRate?: number;
  /**
   * Learning-rate schedule after the warm-up. 'plateau' (default): the peak rate until the validation loss stops
   * improving for `patience` epochs, then back to the best weights at a lower rate, a few times, then stop — so
   * the run's length adapts to the data. 'cosine': decay to 1 % of the peak over the epoch budget. 'constant'.
   */
  schedule?: Schedule;
  /** Linear learning-rate warm-up, in epochs. Default 1. */
  warmupEpochs?: number;
  /** Fraction of rows held out for validation and early stopping. Default 0.1 (0 when fewer than 50 rows). */
  validationSplit?: number;
  /**
   * Epochs without a validation improvement before the 'plateau' schedule lowers the rate (and, after its last
   * reduction, stops), or before 'cosine' (in its low-rate half) and 'constant' stop; the best weights are
   * restored. Default 20; Infinity turns early stopping off.
   */
  patience?: number;
  /** Clip the global gradient norm to this value (Infinity: off). Default 10. */
  clipNorm?: number;
  /** Epochs of mean-first warm-up: σ fixed at its initial value and weights uniform, only the means train. Default 3; 0 turns it off. */
  meanWarmupEpochs?: number;
  /**
   * Noise regularisation; false turns it off. Default: standard deviations that shrink with the data,
   * c · n^(−1/(2 + d)) (see {@link TRAIN_DEFAULTS}.noiseScale), annealed.
   */
  noise?: NoiseOptions | false;
  /** Seed for initialisation, shuffling, splits and noise (an integer in [0, 2³²)). Default 0. */
  seed?: number;
  /**
   * Skip any step whose loss or gradient is NaN/Inf so the weights are never corrupted. Default true.
   * False applies such steps as they are (what plain training loops do; only for demonstrations).
   */
  guardNonFinite?: boolean;
  /** Restore the weights of the best epoch at the end. Default true. */
  restoreBest?: boolean;
  /** Consecutive non-finite steps tolerated before the learning rate is halved from the best weights; default 25. */
  maxBadSteps?: number;
  /**
   * Train this many networks (different seeds and validation splits) and combine them into one model whose
   * prediction is the equal-weight mixture of theirs (M·K components). Default: from the data, 5 networks up to
   * 1 000 rows, fewer above (⌊5 000 / rows⌋), 1 from 5 000 rows (see {@link TRAIN_DEFAULTS}.ensembleRows).
   * `startTraining` runs one network: its default is 1.
   */
  ensemble?: number;
  /**
   * Train on a backend with 16-bit floats (some WebGL devices). Default false: such a backend cannot hold
   * the NLL's terms accurately (σ near its floor, large z²), so training refuses to start.
   */
  allowLowPrecision?: boolean;
}

/** The learning-rate schedules (see {@link PlanOptions.schedule}). */
export type Schedule = 'plateau' | 'cosine' | 'constant';

/** The shape of the data a plan is made for. */
export interface DataShape {
  /** Rows given for training (before any validation split). */
  rows: number;
  /** Input columns (P). */
  inputs: number;
  /** Target columns (D). */
  targets: number;
  /** Rows of an explicit validation set, when the caller gives one (then nothing is split off). */
  validationRows?: number;
  /**
   * One target column: the point masses at the ends of its range (`findBoundaryAtoms` with TRAIN_DEFAULTS.atoms on
   * the training targets) and its standard deviation, from which the plan makes the model's atoms.
   */
  target?: { boundaryAtoms: readonly BoundaryAtom[]; scale: number };
}

/**
 * The plan of `components: 'auto'`: the largest K to try. How K was chosen is the run's outcome, not its plan:
 * `TrainResult.componentSearch` and the model's `metadata.training.componentSearch`. (Model files saved before
 * version 0.2 recorded the outcome's fields here; `describeTrainPlan` still reads them.)
 */
export interface ComponentSearch {
  /** The largest K tried (the default or the model's components). */
  largest: number;
  /** Older files only (see above). */
  chosen?: number;
  tried?: { components: number; validationNll: number }[];
  pruned?: number;
  reason?: string;
}

/**
 * Every setting of one training run, resolved. JSON-safe (stored in the model file): "off" is `null`, never
 * Infinity.
 */
export interface TrainPlan {
  /** Version of this structure. */
  version: 1;
  /** The network, every field resolved. */
  model: MdnConfig;
  initialization: 'spread' | 'naive';
  standardize: boolean;
  /** Rows given, and how they are used. */
  rows: number;
  trainRows: number;
  validationRows: number;
  /** 'split': `validationFraction` of the rows held out at random; 'given': the caller's own set; 'none'. */
  validation: 'split' | 'given' | 'none';
  validationFraction: number;
  seed: number;
  batchSize: number;
  stepsPerEpoch: number;
  epochs: number;
  totalSteps: number;
  learningRate: number;
  schedule: Schedule;
  /** 'plateau': how many times the rate is lowered before a plateau ends training, and by what factor. */
  reductions: number;
  reductionFactor: number;
  /** Fraction of the peak rate at the end of the schedule (0.01 for cosine, 1 otherwise). */
  finalLearningRateFraction: number;
  warmupSteps: number;
  meanWarmupEpochs: number;
  noise: NoiseOptions | null;
  /** Epochs without improvement before stopping; null: never stop early. */
  patience: number | null;
  restoreBest: boolean;
  /** Global gradient-norm clip; null: no clipping. */
  clipNorm: number | null;
  guardNonFinite: boolean;
  maxBadSteps: number;
  allowLowPrecision: boolean;
  /** Networks trained and combined (1: a single network). Member m uses seed + m. */
  ensemble: number;
  /**
   * `components: 'auto'`: K is chosen on validation NLL among `largest` (= model.components before the choice), 1,
   * and (when 1 is worse) ⌈(1 + largest)/2⌉; the smallest within one standard error of the largest wins
   * (`train` records the search in the result and the model). Absent or null: K is fixed.
   */
  componentSearch?: ComponentSearch | null;
}

/** The defaults that do not depend on the data, for help texts (the `mdn train` flags show these). */
export const TRAIN_DEFAULTS = {
  batchSize: 128,
  learningRate: 3e-3,
  schedule: 'plateau',
  reductions: 3,
  reductionFactor: 0.3,
  finalLearningRateFraction: 0.01,
  warmupEpochs: 1,
  /** Validation fraction, and the row count below which nothing is held out. */
  validationSplit: 0.1,
  validationMinimumRows: 50,
  patience: 20,
  clipNorm: 10,
  meanWarmupEpochs: 3,
  /**
   * Noise regularisation: standard deviations c · n^(−1/(2 + d)) on standardised x and y (n training rows,
   * d = input + target columns), annealed as training converges. Rothfuss et al. (2019) shrink the noise like a
   * kernel bandwidth, n^(−1/(4 + d)); measured on bench:real and bench:fit, the steeper 1/(2 + d) keeps their
   * small-data gains (about 0.3 at n ≈ 400, d ≈ 14) and removes the bias they leave on large low-dimensional sets
   * (0.045 at n = 9000, d = 2, annealed away by the end). One bandwidth for x and y, as a kernel estimate of the
   * joint density of standardised (x, y) would have. History: 0.28/0.14 → 0.42/0.21 (x/y) after 20 splits of four
   * bench:real sets improved or held; then y 0.21 → 0.42, measured as paired differences over 20 splits
   * (`real/experiment.mjs`) on bench:real's six sets and five development sets: better on boston (−0.045 ± 0.023),
   * cars (−0.035 ± 0.025), births (−0.021), health (−0.060 ± 0.048), seattle (−0.012 ± 0.004), movies and
   * earthquakes (−0.01), worse on wages (+0.016 ± 0.013), gapminder (+0.008 ± 0.036) and penguins (+0.004);
   * bench:fit held (forum toy ≤ 0.0045, Bishop, econ and circle as before). A y constant of 0.63 lost wages
   * (+0.045) and cars; 0.26 and 0.32 gained less.
   */
  noiseScale: { x: 0.42, y: 0.42 },
  /**
   * With the 'plateau' schedule the annealed noise also falls linearly to 0 over this last fraction of the step
   * budget, so a run its budget ends (a small `epochs`) finishes without the noise's bias, as 'cosine' does. Runs
   * that their plateaus end seldom get there (bench:real and bench:fit stop at 20 % to 70 % of the budget).
   */
  plateauNoiseTail: 0.25,
  /**
   * Predictive tails (MdnConfig.tailWeight): weight h² on companions tailScale = 2 times wider, h the default noise
   * bandwidth on y (noiseScale.y · n^(−1/(2 + d)), whether or not noise is on), at most `maxTailWeight`: about 0.08
   * at n = 400 with 14 columns, 0.002 at n = 9 000 with 2 (where a 2× companion costs an exact Gaussian fit
   * 5·10⁻⁵ nats). A model fitted to a few hundred rows is overconfident: a few test rows 5σ out dominate its NLL.
   * Measured as paired differences over the same splits (`real/experiment.mjs`, tails vs `tailWeight: 0`): boston
   * −0.056 ± 0.016, cars −0.020 ± 0.007, wages −0.008 ± 0.009, penguins −0.002 ± 0.001 (20 splits); development
   * sets health −0.020, gapminder −0.029 ± 0.015, earthquakes −0.017 ± 0.011, movies −0.007, seattle −0.001 (20),
   * wind −0.012 ± 0.008, windvectors −0.011 ± 0.015, co2 0.000 (10); births 6.846 → 6.836; no set worse. bench:fit
   * unchanged (forum toy mean/max 0.0032/0.0043, Bishop 0.137, circle 0.014). Fitting the weight on the
   * validation rows instead (a grid, 30–50 rows) lost the gain on cars and health (+0.004, +0.001) and a third of
   * boston's; a fixed 0.05 did about as well on the small sets but costs 0.005 nats on a large exact fit;
   * companions 3× wide gained a little more on boston and lost on penguins.
   */
  maxTailWeight: 0.1,
  /**
   * Point masses at the ends of a one-column target's range (MdnConfig.atoms): an end value counts when at least
   * `minimumRows` rows and `minimumFraction` of them sit at exactly that value, `dominance` times as many as at any
   * other value in the `neighbourhood` of the range next to it, and the target has `minimumDistinct` values or more
   * (fewer are categories). Such an end is a cap (a price recorded as "50 or more" at 50) or a floor (the zeros of
   * rainfall, claims, hours worked). The atom's component has σ = the scale floor (the narrowest any component
   * may be: a network fitted to enough rows narrows a component onto the point mass by itself) and its weight is
   * the mass the rest of the mixture puts beyond value ∓ reach, reach = h × the target's standard deviation with h
   * the default noise bandwidth on y of the tails above (whether or not noise is on): the noise and a smooth fit
   * spread the point mass over about ± h. Found on the rows given for training, before the validation split.
   * Of bench:real's and the development sets, two have such an end: Boston housing (16 of 506 prices are 50.0, the
   * cap) and Fair's affairs (68 % zeros); sunspots' three zeros are under 1 %. Measured (`real/experiment.mjs`, with
   * vs `{"model":{"atoms":[]}}`): Boston, 20 splits, NLL 2.383 → 2.167 with the default ensemble and 2.425 → 2.217
   * with one network; the same networks with and without their atom: CRPS 1.743 → 1.726, 90 % coverage 0.895 →
   * 0.902, and the rows off the cap pay 0.008 nats for the mass the atom gathers. Fair, 5 splits: NLL −1.357 →
   * −2.505, CRPS 0.567 → 0.564; there the continuous part starts at the zeros and its rows pay 0.2 nats each (a
   * narrower reach or moving only narrow components' mass changed the total by < 0.01). A capped synthetic target
   * (atoms.test.ts's, n = 300 to 3 000, 1 to 5 inputs): 0.2 to 0.5 nats better; a zero-inflated Poisson count (20–70 %
   * extra zeros, 2 inputs, n = 500 and 2 000, 3 seeds each): 0.60 and 0.43 nats better. With σ at the resolution the targets
   * are recorded at instead of the floor, a network fitted to 800 rows or more without atoms narrowed a component
   * onto the point mass by itself and beat it.
   */
  atoms: { minimumRows: 5, minimumFraction: 0.01, dominance: 4, neighbourhood: 0.1, minimumDistinct: 10 },
  /**
   * The network's width grows with the data: the architecture's default hidden [64, 64] below `wideFromRows`
   * training rows, `wideHidden` from there. Measured as paired differences (`real/experiment.mjs`, [128, 128] vs
   * [64, 64]): from 1 000 rows up never worse — windvectors (4 320 training rows) −0.087 ± 0.053, births (6 575)
   * −0.015 ± 0.004, earthquakes (1 536) −0.015 ± 0.011, seattle (1 315) −0.005 ± 0.005, wind (2 630) +0.001 ± 0.004,
   * flights (18 000) 0.000 (5–10 splits) — and below it always worse: movies (884) +0.015 ± 0.014, gapminder (614)
   * +0.011, co2 (667) +0.048 ± 0.049, diabetes (398) +0.007, and Boston, cars and wages before. The wider network
   * costs about 2× the time per step. bench:real (20 splits): births 6.836 → 6.815, flights 4.355 both; bench:fit held
   * (forum toy mean/max 0.0025/0.0040, Bishop 0.126, circle 0.014).
   */
  wideFromRows: 1000,
  wideHidden: [128, 128],
  /**
   * The epoch budget: about `targetSteps` steps for 'cosine' and 'constant' (the whole budget is used), up to
   * `maxSteps` for 'plateau' (its plateaus end it sooner), within [minEpochs, maxEpochs].
   */
  targetSteps: 12_000,
  maxSteps: 30_000,
  minEpochs: 30,
  maxEpochs: 1000,
  /**
   * The default ensemble (PlanOptions.ensemble): min(`ensembleMembers`, ⌊`ensembleRows` / rows⌋) networks, at least
   * 1, so the whole ensemble costs about what one network on `ensembleRows` rows does: 5 networks up to 1 000 rows,
   * 2 at 2 500, 1 from 5 000. Small data is where one network's luck (its initialisation, its validation split)
   * costs most, and where five cost seconds. The ensemble's predictive density is the mean of its members', so its
   * expected log score is never below theirs (Jensen); measured as paired differences over the same splits
   * (`real/experiment.mjs`, `{ensemble: 5}` vs `{ensemble: 1}`) it gained on every set below 1 000 rows: gapminder
   * −0.133 ± 0.019, grunfeld −0.090 ± 0.032, health −0.048 ± 0.019, boston −0.042, star98 −0.037 ± 0.020, diabetes
   * −0.030, wages −0.029, engel −0.027 ± 0.010, sunspots −0.026 ± 0.011, cars −0.021, movies −0.021 ± 0.007,
   * anes96 −0.019 ± 0.007, penguins −0.017 ± 0.006 (10 to 20 splits); above it less (seattle, 1 315 rows, −0.007 ±
   * 0.006 with 5, −0.003 with 2; earthquakes, 1 707, −0.007 ± 0.006 with 2).
   */
  ensembleMembers: 5,
  ensembleRows: 5000,
  maxBadSteps: 25,
  seed: 0,
} as const satisfies Record<string, unknown>;

/** The option names {@link resolveTrainPlan} knows (an unknown one is refused, with the nearest known name). */
export const PLAN_OPTION_NAMES: readonly (keyof PlanOptions)[] = [
  'model',
  'standardize',
  'initialization',
  'epochs',
  'batchSize',
  'learningRate',
  'schedule',
  'warmupEpochs',
  'validationSplit',
  'patience',
  'clipNorm',
  'meanWarmupEpochs',
  'noise',
  'seed',
  'guardNonFinite',
  'restoreBest',
  'maxBadSteps',
  'allowLowPrecision',
  'ensemble',
];

const MODEL_OPTION_NAMES = [
  'family',
  'components',
  'hidden',
  'activation',
  'scaleActivation',
  'scaleFloor',
  'covariance',
  'tailWeight',
  'tailScale',
  'atoms',
];

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * Refuses option names outside `known` (a typo would otherwise be silently ignored), suggesting the nearest.
 * @param where how to name the options in the message, e.g. "train option"
 */
export function checkOptionNames(options: object, known: readonly string[], where: string): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const nearest = [...known].sort((a, b) => distance(name, a) - distance(name, b))[0];
    const hint =
      nearest !== undefined && distance(name, nearest) <= Math.max(2, name.length / 3)
        ? `did you mean '${nearest}'?`
        : `the known ones are ${known.join(', ')}`;
    throw new InputError(`unknown ${where} '${name}'; ${hint}`, 'invalid-option');
  }
}

const option = optionError;

function positiveInteger(value: number | undefined, name: string): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 1) throw option(name, `must be a whole number ≥ 1, got ${value}`);
}

function nonNegativeNumber(value: number | undefined, name: string, allowInfinity = false): void {
  if (value === undefined) return;
  if (!(value >= 0) || (!allowInfinity && !Number.isFinite(value))) {
    throw option(name, `must be a number ≥ 0${allowInfinity ? ' (or Infinity)' : ''}, got ${value}`);
  }
}

function oneOf<T extends string>(value: T | undefined, allowed: readonly T[], name: string): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw option(name, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got '${value}'`);
  }
}

function flag(value: boolean | undefined, name: string): void {
  if (value !== undefined && typeof value !== 'boolean') throw option(name, `must be true or false, got ${value}`);
}

/**
 * The largest noise (standard deviation on standardised data) a plan takes: beyond a few standard deviations of
 * the data itself the noise is all a network sees (1e20 trained to an NLL of 5e35 that the diagnosis called fine;
 * 1e300 made every step non-finite).
 */
export const MAX_NOISE = 10;

/** Checks every option's type and range; throws an InputError naming the option and what it accepts. */
function checkOptions(options: PlanOptions): void {
  checkOptionNames(options, PLAN_OPTION_NAMES, 'train option');
  if (options.model !== undefined) {
    if (typeof options.model !== 'object' || options.model === null)
      throw option('model', 'must be an object of architecture settings');
    checkOptionNames(options.model, MODEL_OPTION_NAMES, 'model option');
  }
  positiveInteger(options.epochs, 'epochs');
  positiveInteger(options.batchSize, 'batchSize');
  positiveInteger(options.maxBadSteps, 'maxBadSteps');
  positiveInteger(options.ensemble, 'ensemble');
  if (options.ensemble !== undefined && options.ensemble > 100) {
    throw option('ensemble', `must be at most 100 networks, got ${options.ensemble}`);
  }
  if (options.learningRate !== undefined && !(options.learningRate > 0 && Number.isFinite(options.learningRate))) {
    throw option('learningRate', `must be a finite number > 0, got ${options.learningRate}`);
  }
  oneOf(options.schedule, ['plateau', 'cosine', 'constant'], 'schedule');
  oneOf(options.initialization, ['spread', 'naive'], 'initialization');
  nonNegativeNumber(options.warmupEpochs, 'warmupEpochs');
  nonNegativeNumber(options.meanWarmupEpochs, 'meanWarmupEpochs');
  if (options.meanWarmupEpochs !== undefined && !Number.isInteger(options.meanWarmupEpochs)) {
    throw option('meanWarmupEpochs', `must be a whole number of epochs, got ${options.meanWarmupEpochs}`);
  }
  if (options.validationSplit !== undefined && !(options.validationSplit >= 0 && options.validationSplit < 1)) {
    throw option('validationSplit', `must be in [0, 1), got ${options.validationSplit}`);
  }
  if (options.patience !== undefined && !(options.patience >= 1)) {
    throw option('patience', `must be ≥ 1 epoch (Infinity: never stop early), got ${options.patience}`);
  }
  if (options.clipNorm !== undefined && !(options.clipNorm > 0)) {
    throw option('clipNorm', `must be > 0 (Infinity: no clipping), got ${options.clipNorm}`);
  }
  if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32)) {
    throw option('seed', `must be a whole number in [0, 4294967295], got ${options.seed}`);
  }
  if (options.noise !== undefined && options.noise !== false) {
    const noise = options.noise;
    if (typeof noise !== 'object' || noise === null) throw option('noise', 'must be { x, y, anneal } or false');
    checkOptionNames(noise, ['x', 'y', 'anneal'], 'noise option');
    nonNegativeNumber(noise.x, 'noise.x');
    nonNegativeNumber(noise.y, 'noise.y');
    if ((options.standardize ?? true) && Math.max(noise.x ?? 0, noise.y ?? 0) > MAX_NOISE) {
      const name = (noise.x ?? 0) > MAX_NOISE ? 'noise.x' : 'noise.y';
      throw option(
        name,
        `must be at most ${MAX_NOISE} (standard deviations of the standardised data, whose own is 1), got ${name === 'noise.x' ? noise.x : noise.y}`,
      );
    }
    flag(noise.anneal, 'noise.anneal');
  }
  flag(options.standardize, 'standardize');
  flag(options.guardNonFinite, 'guardNonFinite');
  flag(options.restoreBest, 'restoreBest');
  flag(options.allowLowPrecision, 'allowLowPrecision');
}

/**
 * Resolves every training setting from `options` and the data's shape: a pure function (no tensors, no
 * randomness), so the same options and shape always give the same plan. Throws an {@link InputError} for an
 * unknown option or a value out of range.
 */
export function resolveTrainPlan(options: PlanOptions, shape: DataShape): TrainPlan {
  checkOptions(options);
  const { rows, inputs, targets } = shape;
  if (!Number.isInteger(rows) || rows < 2) {
    throw new InputError(`has ${rows} data row${rows === 1 ? '' : 's'}; training needs at least 2 (better hundreds)`);
  }
  const defaults = TRAIN_DEFAULTS;
  const given = shape.validationRows !== undefined;
  const validationFraction = given
    ? 0
    : (options.validationSplit ?? (rows < defaults.validationMinimumRows ? 0 : defaults.validationSplit));
  const held = given ? 0 : Math.round(validationFraction * rows);
  if (rows - held < 2) {
    throw option(
      'validationSplit',
      `${validationFraction} leaves ${rows - held} training rows of ${rows}; at least 2 are needed`,
    );
  }
  const trainRows = rows - held;
  const model = (() => {
    try {
      const { components, ...rest } = options.model ?? {};
      if (components !== undefined && components !== 'auto' && typeof components !== 'number') {
        throw optionError('components', `must be a positive integer or 'auto', got ${String(components)}`);
      }
      return resolveConfig({
        inputDimension: inputs,
        outputDimension: targets,
        ...rest,
        // The width grows with the data (see TRAIN_DEFAULTS.wideFromRows) unless the caller sets it.
        ...(rest.hidden === undefined && trainRows >= defaults.wideFromRows
          ? { hidden: [...defaults.wideHidden] }
          : {}),
        ...(typeof components === 'number' ? { components } : {}),
      });
    } catch (error) {
      // An architecture option is named as the caller wrote it: model.tailWeight, model.hidden.
      if (!MdnError.isInstance(error) || error.fields.option === undefined) throw error;
      const { option: name, reason } = error.fields;
      if (reason === undefined)
        throw new InputError(error.message, { code: 'invalid-option', option: `model.${name}` });
      throw optionError(`model.${name}`, reason);
    }
  })();
  const batchSize = Math.min(options.batchSize ?? defaults.batchSize, trainRows);
  const stepsPerEpoch = Math.ceil(trainRows / batchSize);
  const schedule = options.schedule ?? defaults.schedule;
  const steps = schedule === 'plateau' ? defaults.maxSteps : defaults.targetSteps;
  const epochs =
    options.epochs ?? Math.min(defaults.maxEpochs, Math.max(defaults.minEpochs, Math.round(steps / stepsPerEpoch)));
  const bandwidth = trainRows ** (-1 / (2 + inputs + targets));
  const rounded = (value: number) => Number(value.toPrecision(3));
  const noise =
    options.noise === undefined
      ? { x: rounded(defaults.noiseScale.x * bandwidth), y: rounded(defaults.noiseScale.y * bandwidth), anneal: true }
      : options.noise === false
        ? null
        : { ...options.noise };
  const tailWeight =
    options.model?.tailWeight ?? Math.min(defaults.maxTailWeight, rounded((defaults.noiseScale.y * bandwidth) ** 2));
  const atoms: TargetAtom[] =
    options.model?.atoms !== undefined
      ? model.atoms.map((atom) => ({ ...atom }))
      : targets === 1 && shape.target
        ? shape.target.boundaryAtoms.map(({ value, side }) => {
            // Standardised units in target units (the noise and the scale floor are in standardised units).
            const unit = (options.standardize ?? true) ? shape.target!.scale : 1;
            return {
              value,
              side,
              scale: rounded(model.scaleFloor * unit),
              reach: rounded(defaults.noiseScale.y * bandwidth * unit),
            };
          })
        : [];
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  const autoComponents = options.model?.components === 'auto';
  if (autoComponents && held === 0 && !given) {
    throw option(
      'model.components',
      `'auto' chooses K on validation NLL and needs validation rows, and none are held out of these ${rows}` +
        `${options.validationSplit === undefined && rows < defaults.validationMinimumRows ? ` (below ${defaults.validationMinimumRows} rows validationSplit defaults to 0)` : ''}: ` +
        'hold some out with validationSplit, or give a number of components',
    );
  }
  const ensemble =
    options.ensemble ?? Math.max(1, Math.min(defaults.ensembleMembers, Math.floor(defaults.ensembleRows / rows)));
  checkTrainingMemory({ ...model, tailWeight, atoms }, batchSize, ensemble);
  return {
    version: 1,
    model: { ...model, tailWeight, atoms },
    initialization: options.initialization ?? 'spread',
    standardize: options.standardize ?? true,
    rows,
    trainRows,
    validationRows: given ? shape.validationRows! : held,
    validation: given ? 'given' : held > 0 ? 'split' : 'none',
    validationFraction: held > 0 ? validationFraction : 0,
    seed: options.seed ?? defaults.seed,
    batchSize,
    stepsPerEpoch,
    epochs,
    totalSteps: epochs * stepsPerEpoch,
    learningRate: options.learningRate ?? defaults.learningRate,
    schedule,
    reductions: schedule === 'plateau' ? defaults.reductions : 0,
    reductionFactor: defaults.reductionFactor,
    finalLearningRateFraction: schedule === 'cosine' ? defaults.finalLearningRateFraction : 1,
    warmupSteps: Math.round((options.warmupEpochs ?? defaults.warmupEpochs) * stepsPerEpoch),
    meanWarmupEpochs: options.meanWarmupEpochs ?? defaults.meanWarmupEpochs,
    noise,
    patience: finite(options.patience ?? defaults.patience),
    restoreBest: options.restoreBest ?? true,
    clipNorm: finite(options.clipNorm ?? defaults.clipNorm),
    guardNonFinite: options.guardNonFinite ?? true,
    maxBadSteps: options.maxBadSteps ?? defaults.maxBadSteps,
    allowLowPrecision: options.allowLowPrecision ?? false,
    ensemble,
    componentSearch: autoComponents ? { largest: model.components } : null,
  };
}

/**
 * Refuses a run that would hold more than {@link MAX_TRAINING_BYTES} (see {@link trainingBytes}) before anything is
 * allocated, naming the settings that make it large.
 */
function checkTrainingMemory(model: MdnConfig, batchSize: number, networks: number): void {
  const bytes = trainingBytes(model, batchSize, networks);
  if (bytes <= MAX_TRAINING_BYTES) return;
  const gb = (value: number) => `${Number((value / 2 ** 30).toPrecision(2))} GiB`;
  throw new InputError(
    `training ${networks > 1 ? `${networks} networks of ` : 'a network of '}hidden [${model.hidden.join(', ')}] with ` +
      `${model.components} components over ${model.outputDimension} target${model.outputDimension === 1 ? '' : 's'} ` +
      `at ${batchSize} rows per step needs about ${gb(bytes)} (weights, Adam's state and a step's activations); the ` +
      `limit is ${gb(MAX_TRAINING_BYTES)}: use narrower layers (model.hidden), fewer components (model.components) or ` +
      'fewer rows per step (batchSize)',
    {
      code: 'invalid-option',
      option: model.components > Math.max(...model.hidden, 1) ? 'model.components' : 'model.hidden',
    },
  );
}

/** An atom of the model, for {@link describeTrainPlan}. */
function describeAtom(atom: TargetAtom): string {
  const from = Number((atom.side === 'upper' ? atom.value - atom.reach : atom.value + atom.reach).toPrecision(4));
  return ` + a point mass at ${atom.value} (${atom.side === 'upper' ? 'a cap: the mass above' : 'a floor: the mass below'} ${from}, σ ${atom.scale})`;
}

/**
 * The plan in a few lines for people (printed by `mdn train` and `mdn info`); with the run's `record`, K as the
 * component search chose it.
 */
export function describeTrainPlan(plan: TrainPlan, record?: { componentSearch?: ComponentChoice | null }): string {
  const m = plan.model;
  const choice = record?.componentSearch ?? (plan.componentSearch?.chosen !== undefined ? plan.componentSearch : null);
  const off = (value: number | null, unit = '') => (value === null ? 'off' : `${value}${unit}`);
  const validation =
    plan.validation === 'split'
      ? `${plan.validationRows} rows held out (${plan.validationFraction})`
      : plan.validation === 'given'
        ? `${plan.validationRows} rows given`
        : 'none';
  const noise = plan.noise
    ? `x ${plan.noise.x}, y ${plan.noise.y}${plan.noise.anneal ? (plan.schedule === 'plateau' ? ', falling with the rate' : ', annealed to 0') : ''}`
    : 'off';
  return [
    `network     k = ${
      !plan.componentSearch
        ? m.components
        : !choice
          ? `auto (the smallest of ${plan.componentSearch.largest}, 1 and ${Math.ceil((1 + plan.componentSearch.largest) / 2)} within one standard error of ${plan.componentSearch.largest}'s validation NLL)`
          : `${choice.chosen} (auto: ${choice.reason ?? ''})`
    }${m.family === 'laplace' ? ' Laplace' : ''}${m.covariance === 'full' && m.outputDimension > 1 ? ' (full covariance)' : ''}${m.tailWeight > 0 ? ` + tails (weight ${m.tailWeight} at ${m.tailScale}σ)` : ''}${(m.atoms ?? []).map(describeAtom).join('')}, hidden ${m.hidden.join(',')}, ${m.activation}, σ = ${m.scaleActivation}${m.scaleActivation === 'softplus' ? ` + ${m.scaleFloor}` : ''}; init ${plan.initialization}; standardize ${plan.standardize ? 'on' : 'off'}`,
    `data        ${plan.trainRows} training rows; validation ${validation}; seed ${plan.seed}`,
    `steps       ${plan.epochs} epochs × ${plan.stepsPerEpoch} steps of ${plan.batchSize} rows = ${plan.totalSteps}`,
    `rate        Adam ${plan.learningRate}, ${plan.schedule}${plan.schedule === 'cosine' ? ` to ${plan.finalLearningRateFraction}×` : plan.schedule === 'plateau' ? ` (×${plan.reductionFactor} up to ${plan.reductions} times)` : ''}, warm-up ${plan.warmupSteps} steps; clip norm ${off(plan.clipNorm)}`,
    `regularise  mean-first warm-up ${plan.meanWarmupEpochs} epochs; noise ${noise}`,
    ...(plan.ensemble > 1
      ? [
          `ensemble    ${plan.ensemble} networks (seeds ${plan.seed}…${plan.seed + plan.ensemble - 1}, each its own validation split), one mixture of ${plan.ensemble}×${m.tailWeight > 0 ? '2×' : ''}${plan.componentSearch ? (choice ? choice.chosen : 'K') : m.components} components${(m.atoms ?? []).length > 0 ? ` and the point mass${m.atoms.length > 1 ? 'es' : ''}` : ''}`,
        ]
      : []),
    `stopping    patience ${off(plan.patience, ' epochs')}; restore best ${plan.restoreBest ? 'on' : 'off'}; non-finite guard ${plan.guardNonFinite ? `on (recover after ${plan.maxBadSteps} in a row)` : 'off'}`,
  ].join('\n');
}
