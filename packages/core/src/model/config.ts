import { InputError, optionError } from '../errors.js';
import { factorCount } from '../math/precision-factor.js';
import type { ComponentFamily } from '../mixture/components/standard.js';
import type { Discretisation } from '../mixture/discrete.js';
import { DEFAULT_MDN_CONFIG, requireOption } from '../options/schema.js';
import { checkValue } from '../options/values.js';

/** Activation of the hidden layers. */
export type Activation = 'relu' | 'tanh' | 'silu' | 'elu';

/**
 * How raw head outputs become standard deviations.
 * - `'softplus'` (default): σ = softplus(raw) + scaleFloor — never 0 in float32.
 * - `'elu-plus-one'`: σ = elu(raw) + 1, the forum's choice, kept only to reproduce its failure: it underflows
 *   to exactly 0 for raw < −17 in float32.
 */
export type ScaleActivation = 'softplus' | 'elu-plus-one';

/**
 * Covariance of each component over multivariate targets.
 * - `'diagonal'` (default): independent target dimensions within a component (correlation only between components).
 * - `'full'`: a full covariance per component through its precision factor Σ⁻¹ = AᵀA, A = diag(1/σ)(I + L), L strictly
 *   upper-triangular (one more head with K·D(D − 1)/2 outputs). Correlated targets need far fewer components.
 *   The same as `'diagonal'` for one target.
 */
export type Covariance = 'diagonal' | 'full';

/**
 * A point mass of a one-column target at an end of its range: the value a capped (top-coded) target is recorded at,
 * or the zero of a zero-inflated one. The prediction adds one narrow component at `value` whose weight, row by row,
 * is the probability the rest of the mixture gives to the targets beyond `value ∓ reach` (`'upper'`: above
 * `value − reach`; `'lower'`: below `value + reach`); the other components keep the remaining weight. Noise
 * regularisation and a smooth fit spread a point mass over about ± the noise bandwidth, which the reach gathers back.
 * All in original target units. `train` finds them in the training targets (see TRAIN_DEFAULTS.atoms).
 */
export interface TargetAtom {
  /** Where the point mass sits: the smallest (`'lower'`) or largest (`'upper'`) training target. */
  value: number;
  /** Which end of the target's range it is. */
  side: 'lower' | 'upper';
  /** Standard deviation of its component (`train`: the scale floor, the narrowest any component may be). */
  scale: number;
  /** How far inside the range the mass gathered into the atom reaches (≥ 0). */
  reach: number;
}

/** The architecture of a mixture density network; the defaults are {@link DEFAULT_MDN_CONFIG} (the option schema's). */
export interface MdnConfig {
  /** Number of input columns. */
  inputDimension: number;
  /** Number of target columns (D). */
  outputDimension: number;
  /** Mixture components (K). */
  components: number;
  /** Hidden layer widths of the MLP trunk (`train` widens them on large data). */
  hidden: number[];
  /** Hidden activation. */
  activation: Activation;
  /** How σ is produced from the scale head. */
  scaleActivation: ScaleActivation;
  /** Lower bound added to σ, in standardised target units (only with 'softplus'). */
  scaleFloor: number;
  /** Covariance of each component (see {@link Covariance}). */
  covariance: Covariance;
  /**
   * The components' distribution: `'gaussian'` (default) or `'laplace'` (density e^{−|y−μ|/b}/(2b) per target, b
   * from the scale head as σ is; heavier tails: a target 10 scales out costs 10 nats instead of 50; exact CDF,
   * quantiles and CRPS in closed form). Laplace components are diagonal (no `covariance: 'full'`).
   */
  family: ComponentFamily;
  /**
   * Networks in the model (an ensemble when > 1): the prediction is the equal-weight mixture of theirs, K ×
   * members components. Ensembles come from training (`ensemble` option) or
   * `MixtureDensityNetwork.ensemble`.
   */
  members: number;
  /**
   * Predictive tails: each component's weight π is split into (1 − tailWeight)·π at σ and tailWeight·π at
   * `tailScale`·σ (same mean, same correlations), so the prediction is a mixture of 2·K components per member whose
   * tails are heavier than the K Gaussians fitted to the training rows. A model fitted to a few hundred rows is
   * overconfident away from them; the wider companion keeps a surprising test row from costing 15 nats. 0 (the
   * default of a network made directly) turns it off; `train` sets it from the data (see the option `model.tailWeight`).
   */
  tailWeight: number;
  /** How much wider the tail companions are (σ × tailScale). */
  tailScale: number;
  /**
   * Point masses at the ends of a one-column target's range (see {@link TargetAtom}): at most one per end, one
   * component each after every other component of the mixture. `train` adds those it finds in the training targets.
   */
  atoms: readonly TargetAtom[];
  /**
   * A whole-number target (ratings, counts): P(y = k) is the mixture's mass on [k − ½, k + ½] (and below the lower
   * edge for the edge's value), in original units; null for a continuous target. `train` sets it from the data (see
   * the option `target`).
   */
  discrete: Discretisation | null;
}

