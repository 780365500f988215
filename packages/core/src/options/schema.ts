/**
 * The training options' schema: for every option of `train` (and every field of a model's architecture) its name,
 * the values it takes, its default and what it does. This module is the only place a training default is
 * written; the plan's validation and defaults (train/plan.ts, model/config.ts), the `mdn train` flags and their
 * `--help`, the web demo's controls and docs/options.md are all derived from it. The measurements behind the
 * defaults are in docs/decisions/training-defaults.md. No tfjs (the CLI and the demo's page read it through
 * `@mdn/core/host`).
 */
import { InputError, optionError } from '../errors.js';
import { COMPONENT_FAMILIES } from '../mixture/components/standard.js';
import type { Activation, MdnConfig } from '../model/config.js';
import { checkValue, describeText, describeValue, parseValueText, type ValueKind } from './values.js';

/** Every hidden-layer activation. */
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'silu', 'elu'];

/** The architecture's defaults: a network made directly gets these (`train` derives some from the data). */
const MODEL_DEFAULTS = {
  components: 5,
  hidden: [64, 64],
  activation: 'tanh',
  scaleActivation: 'softplus',
  scaleFloor: 1e-3,
  covariance: 'diagonal',
  family: 'gaussian',
  members: 1,
  tailWeight: 0,
  tailScale: 2,
  atoms: [],
  discrete: null,
} as const satisfies Omit<MdnConfig, 'inputDimension' | 'outputDimension'>;

/** The training options' defaults that do not depend on the data. */
const PLAN_DEFAULTS = {
  standardize: true,
  initialization: 'spread',
  batchSize: 128,
  learningRate: 3e-3,
  schedule: 'plateau',
  warmupEpochs: 1,
  validationSplit: 0.1,
  patience: 20,
  clipNorm: 10,
  meanWarmupEpochs: 3,
  seed: 0,
  guardNonFinite: true,
  restoreBest: true,
  maxBadSteps: 25,
  allowLowPrecision: false,
  adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
} as const;

/**
 * The constants of the rules by which the plan derives a default from the data. Why each has its value, and what
 * was measured, is in docs/decisions/training-defaults.md (the section named after each).
 */
const RULES = {
  /** Below this many rows nothing is held out for validation. */
  validationMinimumRows: 50,
  /** 'plateau': the rate is lowered `reductions` times by `reductionFactor` before a plateau ends training. */
  reductions: 3,
  reductionFactor: 0.3,
  /** 'cosine': the rate's end, as a fraction of the peak. */
  finalLearningRateFraction: 0.01,
  /** Noise: standard deviations c · n^(−1/(2 + d)) on standardised x and y (decisions: "Noise"). */
  noiseScale: { x: 0.42, y: 0.42 },
  /** 'plateau' with annealed noise: the noise falls linearly to 0 over this last fraction of the budget. */
  plateauNoiseTail: 0.25,
  /** Predictive tails: weight h² (h the noise bandwidth on y), at most this (decisions: "Predictive tails"). */
  maxTailWeight: 0.1,
  /**
   * A one-column target is discrete when every value is a whole number, the largest is at most `maxRange` above
   * the smallest, and the values repeat: at most one distinct value per `rowsPerValue` rows (ratings, counts;
   * decisions: "Discrete targets"); its lower edge is 0 when no value is negative.
   */
  discrete: { maxRange: 1000, rowsPerValue: 5 },
  /** Point masses at the ends of a one-column target's range (decisions: "Point masses"). */
  atoms: { minimumRows: 5, minimumFraction: 0.01, dominance: 4, neighbourhood: 0.1, minimumDistinct: 10 },
  /** The width grows with the data: `wideHidden` from `wideFromRows` training rows (decisions: "Width"). */
  wideFromRows: 1000,
  wideHidden: [128, 128],
  /** The epoch budget: about `targetSteps` steps ('cosine', 'constant'), up to `maxSteps` ('plateau'). */
  targetSteps: 12_000,
  maxSteps: 30_000,
  minEpochs: 30,
  maxEpochs: 1000,
  /** The default ensemble: min(`ensembleMembers`, ⌊`ensembleRows` / rows⌋) networks (decisions: "Ensembles"). */
  ensembleMembers: 5,
  ensembleRows: 5000,
} as const;

/**
 * The training defaults that do not depend on the data, and the constants of the rules that derive the others
 * (see {@link TRAIN_OPTIONS} for what each option does).
 */
