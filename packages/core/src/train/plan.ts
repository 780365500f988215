/**
 * The training plan: every setting of a training run, resolved from the caller's options and the shape of the
 * data, with the option schema's defaults (options/schema.ts: the only place a training default is written);
 * `train`, the `mdn` command and the web demo all run the plan this function returns, and the model file stores it.
 */
import { InputError, MdnError, optionError } from '../errors.js';
import type { BoundaryAtom } from '../mixture/atoms-host.js';
import { MAX_TRAINING_BYTES, type MdnConfig, resolveConfig, type TargetAtom, trainingBytes } from '../model/config.js';
import {
  ADAM_FIELDS,
  MODEL_OPTION_NAMES,
  NOISE_FIELDS,
  PLAN_OPTION_NAMES,
  requireOption,
  TRAIN_DEFAULTS,
} from '../options/schema.js';
import type { ComponentChoice } from './record.js';

export { PLAN_OPTION_NAMES, TRAIN_DEFAULTS } from '../options/schema.js';

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

/** Adam's settings (see {@link PlanOptions.adam}). */
export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * What a caller may set; every field is optional and resolved by {@link resolveTrainPlan}. Each option's values,
 * default and meaning are its entry in the option schema (`TRAIN_OPTIONS`, listed in docs/options.md). (`train`
 * accepts these plus the run's callbacks and data: see `TrainOptions`.)
 */
export interface PlanOptions {
  /**
   * Architecture: family, components (a number or 'auto', chosen on validation NLL: see
   * {@link TrainPlan.componentSearch}), hidden, activation, scaleActivation, scaleFloor, covariance, tailWeight,
   * tailScale, atoms. tailWeight and atoms are derived from the data unless given (0 and [] turn them off).
   */
  model?: Partial<Omit<MdnConfig, 'inputDimension' | 'outputDimension' | 'components' | 'members'>> & {
    components?: number | 'auto';
  };
  /** Standardise inputs and targets with the training rows' statistics. Turning it off is rarely wise. */
  standardize?: boolean;
  /** Initialisation: 'spread' (breaks symmetry) or 'naive' (PyTorch's default; for demonstrations). */
  initialization?: 'spread' | 'naive';
  /** The epoch budget (derived from the steps per epoch unless given); early stopping may end sooner. */
  epochs?: number;
  /** Rows per step (at most the training rows). */
  batchSize?: number;
  /** Peak Adam learning rate. */
  learningRate?: number;
  /**
   * Learning-rate schedule after the warm-up. 'plateau': the peak rate until the validation loss stops improving
   * for `patience` epochs, then back to the best weights at a lower rate, a few times, then stop — so the run's
   * length adapts to the data. 'cosine': decay over the epoch budget. 'constant'.
   */
  schedule?: Schedule;
  /** Linear learning-rate warm-up, in epochs. */
  warmupEpochs?: number;
  /** Fraction of rows held out for validation and early stopping (none below a few dozen rows unless given). */
  validationSplit?: number;
  /**
   * Epochs without a validation improvement before the 'plateau' schedule lowers the rate (and, after its last
   * reduction, stops), or before 'cosine' (in its low-rate half) and 'constant' stop; the best weights are
   * restored. Infinity turns early stopping off.
   */
  patience?: number;
  /** Clip the global gradient norm to this value (Infinity: off). */
  clipNorm?: number;
  /** Epochs of mean-first warm-up: σ fixed at its initial value and weights uniform, only the means train; 0: off. */
  meanWarmupEpochs?: number;
  /** Noise regularisation; false turns it off. Derived from the data unless given, shrinking with the rows. */
  noise?: NoiseOptions | false;
  /** Seed for initialisation, shuffling, splits and noise (an integer in [0, 2³²)). */
  seed?: number;
  /**
   * Skip any step whose loss or gradient is NaN/Inf so the weights are never corrupted. False applies such steps
   * as they are (what plain training loops do; only for demonstrations).
   */
  guardNonFinite?: boolean;
  /** Restore the weights of the best epoch at the end. */
  restoreBest?: boolean;
  /** Consecutive non-finite steps tolerated before the learning rate is halved from the best weights. */
  maxBadSteps?: number;
  /**
   * Train this many networks (different seeds and validation splits) and combine them into one model whose
   * prediction is the equal-weight mixture of theirs (M·K components). Derived from the rows unless given (more
   * networks on small data); `startTraining` runs one network.
   */
  ensemble?: number;
  /**
   * Train on a backend with 16-bit floats (some WebGL devices). Off by default: such a backend cannot hold the
   * NLL's terms accurately (σ near its floor, large z²), so training refuses to start.
   */
  allowLowPrecision?: boolean;
  /** Adam's β₁, β₂ and ε (any of them). */
  adam?: Partial<AdamOptions>;
  /**
   * The target's likelihood: 'discrete' (whole numbers: P(y = k) is the mixture's mass on [k − ½, k + ½]),
   * 'continuous' (a density), or 'auto' (the default: discrete for one column of whole numbers close together).
   */
  target?: 'auto' | 'continuous' | 'discrete';
}

/**
 * The model's discretisation for the option `target` (see {@link PlanOptions.target}): 'auto' makes a one-column
 * target of whole numbers at most `maxRange` apart whose values repeat (one distinct value per `rowsPerValue` rows
 * at most) discrete, with its lower edge at 0 when no value is negative.
 */
function resolveDiscrete(
  options: PlanOptions,
  shape: DataShape,
  targets: number,
  rule: { maxRange: number; rowsPerValue: number },
): { lower: number | null } | null {
  const given = options.model?.discrete;
  if (given !== undefined) return given === null ? null : { ...given };
  const kind = options.target ?? 'auto';
  if (kind === 'continuous') return null;
  const t = shape.target;
  const lower = t?.min !== undefined && t.min >= 0 ? 0 : null;
  if (kind === 'discrete') {
    if (targets !== 1) {
      throw optionError('target', `'discrete' needs one target column; there are ${targets}`);
    }
    if (t?.whole === false) {
      throw optionError('target', "'discrete' needs whole-number targets; these have fractions: use 'continuous'");
    }
    return { lower };
  }
  if (targets !== 1 || !t?.whole || t.min === undefined || t.max === undefined) return null;
  // Values that repeat are where a density can put spikes on them; spread-out whole numbers (a disease score from
  // 25 to 346 on 442 rows) are a continuum for it, and the density costs a fraction of the bins' loss.
  const repeats = t.distinct === undefined || t.distinct * rule.rowsPerValue <= shape.rows;
  return t.max - t.min <= rule.maxRange && repeats ? { lower } : null;
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
  target?: {
    boundaryAtoms: readonly BoundaryAtom[];
    scale: number;
    /**
     * The smallest and largest value, whether every value is a whole number, and how many distinct values there
     * are (for the option `target`).
     */
    min?: number;
    max?: number;
    whole?: boolean;
    distinct?: number;
  };
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
  /** The option `target` as given ('auto' unless given): `model.discrete` is what it resolved to. */
  target?: 'auto' | 'continuous' | 'discrete';
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
  /**
   * 'plateau' with annealed noise: the noise also falls linearly to 0 over this last fraction of the step budget.
   * (Plans saved before 0.2 do not record it, nor `adam`.)
   */
  noiseTail: number;
  /** Adam's settings. */
  adam: AdamOptions;
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

/**
 * The largest noise (standard deviation on standardised data) a plan takes: beyond a few standard deviations of
 * the data itself the noise is all a network sees (1e20 trained to an NLL of 5e35 that the diagnosis called fine;
 * 1e300 made every step non-finite).
 */
export const MAX_NOISE = 10;

/** An object option's fields: no unknown name, each field as the schema takes it (errors name `noise.x`). */
function checkFields(value: unknown, name: string, fields: readonly { name: string }[], required: readonly string[]) {
  const record = value as Record<string, unknown>;
  checkOptionNames(
    record,
    fields.map((field) => field.name.slice(name.length + 1)),
    `${name} option`,
  );
  for (const field of fields) {
    const key = field.name.slice(name.length + 1);
    if (record[key] !== undefined || required.includes(key)) requireOption(field.name, record[key]);
  }
}

/**
 * Checks every option's type and range against the option schema, and the relations between options the schema
 * cannot see; throws an InputError naming the option and what it accepts. (The architecture's fields are checked
 * by resolveConfig, named model.*.)
 */
function checkOptions(options: PlanOptions): void {
  checkOptionNames(options, PLAN_OPTION_NAMES, 'train option');
  if (options.model !== undefined) {
    if (typeof options.model !== 'object' || options.model === null)
      throw option('model', 'must be an object of architecture settings');
    checkOptionNames(options.model, MODEL_OPTION_NAMES, 'model option');
  }
  for (const name of PLAN_OPTION_NAMES) {
    const value = (options as Record<string, unknown>)[name];
    if (name !== 'model' && value !== undefined) requireOption(name, value);
  }
  if (options.noise !== undefined && options.noise !== false) {
    const noise = options.noise;
    checkFields(noise, 'noise', NOISE_FIELDS, ['x', 'y']);
    if ((options.standardize ?? TRAIN_DEFAULTS.standardize) && Math.max(noise.x, noise.y) > MAX_NOISE) {
      const name = noise.x > MAX_NOISE ? 'noise.x' : 'noise.y';
      throw option(
        name,
        `must be at most ${MAX_NOISE} (standard deviations of the standardised data, whose own is 1), got ${name === 'noise.x' ? noise.x : noise.y}`,
      );
    }
  }
  if (options.adam !== undefined) checkFields(options.adam, 'adam', ADAM_FIELDS, []);
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
  // A discrete target's values are its bins: no point masses beside them.
  const discrete = resolveDiscrete(options, shape, targets, defaults.discrete);
  if (discrete && options.model?.atoms !== undefined && options.model.atoms.length > 0) {
    throw option('model.atoms', 'has no place on a discrete target: its values are its bins (leave atoms out)');
  }
  const atoms: TargetAtom[] = discrete
    ? []
    : options.model?.atoms !== undefined
      ? model.atoms.map((atom) => ({ ...atom }))
      : targets === 1 && shape.target
        ? shape.target.boundaryAtoms.map(({ value, side, gap, room }) => {
            // Standardised units in target units (the noise and the scale floor are in standardised units).
            const unit = (options.standardize ?? defaults.standardize) ? shape.target!.scale : 1;
            // The noise's reach, but no further than the atom's room (BoundaryAtom.room): on a skewed target
            // (films' gross: 66 at 0, 768 more within the noise's reach of 6e6 dollars) the atom took their mass.
            // Its own width stays far inside the gap to the nearest other value (a row within 8 widths of it counts
            // as on it).
            const noiseReach = defaults.noiseScale.y * bandwidth * unit;
            const floorScale = model.scaleFloor * unit;
            return {
              value,
              side,
              scale: rounded(gap === undefined ? floorScale : Math.min(floorScale, gap / 16)),
              reach: rounded(room === undefined ? noiseReach : Math.min(noiseReach, room)),
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
  checkTrainingMemory({ ...model, tailWeight, atoms, discrete }, batchSize, ensemble);
  return {
    version: 1,
    model: { ...model, tailWeight, atoms, discrete },
    target: options.target ?? 'auto',
    initialization: options.initialization ?? defaults.initialization,
    standardize: options.standardize ?? defaults.standardize,
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
    noiseTail: defaults.plateauNoiseTail,
    adam: { ...defaults.adam, ...options.adam },
    patience: finite(options.patience ?? defaults.patience),
    restoreBest: options.restoreBest ?? defaults.restoreBest,
    clipNorm: finite(options.clipNorm ?? defaults.clipNorm),
    guardNonFinite: options.guardNonFinite ?? defaults.guardNonFinite,
    maxBadSteps: options.maxBadSteps ?? defaults.maxBadSteps,
    allowLowPrecision: options.allowLowPrecision ?? defaults.allowLowPrecision,
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
    ...(m.discrete
      ? [
          `target      discrete: whole numbers${m.discrete.lower !== null ? ` from ${m.discrete.lower}` : ''}; P(y) is the mixture's mass on [y − ½, y + ½]` +
            `${m.discrete.lower !== null ? ` (and below ${m.discrete.lower} for ${m.discrete.lower})` : ''}, so the NLL is in probability units`,
        ]
      : []),
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