/** The defaults and the hidden-layer activations are the option schema's (options/schema.ts). */
export { ACTIVATIONS, DEFAULT_MDN_CONFIG } from '../options/schema.js';

/**
 * The most trainable parameters a network may have: 50 million (200 MB of float32 weights; training holds about
 * four times that with the gradients and Adam's moments). Checked before anything is allocated, so a mistyped
 * width or a corrupt model file fails at once with a message instead of exhausting memory.
 */
export const MAX_PARAMETERS = 50_000_000;

/** Whether a configuration predicts full-covariance components (needs D ≥ 2; the same as diagonal for D = 1). */
export function hasFactorHead(config: Pick<MdnConfig, 'covariance' | 'outputDimension'>): boolean {
  return config.covariance === 'full' && config.outputDimension >= 2;
}

/**
 * The dense layers of one network, in save order: [name, fan-in, fan-out]; each has a kernel and a bias. The
 * heads follow the trunk: logits, means, scales and, for full covariance, the precision factors.
 */
export function layerLayout(config: MdnConfig): [string, number, number][] {
  const { inputDimension, outputDimension: d, components: k, hidden } = config;
  const layout: [string, number, number][] = [];
  let width = inputDimension;
  hidden.forEach((next, i) => {
    layout.push([`trunk.${i}`, width, next]);
    width = next;
  });
  layout.push(['head.logits', width, k], ['head.means', width, k * d], ['head.scales', width, k * d]);
  if (hasFactorHead(config)) layout.push(['head.factors', width, k * factorCount(d)]);
  return layout;
}

/**
 * Checks weight tensors (save order: each network's {@link layerLayout}, kernel then bias, `member.<m>.` first in an
 * ensemble) against the architecture: their count, shapes and sizes. Throws an InputError naming the first that
 * does not match.
 */
export function checkWeightShapes(
  config: MdnConfig,
  weights: readonly { shape: readonly number[]; values: ArrayLike<number> }[],
): void {
  const layout = Array.from({ length: config.members }, (_, m) =>
    layerLayout(config).map(
      ([name, fanIn, fanOut]) => [config.members === 1 ? name : `member.${m}.${name}`, fanIn, fanOut] as const,
    ),
  ).flat();
  if (weights.length !== layout.length * 2) {
    throw new InputError(`expected ${layout.length * 2} weight tensors, got ${weights.length}`);
  }
  layout.forEach(([name, fanIn, fanOut], i) => {
    for (const [j, shape] of [[fanIn, fanOut], [fanOut]].entries()) {
      const w = weights[2 * i + j]!;
      const what = `${name}.${j === 0 ? 'kernel' : 'bias'}`;
      if (w.shape.length !== shape.length || w.shape.some((size, e) => size !== shape[e])) {
        throw new InputError(`weight ${2 * i + j} (${what}) must have shape [${shape}], got [${w.shape}]`);
      }
      const size = shape.reduce((a, b) => a * b, 1);
      if (w.values.length !== size) throw new InputError(`weight ${2 * i + j} (${what}) must hold ${size} values`);
    }
  });
}