export const TRAIN_DEFAULTS = { ...PLAN_DEFAULTS, ...RULES } as const;

/** An architecture's defaults (see {@link MdnConfig}). */
export const DEFAULT_MDN_CONFIG: Omit<MdnConfig, 'inputDimension' | 'outputDimension'> = {
  ...MODEL_DEFAULTS,
  hidden: [...MODEL_DEFAULTS.hidden],
  atoms: [],
  discrete: null,
};

/** An option's default. */
export interface OptionDefault {
  /** The default in training (qualified by `derived` where that is given too). */
  readonly value?: unknown;
  /** How training derives it from the data: instead of a value, or as a qualification of it (a phrase). */
  readonly derived?: string;
  /** Where training derives it, the value outside training (a network made directly; `startTraining`'s ensemble). */
  readonly direct?: unknown;
}

/** The `mdn train` flag of an option. */
export interface OptionFlag {
  /** As commander takes it: `--batch-size <n>`, `-k, --components <n>`, `--no-atoms` (a switch to off). */
  readonly syntax: string;
  /** How the flag's text is read when it differs from the option's values (`--noise`: one number for x and y). */
  readonly text?: ValueKind;
  /** The option's value from the flag's (default: the same). */
  readonly toOption?: (value: unknown) => unknown;
  /** The help line, when the option's own does not fit the flag. */
  readonly help?: string;
}

/** One option: the schema's entry. */
export interface OptionSpec {
  /** How the API names it: `batchSize`, `model.components`. */
  readonly name: string;
  readonly value: ValueKind;
  readonly default: OptionDefault;
  /** What it does, in a line (no default: that is {@link describeDefault}'s). */
  readonly help: string;
  /** The value that turns it off, where one does (a flag's `off`, a demo checkbox left unchecked). */
  readonly off?: unknown;
  readonly flag?: OptionFlag;
}

const { noiseScale: NOISE, atoms: ATOMS } = RULES;

const NOISE_VALUE: ValueKind = {
  type: 'custom',
  expected: '{ x, y, anneal } (standard deviations ≥ 0 on standardised inputs and targets) or false',
  check: (value) => {
    if (value === false) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be { x, y, anneal } or false';
    return undefined; // Its fields are checked as noise.x, noise.y and noise.anneal (see NOISE_FIELDS).
  },
};

/** The fields of a `noise` object, checked one by one (errors name `noise.x`). */
export const NOISE_FIELDS: readonly OptionSpec[] = [
  { name: 'noise.x', value: { type: 'number', min: 0 }, default: {}, help: 'noise on standardised inputs' },
  { name: 'noise.y', value: { type: 'number', min: 0 }, default: {}, help: 'noise on standardised targets' },
  { name: 'noise.anneal', value: { type: 'boolean' }, default: {}, help: 'decay the noise as training converges' },
];

/** The fields of an `adam` object. */
export const ADAM_FIELDS: readonly OptionSpec[] = [
  {
    name: 'adam.beta1',
    value: { type: 'number', min: 0, max: 1, maxOpen: true },
    default: { value: PLAN_DEFAULTS.adam.beta1 },
    help: "decay of Adam's first moment",
  },
  {
    name: 'adam.beta2',
    value: { type: 'number', min: 0, max: 1, maxOpen: true },
    default: { value: PLAN_DEFAULTS.adam.beta2 },
    help: "decay of Adam's second moment",
  },
  {
    name: 'adam.epsilon',
    value: { type: 'number', min: 0, minOpen: true },
    default: { value: PLAN_DEFAULTS.adam.epsilon },
    help: "Adam's denominator guard",
  },
];

const objectOf = (expected: string): ValueKind => ({
  type: 'custom',
  expected,
  check: (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : `must be ${expected}`,
});

/** The architecture's options (`model.*`), in the order the docs list them. */
const MODEL_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'model.components',
    value: {
      type: 'custom',
      expected: "a whole number ≥ 1 or 'auto'",
      check: (value) =>
        value === 'auto' || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1)
          ? undefined
          : `must be a whole number ≥ 1 or 'auto', got ${typeof value === 'string' ? `'${value}'` : String(value)}`,
      parse: (text) => (text === 'auto' ? 'auto' : /^\d+$/.test(text) ? Number(text) : undefined),
    },
    default: { value: MODEL_DEFAULTS.components },
    help:
      `mixture components K, or 'auto': chosen on validation NLL among ${MODEL_DEFAULTS.components}, 1 and ` +
      `${Math.ceil((1 + MODEL_DEFAULTS.components) / 2)} (the smallest within one standard error of the largest; about 3× the training time)`,
    flag: { syntax: '-k, --components <n>' },
  },
  {
    name: 'model.hidden',
    value: { type: 'widths' },
    default: {
      value: MODEL_DEFAULTS.hidden,
      derived: `${RULES.wideHidden.join(',')} from ${RULES.wideFromRows} training rows`,
    },
    help: 'hidden layer widths',
    flag: { syntax: '--hidden <sizes>', help: 'hidden layer sizes, comma-separated' },
  },
  {
    name: 'model.activation',
    value: { type: 'choice', values: ACTIVATIONS },
    default: { value: MODEL_DEFAULTS.activation },
    help: 'hidden-layer activation',
    flag: { syntax: '--activation <name>' },
  },
  {
    name: 'model.family',
    value: { type: 'choice', values: COMPONENT_FAMILIES },
    default: { value: MODEL_DEFAULTS.family },
    help:
      "the components' distribution: gaussian, or laplace (heavier tails: a target 10 scales out costs 10 nats " +
      'instead of 50; exact CDF, quantiles and CRPS; diagonal only)',
    flag: { syntax: '--family <name>' },
  },
  {
    name: 'model.covariance',
    value: { type: 'choice', values: ['diagonal', 'full'] },
    default: { value: MODEL_DEFAULTS.covariance },
    help:
      'diagonal, or full: a full covariance per component over several targets (correlated targets need far ' +
      'fewer components)',
    flag: { syntax: '--covariance <kind>' },
  },
  {
    name: 'model.scaleActivation',
    value: { type: 'choice', values: ['softplus', 'elu-plus-one'] },
    default: { value: MODEL_DEFAULTS.scaleActivation },
    help:
      "how σ comes from the scale head: softplus + scaleFloor, or elu-plus-one (the forum's: underflows to σ = 0, " +
      'kept to reproduce that)',
    off: 'elu-plus-one',
  },
  {
    name: 'model.scaleFloor',
    value: { type: 'number', min: 0, minOpen: true, max: 1, maxOpen: true, unit: 'standardised units' },
    default: { value: MODEL_DEFAULTS.scaleFloor },
    help: 'the smallest σ (softplus only), in standardised target units',
  },
  {
    name: 'model.tailWeight',
    value: { type: 'number', min: 0, max: 0.5, maxOpen: true },
    default: {
      derived: `from the data: (${NOISE.y}·n^(−1/(2+d)))², at most ${RULES.maxTailWeight}`,
      direct: MODEL_DEFAULTS.tailWeight,
    },
    help: 'predictive tails: the weight of a companion tailScale× wider than each component; 0 turns them off',
    off: 0,
    flag: {
      syntax: '--tails <weight>',
      help: `predictive tails: the weight of a companion ${MODEL_DEFAULTS.tailScale}× wider than each component, or off`,
    },
  },
  {
    name: 'model.tailScale',
    value: { type: 'number', min: 1, minOpen: true, max: 100 },
    default: { value: MODEL_DEFAULTS.tailScale },
    help: 'how much wider the tail companions are (σ × tailScale)',
  },
  {
    name: 'model.atoms',
    value: {
      type: 'custom',
      expected: 'a list of { value, side, scale, reach }',
      check: (value) => (Array.isArray(value) ? undefined : 'must be a list of { value, side, scale, reach }'),
    },
    default: {
      derived:
        `from the data: one at an end of a one-column target where at least ${ATOMS.minimumRows} rows and ` +
        `${ATOMS.minimumFraction * 100} % of them sit at the smallest or largest value, ${ATOMS.dominance}× as many ` +
        'as at any value near it',
      direct: MODEL_DEFAULTS.atoms,
    },
    help: "point masses at a capped or floored end of the target's range; [] turns them off",
    off: [],
    flag: {
      syntax: '--no-atoms',
      help: "no point mass at a capped or floored end of the target's range",
    },
  },
  {
    name: 'model.discrete',
    value: {
      type: 'custom',
      expected: 'null or { lower }',
      check: (value) =>
        value === null || (typeof value === 'object' && 'lower' in (value as object))
          ? undefined
          : 'must be null or { lower: a whole number or null }',
    },
    default: { derived: 'from the option target', direct: MODEL_DEFAULTS.discrete },
    help: "a whole-number target's support (its values' probabilities are the mixture's mass on their bins); null: continuous",
    off: null,
  },
];