/** Trainable parameters of the whole model (every ensemble member), computed from the configuration alone. */
export function parameterCount(config: MdnConfig): number {
  return config.members * layerLayout(config).reduce((total, [, fanIn, fanOut]) => total + (fanIn + 1) * fanOut, 0);
}

/**
 * Float32 values one input row holds on the backend at the peak of a forward pass with the mixture's log-density
 * (the activations of every layer, and about a dozen terms per component and target: weights, means, scales,
 * standardised residuals, their squares and sums), generously counted. A step's backward pass holds about as much
 * again. Prediction and evaluation size their blocks of rows by it (see {@link rowsPerBlock}).
 */
export function floatsPerRow(config: MdnConfig): number {
  const width = config.components * (config.tailWeight > 0 ? 2 : 1) + config.atoms.length;
  const perComponent =
    1 + 2 * config.outputDimension + (hasFactorHead(config) ? factorCount(config.outputDimension) : 0);
  const trunk = config.inputDimension + config.hidden.reduce((total, h) => total + h, 0);
  return config.members * (3 * trunk + 12 * width * perComponent);
}

/**
 * Float32 values a block of rows may hold on the backend at once in prediction and evaluation: 2²⁶ (256 MB), well
 * inside the WebAssembly backend's heap (4 GB at most, which prediction of 2.5 million rows at once exhausted).
 */
export const BLOCK_FLOATS = 2 ** 26;

/**
 * Rows per block of prediction or evaluation for this architecture: at most `most`, and as many as keep a block's
 * values on the backend within {@link BLOCK_FLOATS} (at least 1). The default networks get 65 536; a mixture of
 * thousands of components far fewer.
 */
export function rowsPerBlock(config: MdnConfig, most: number): number {
  return Math.max(1, Math.min(most, Math.floor(BLOCK_FLOATS / floatsPerRow(config))));
}

/**
 * The most memory a training run may plan to hold (bytes): 2 GiB, half the WebAssembly backend's 4 GB heap. A run
 * above it is refused before anything is allocated (see {@link trainingBytes}); it would otherwise exhaust the
 * heap minutes later and abort the runtime.
 */
export const MAX_TRAINING_BYTES = 2 ** 31;

/**
 * The memory (bytes) training this architecture at `batchSize` rows per step holds, counted generously: per
 * network its weights, gradients, Adam's two moments, the best weights so far and one more copy for the update,
 * the trained members of an ensemble kept until they are combined (and the combined model), and the activations of a step (forward and
 * backward, see {@link floatsPerRow}) and of an evaluation block.
 */
export function trainingBytes(config: MdnConfig, batchSize: number, networks = config.members): number {
  const one = { ...config, members: 1 };
  const weights = parameterCount(one);
  const activations = 2 * batchSize * floatsPerRow(one);
  const evaluation = rowsPerBlock(one, 4096) * floatsPerRow(one);
  return 4 * (6 * weights + 2 * networks * weights + activations + evaluation);
}