/** A network's member count: set by ensembles, not by an option. */
const MEMBERS: OptionSpec = {
  name: 'model.members',
  value: { type: 'integer', min: 1 },
  default: { value: MODEL_DEFAULTS.members },
  help: 'networks in the model (an ensemble when > 1)',
};

/** The training options, in the order the docs list them. */
const PLAN_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'epochs',
    value: { type: 'integer', min: 1 },
    default: {
      derived:
        `about ${RULES.targetSteps} steps (up to ${RULES.maxSteps} with 'plateau'), ${RULES.minEpochs}–` +
        `${RULES.maxEpochs} epochs`,
    },
    help: 'the epoch budget (early stopping may end sooner)',
    flag: { syntax: '--epochs <n>' },
  },
  {
    name: 'batchSize',
    value: { type: 'integer', min: 1 },
    default: { value: PLAN_DEFAULTS.batchSize, derived: 'or all rows if fewer' },
    help: 'rows per step',
    flag: { syntax: '--batch-size <n>' },
  },
  {
    name: 'learningRate',
    value: { type: 'number', min: 0, minOpen: true },
    default: { value: PLAN_DEFAULTS.learningRate },
    help: 'peak Adam learning rate',
    flag: { syntax: '--learning-rate <rate>' },
  },
  {
    name: 'schedule',
    value: { type: 'choice', values: ['plateau', 'cosine', 'constant'] },
    default: { value: PLAN_DEFAULTS.schedule },
    help:
      'learning-rate schedule after the warm-up: plateau (lower the rate when the validation NLL stalls, a few ' +
      `times, then stop), cosine (to ${RULES.finalLearningRateFraction}× over the budget) or constant`,
    flag: { syntax: '--schedule <name>' },
  },
  {
    name: 'target',
    value: { type: 'choice', values: ['auto', 'continuous', 'discrete'] },
    default: {
      value: 'auto',
      derived:
        `discrete when the one target column holds whole numbers only, at most ${RULES.discrete.maxRange} apart, ` +
        `with at most one distinct value per ${RULES.discrete.rowsPerValue} rows (ratings, counts), else continuous`,
    },
    help:
      "the target's likelihood: discrete (P(y = k) is the mixture's mass on [k − ½, k + ½]; the NLL is in " +
      'probability units), continuous (a density), or auto',
    flag: { syntax: '--target <kind>' },
  },
  {
    name: 'warmupEpochs',
    value: { type: 'number', min: 0 },
    default: { value: PLAN_DEFAULTS.warmupEpochs },
    help: 'linear learning-rate warm-up, in epochs',
  },
  {
    name: 'patience',
    value: { type: 'number', min: 1, infinity: 'never stop early' },
    default: { value: PLAN_DEFAULTS.patience },
    help: 'epochs without a validation improvement before the rate is lowered or training stops (the best weights are kept)',
    off: Number.POSITIVE_INFINITY,
    flag: {
      syntax: '--patience <epochs>',
      help: 'stop after this many epochs without a validation improvement, or off',
    },
  },
  {
    name: 'validationSplit',
    value: { type: 'number', min: 0, max: 1, maxOpen: true },
    default: { value: PLAN_DEFAULTS.validationSplit, derived: `0 below ${RULES.validationMinimumRows} rows` },
    help: 'fraction of the rows held out for validation and early stopping',
    flag: { syntax: '--validation-split <fraction>' },
  },
  {
    name: 'noise',
    value: NOISE_VALUE,
    default: {
      derived: `from the data: ${NOISE.x}·n^(−1/(2+d)) on x and ${NOISE.y}·n^(−1/(2+d)) on y, annealed`,
    },
    help:
      'noise regularisation (Rothfuss et al. 2019): standard deviations on standardised x and y, annealed as ' +
      'training converges; false turns it off',
    off: false,
    flag: {
      syntax: '--noise <sd>',
      text: { type: 'number', min: 0 },
      toOption: (sd) => (sd === 0 ? false : { x: sd, y: sd, anneal: true }),
      help: 'noise regularisation: its standard deviation on standardised x and y, or off',
    },
  },
  {
    name: 'clipNorm',
    value: { type: 'number', min: 0, minOpen: true, infinity: 'no clipping' },
    default: { value: PLAN_DEFAULTS.clipNorm },
    help: 'clip the global gradient norm at this value',
    off: Number.POSITIVE_INFINITY,
    flag: { syntax: '--clip-norm <norm>', help: 'clip the gradient norm at this value, or off' },
  },
  {
    name: 'meanWarmupEpochs',
    value: { type: 'integer', min: 0 },
    default: { value: PLAN_DEFAULTS.meanWarmupEpochs },
    help: 'epochs that train only the means first (σ fixed, weights uniform); 0 for none',
    off: 0,
    flag: { syntax: '--mean-warmup-epochs <n>' },
  },
  {
    name: 'ensemble',
    value: { type: 'integer', min: 1, max: 100, unit: 'networks' },
    default: {
      derived: `from the data: min(${RULES.ensembleMembers}, ⌊${RULES.ensembleRows} / rows⌋), at least 1`,
      direct: 1,
    },
    help: 'networks trained (other seeds and validation splits) and saved as one model: their equal-weight mixture',
    flag: { syntax: '--ensemble <m>' },
  },
  {
    name: 'seed',
    value: { type: 'integer', min: 0, max: 2 ** 32 - 1 },
    default: { value: PLAN_DEFAULTS.seed },
    help: 'seed for initialisation, shuffling, splits and noise (same seed, same data → same model)',
    flag: { syntax: '--seed <n>' },
  },
  {
    name: 'standardize',
    value: { type: 'boolean' },
    default: { value: PLAN_DEFAULTS.standardize },
    help: "standardise inputs and targets with the training rows' statistics (turning it off is rarely wise)",
    off: false,
  },
  {
    name: 'initialization',
    value: { type: 'choice', values: ['spread', 'naive'] },
    default: { value: PLAN_DEFAULTS.initialization },
    help: "'spread' (the means spread over the targets, breaking symmetry) or 'naive' (PyTorch's; for demonstrations)",
    off: 'naive',
  },
  {
    name: 'guardNonFinite',
    value: { type: 'boolean' },
    default: { value: PLAN_DEFAULTS.guardNonFinite },
    help: 'skip any step whose loss or gradient is NaN/Inf (false applies them, as plain loops do: demonstrations only)',
    off: false,
  },
  {
    name: 'maxBadSteps',
    value: { type: 'integer', min: 1 },
    default: { value: PLAN_DEFAULTS.maxBadSteps },
    help: 'non-finite steps in a row before the learning rate is halved from the best weights',
  },
  {
    name: 'restoreBest',
    value: { type: 'boolean' },
    default: { value: PLAN_DEFAULTS.restoreBest },
    help: "restore the best epoch's weights at the end",
    off: false,
  },
  {
    name: 'allowLowPrecision',
    value: { type: 'boolean' },
    default: { value: PLAN_DEFAULTS.allowLowPrecision },
    help: "train on a backend with 16-bit floats (some WebGL devices), which cannot hold the NLL's terms accurately",
  },
  {
    name: 'adam',
    value: objectOf('{ beta1, beta2, epsilon }'),
    default: { value: PLAN_DEFAULTS.adam },
    help: "Adam's β₁, β₂ and ε (any of them)",
  },
];

/** Every training option: the architecture's (`model.*`), then the run's; what `train` and `mdn train` take. */
export const TRAIN_OPTIONS: readonly OptionSpec[] = [...MODEL_OPTIONS, ...PLAN_OPTIONS];

/** The options a plan takes at its top level (`model` holds the architecture's). */
export const PLAN_OPTION_NAMES: readonly string[] = ['model', ...PLAN_OPTIONS.map((spec) => spec.name)];
/** The architecture's option names, as `model`'s fields. */
export const MODEL_OPTION_NAMES: readonly string[] = MODEL_OPTIONS.map((spec) => spec.name.slice('model.'.length));

const BY_NAME = new Map(
  [...TRAIN_OPTIONS, MEMBERS, ...NOISE_FIELDS, ...ADAM_FIELDS].map((spec) => [spec.name, spec] as const),
);

/** The schema's entry of an option by its API name (`batchSize`, `model.components`, `noise.x`). */
export function trainOption(name: string): OptionSpec {
  const spec = BY_NAME.get(name);
  if (!spec) throw new InputError(`unknown training option '${name}'`, 'invalid-option');
  return spec;
}

const format = (value: unknown): string =>
  Array.isArray(value)
    ? value.length === 0
      ? '[]'
      : value.join(',')
    : typeof value === 'object' && value !== null
      ? Object.entries(value)
          .map(([key, field]) => `${key} ${field}`)
          .join(', ')
      : String(value);