/** Fills defaults and validates; throws an error naming the bad field and the allowed values. */
export function resolveConfig(
  config: Partial<MdnConfig> & Pick<MdnConfig, 'inputDimension' | 'outputDimension'>,
): MdnConfig {
  const resolved: MdnConfig = {
    ...DEFAULT_MDN_CONFIG,
    ...config,
    hidden: [...(config.hidden ?? DEFAULT_MDN_CONFIG.hidden)],
    discrete:
      config.discrete === undefined || config.discrete === null
        ? null
        : typeof config.discrete === 'object'
          ? { ...config.discrete }
          : config.discrete,
    atoms: Array.isArray(config.atoms)
      ? config.atoms.map((atom) => (typeof atom === 'object' && atom !== null ? { ...atom } : atom))
      : (config.atoms ?? []),
  };
  for (const name of ['inputDimension', 'outputDimension'] as const) {
    const reason = checkValue({ type: 'integer', min: 1 }, resolved[name]);
    if (reason !== undefined) throw optionError(name, reason);
  }
  // Each field as the option schema takes it (errors name the field: the plan names it model.field).
  for (const name of ['components', 'members', 'hidden', 'activation', 'scaleActivation', 'covariance'] as const) {
    requireOption(`model.${name}`, resolved[name], name);
  }
  requireOption('model.family', resolved.family, 'family');
  if (resolved.family !== 'gaussian' && hasFactorHead(resolved)) {
    throw optionError('family', `'${resolved.family}' components are diagonal: use covariance 'diagonal' with it`);
  }
  if (resolved.covariance === 'full' && resolved.scaleActivation !== 'softplus') {
    throw optionError('covariance', "'full' needs scaleActivation 'softplus' (its scale floor bounds the density)");
  }
  for (const name of ['scaleFloor', 'tailWeight', 'tailScale'] as const) {
    requireOption(`model.${name}`, resolved[name], name);
  }
  checkAtoms(resolved);
  checkDiscrete(resolved);
  const parameters = parameterCount(resolved);
  if (parameters > MAX_PARAMETERS) {
    throw new InputError(
      `a network with hidden [${resolved.hidden.join(', ')}], ${resolved.components} components, ` +
        `${resolved.inputDimension} inputs and ${resolved.outputDimension} targets` +
        `${resolved.members > 1 ? ` (× ${resolved.members} members)` : ''} has ${parameters.toExponential(2)} parameters; ` +
        `the limit is ${MAX_PARAMETERS.toExponential(0)}: use narrower layers or fewer components`,
      { code: 'invalid-option', option: 'hidden' },
    );
  }
  return resolved;
}

/** Refuses a discretisation a model cannot use: one target column, a whole-number lower edge or none. */
function checkDiscrete(config: MdnConfig): void {
  const { discrete } = config;
  if (discrete === null) return;
  if (typeof discrete !== 'object' || !('lower' in discrete)) {
    throw optionError('discrete', 'must be null or { lower: a whole number or null }');
  }
  if (discrete.lower !== null && !Number.isSafeInteger(discrete.lower)) {
    throw optionError('discrete.lower', `must be a whole number or null, got ${String(discrete.lower)}`);
  }
  if (config.outputDimension !== 1) {
    throw optionError('discrete', `needs one target column; this model has ${config.outputDimension}`);
  }
  if (config.atoms.length > 0) throw optionError('discrete', 'has no point masses (atoms): its values are its bins');
}

/** Refuses atoms a model cannot use: see {@link TargetAtom}. */
function checkAtoms(config: MdnConfig): void {
  if (!Array.isArray(config.atoms)) throw optionError('atoms', 'must be a list of { value, side, scale, reach }');
  if (config.atoms.length > 0 && config.outputDimension !== 1) {
    throw optionError('atoms', `need one target column; this model has ${config.outputDimension}`);
  }
  const sides = new Set<string>();
  for (const [i, atom] of config.atoms.entries()) {
    if (typeof atom !== 'object' || atom === null)
      throw optionError(`atoms[${i}]`, `must be { value, side, scale, reach }`);
    if (atom.side !== 'lower' && atom.side !== 'upper') {
      throw optionError(`atoms[${i}].side`, `must be 'lower' or 'upper', got '${String(atom.side)}'`);
    }
    if (sides.has(atom.side)) throw optionError('atoms', `has two '${atom.side}' atoms; at most one per end`);
    sides.add(atom.side);
    if (!Number.isFinite(atom.value))
      throw optionError(`atoms[${i}].value`, `must be a finite number, got ${atom.value}`);
    if (!(atom.scale > 0 && Number.isFinite(atom.scale))) {
      throw optionError(`atoms[${i}].scale`, `must be a positive number, got ${atom.scale}`);
    }
    if (!(atom.reach >= 0 && Number.isFinite(atom.reach))) {
      throw optionError(`atoms[${i}].reach`, `must be ≥ 0, got ${atom.reach}`);
    }
  }
  const lower = config.atoms.find((atom) => atom.side === 'lower');
  const upper = config.atoms.find((atom) => atom.side === 'upper');
  if (lower && upper && !(lower.value + lower.reach < upper.value - upper.reach)) {
    throw optionError(
      'atoms',
      `reach too far: the lower one gathers up to ${lower.value + lower.reach}, the upper one from ${upper.value - upper.reach}; use shorter reaches`,
    );
  }
}