/**
 * The default in training as people read it (`128; or all rows if fewer`, `from the data: …`); with `direct`, also
 * the value outside training where that differs (`…; 0 for a network made directly`).
 */
export function describeDefault(spec: OptionSpec, options: { direct?: boolean } = {}): string {
  const { value, derived, direct } = spec.default;
  const training =
    value === undefined ? (derived ?? 'none') : derived === undefined ? format(value) : `${format(value)}; ${derived}`;
  return options.direct && direct !== undefined ? `${training} (outside training: ${format(direct)})` : training;
}

/**
 * Why `value` is not a valid value of the option (`must be …, got …`), or undefined when it is. Checks the value
 * alone: relations between options (the noise limit when standardising, K and the targets) are the plan's.
 */
export function checkOption(spec: OptionSpec, value: unknown): string | undefined {
  return checkValue(spec.value, value);
}

/**
 * Throws an option error (`${as} ${reason}`, with `option` and `reason` in its fields) when `value` is not a valid
 * value of the option `name`; a list's bad entry is named `${as}[i]`.
 */
export function requireOption(name: string, value: unknown, as = name): void {
  const reason = checkOption(trainOption(name), value);
  if (reason === undefined) return;
  const entry = /^\[(\d+)\] (.*)$/.exec(reason);
  throw entry ? optionError(`${as}[${entry[1]}]`, entry[2]!) : optionError(as, reason);
}

/** The text a flag or a form field takes for this option: "a whole number ≥ 1", "… or 'off'". */
export function describeOptionText(spec: OptionSpec): string {
  const text = describeText(spec.flag?.text ?? spec.value);
  return spec.off !== undefined && spec.flag?.syntax.startsWith('--no-') !== true ? `${text} or 'off'` : text;
}

/**
 * The option's value from text (a flag, a form field): `off` where the option has an off value, otherwise the
 * flag's reading (`--noise 0.1` → `{ x: 0.1, y: 0.1, anneal: true }`) or the option's. Throws an InputError with
 * `reason` "expected …, got '…'" when the text is not one.
 */
export function parseOptionText(spec: OptionSpec, text: string): unknown {
  if (spec.off !== undefined && text.trim().toLowerCase() === 'off') return spec.off;
  const kind = spec.flag?.text ?? spec.value;
  const value = parseValueText(kind, text);
  if (value === undefined) {
    const reason = `expected ${describeOptionText(spec)}, got '${text}'`;
    throw new InputError(`${spec.name} ${reason}`, { code: 'invalid-option', option: spec.name, reason });
  }
  return spec.flag?.toOption ? spec.flag.toOption(value) : value;
}

/** Writes `value` at the option's place in a plan's options (`model.components` → `options.model.components`). */
export function setOption(options: Record<string, unknown>, name: string, value: unknown): void {
  const [head, field] = name.split('.') as [string, string | undefined];
  if (field === undefined) {
    options[head] = value;
    return;
  }
  if (options[head] === undefined) options[head] = {};
  (options[head] as Record<string, unknown>)[field] = value;
}

/**
 * The options as a Markdown page: docs/options.md is this text, written by `pnpm docs:options`
 * (tooling/scripts/options-doc.mjs); a test keeps them equal.
 */
export function optionsMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = TRAIN_OPTIONS.map(
    (spec) =>
      `| \`${spec.name}\` | ${cell(describeValue(spec.value))} | ${cell(describeDefault(spec, { direct: true }))} | ${cell(spec.help)} | ${
        spec.flag ? `\`${spec.flag.syntax}\`` : ''
      } |`,
  );
  return [
    '# Training options',
    '',
    '<!-- Written by `pnpm docs:options` from packages/core/src/options/schema.ts: edit the schema, not this file. -->',
    '',
    'Every option of `train(x, y, options)`, `planTraining` and `startTraining` (the architecture under `model`),',
    'and the `mdn train` flag that sets it. An option left out takes its default; where the default is derived from',
    "the data, the plan says how (`describeTrainPlan`, `mdn train`'s opening lines). Why each default has its value:",
    '[decisions/training-defaults.md](decisions/training-defaults.md).',
    '',
    '| option | values | default | what it does | `mdn train` |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
