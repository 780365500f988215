import { isRawInput, type RawInput } from '../data/columns.js';
import { assertFinite, type Matrix, type MatrixInput, toMatrix } from '../data/matrix.js';
import { InputError } from '../errors.js';
import { columnMoments } from '../math/host-math.js';
import type { HostMixture } from '../mixture/host-mixture.js';
import { calibrationError, pit } from '../mixture/scores.js';
import type { MixtureDensityNetwork } from '../model/network.js';
import { yieldToEventLoop } from '../runtime.js';
import { TRAIN_DEFAULTS } from '../train/plan.js';
import { crossFittedBaselines } from './baselines.js';

/** The fewest rows {@link diagnose} accepts: its baselines are fitted on half of them. */
export const MIN_DIAGNOSE_ROWS = 10;

/** How serious a finding is. */
export type Severity = 'info' | 'warning' | 'problem';

/**
 * A held-out NLL this far (nats/row) above the training NLL is called overfitting. Measured on bench:real, default fits
 * stay below 0.7 (heavy-tailed targets such as wages reach 0.6 from a few outliers); overfit runs reach 2–18.
 */
const OVERFIT_GAP = 1;

/** One thing the diagnostics noticed, in plain words, with what to do about it. */
export interface Finding {
  code:
    | 'non-finite'
    | 'ignores-input'
    | 'worse-than-unconditional'
    | 'worse-than-baseline'
    | 'dead-components'
    | 'duplicate-components'
    | 'scale-at-floor'
    | 'miscalibrated'
    | 'overfitting'
    | 'discrete-target';
  severity: Severity;
  message: string;
  advice: string;
}

/** Figures behind the findings (nats per row are in original units). */
export interface DiagnosisMetrics {
  rows: number;
  /** Input columns. */
  inputs: number;
  /** Mean NLL of the model on the data. */
  nll: number;
  /** Mean NLL of the unconditional K-component mixture fitted to y alone (out of sample: two-fold cross-fitted). */
  unconditionalNll: number;
  /** Mean NLL of the linear heteroscedastic Gaussian (k = 1) baseline (out of sample: two-fold cross-fitted). */
  linearBaselineNll: number;
  /**
   * Input columns the linear baseline used: all that vary, or on a wide table the MAX_LINEAR_INPUTS (100) most
   * correlated with a target.
   */
  linearBaselineInputs: number;
  /** The model's point masses (MdnConfig.atoms), which both baselines were given too. */
  pointMasses: number;
  /** unconditionalNll − nll: how much knowing x helps the model (≈ 0 for a collapsed model). */
  gainOverUnconditional: number;
  /** unconditionalNll − linearBaselineNll: how much x helps even a linear model. */
  baselineGainOverUnconditional: number;
  /** R² of the predicted mean, per target dimension. */
  meanR2: number[];
  /** R² of the linear baseline's mean, per target dimension. */
  baselineMeanR2: number[];
  /** Average weight of each component over the rows. */
  componentUsage: number[];
  /** exp(entropy) of the average weights: how many components are in use. */
  effectiveComponents: number;
  /** Fraction of rows where a used component's σ is within 5 % of the floor. */
  scaleAtFloorFraction: number;
  /** PIT calibration error over all rows (D = 1: the target; D > 1: mean over dimensions). */
  calibrationError: number;
  /** PIT calibration error within each of the x-bins. */
  binCalibrationErrors: number[];
  /** Non-finite parameters or log-densities found. */
  nonFinite: number;
  /**
   * How far the held-out NLL is above the training NLL, nats per row: the larger of the training run's own
   * validation − training gap (from the model's record) and this data's NLL − the training NLL; null without a
   * training record. The finding needs a gap above 1 nat that is also 3 standard errors clear of its rows' noise.
   */
  generalisationGap: number | null;
}

/** The report of {@link diagnose}. */
export interface Diagnosis {
  /** 'ok' without warnings or problems. */
  status: 'ok' | 'warning' | 'problem';
  findings: Finding[];
  metrics: DiagnosisMetrics;
}

/** Options for {@link diagnose}. */
export interface DiagnoseOptions {
  /** Number of x-bins for the conditional calibration check. Default: 5 (fewer for small data). */
  bins?: number;
  /**
   * For an ensemble: score row i by network `networks[i]` (0-based) alone, not by the whole ensemble. With an
   * ensemble's out-of-bag rows (`TrainResult.outOfBag`: each row with the network that held it out) this diagnoses
   * the ensemble on held-out data when no rows were held out from it as a whole. Each row is then judged by one
   * network, which is a little less sharp and less calibrated than the ensemble: the check errs on the strict side.
   */
  networks?: ArrayLike<number>;
}

function r2(y: Matrix, mean: ArrayLike<number>): number[] {
  const { rows: n, columns: d } = y;
  const means = columnMoments(y).mean;
  return Array.from({ length: d }, (_, e) => {
    const m = means[e]!;
    let total = 0;
    let residual = 0;
    for (let i = 0; i < n; i++) {
      total += (y.data[i * d + e]! - m) ** 2;
      residual += (y.data[i * d + e]! - mean[i * d + e]!) ** 2;
    }
    return total > 0 ? 1 - residual / total : 0;
  });
}

/** max − min, without spreading the array into arguments (which overflows the stack near 125 000 values). */
function spread(values: ArrayLike<number>): number {
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < values.length; i++) {
    low = Math.min(low, values[i]!);
    high = Math.max(high, values[i]!);
  }
  return high - low;
}

const meanOf = (values: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
};

/**
 * Everything the checks look at, measured once: the model's prediction and log-densities on the data, the two
 * baselines scored out of sample, the components' usage, the PIT by x-bins and the generalisation gaps.
 */
interface DiagnosisContext {
  model: MixtureDensityNetwork;
  n: number;
  d: number;
  /** The predicted mixtures (with `networks`, each row's network's). */
  host: HostMixture;
  /** Their networks' own components (no tail companions, no point masses). */
  components: HostMixture;
  nll: number;
  nonFinite: number;
  unconditionalNll: number;
  linearBaselineNll: number;
  linearInputs: number;
  gain: number;
  baselineGain: number;
  meanR2: number[];
  baselineMeanR2: number[];
  /** A difference of NLLs (nats/row) this large is more than noise on these rows. */
  significant: number;
  /** The predicted mean hardly moves with x. */
  flat: boolean;
  usage: Float64Array;
  effectiveComponents: number;
  /** Below this average weight a component is dead. */
  deadBelow: number;
  scaleAtFloorFraction: number;
  calibration: number;
  binErrors: number[];
  /** The x-bin whose PIT is worst against its threshold. */
  worstBin: { error: number; bin: number; threshold: number };
  bins: number;
  /** Generalisation gaps (held-out − training NLL), each with whether it is clear of its rows' noise. */
  gaps: { gap: number; clear: boolean }[];
  finalTrain: number | null;
  /** How far the validation NLL rose above its best in a model that kept its last weights. */
  rise: number;
}

/** One check: a finding about the context, or none. */
type Check = (context: DiagnosisContext) => Finding | null;

/** NaN or infinite parameters or log-densities. */
const nonFiniteCheck: Check = ({ nonFinite }) =>
  nonFinite === 0
    ? null
    : {
        code: 'non-finite',
        severity: 'problem',
        message: `${nonFinite} predicted parameters or log-densities are NaN or infinite.`,
        advice:
          'Retrain with the defaults (standardize on, scaleActivation "softplus" with a floor); elu + 1 gives σ = 0 in float32 for large negative inputs.',
      };

/** The fit against the baselines: a prediction that ignores x, one worse than ignoring x, or than a linear model. */
const fitCheck: Check = (c) => {
  const worseThanUnconditional = c.nll > c.unconditionalNll + c.significant;
  if (c.baselineGain > 2 * c.significant && c.gain < 0.25 * c.baselineGain && (c.flat || !worseThanUnconditional)) {
    return {
      code: 'ignores-input',
      severity: 'problem',
      message:
        `The prediction barely depends on x: knowing x improves the model's NLL by only ${c.gain.toFixed(3)} nats/row over the ` +
        `unconditional mixture, while a linear heteroscedastic Gaussian gains ${c.baselineGain.toFixed(3)}. ` +
        `R² of the predicted mean is ${c.meanR2.map((v) => v.toFixed(2)).join(', ')} (linear baseline: ${c.baselineMeanR2.map((v) => v.toFixed(2)).join(', ')}). ` +
        'This is the collapsed solution: the same mixture for every x.',
      advice:
        (c.model.metadata.plan === undefined
          ? // Not trained by train(): the most common cause of this symptom is in the user's own loss.
            'If you trained this model in your own loop, check the loss first: the target must have exactly the shape [N, D] of the batch. ' +
            "PyTorch's MixtureSameFamily.log_prob broadcasts a [B, 1] target against a batch of B mixtures into a [B, B] matrix, " +
            'which fits every row to the marginal p(y) and gives exactly this symptom (GaussianMixture.logProb refuses such a target). Then: s'
          : 'S') +
        `tandardise x and y (the default), lower the learning rate (${TRAIN_DEFAULTS.learningRate} with warm-up is the default), keep the mean-first warm-up on, and check ` +
        'that x actually reaches the model (right columns, no constant input).',
    };
  }
  if (worseThanUnconditional) {
    return {
      code: 'worse-than-unconditional',
      severity: 'problem',
      message:
        `The model predicts worse than ignoring x altogether: NLL ${c.nll.toFixed(3)} nats/row, while a mixture fitted to y alone ` +
        `scores ${c.unconditionalNll.toFixed(3)} (out of sample) and a linear heteroscedastic Gaussian ${c.linearBaselineNll.toFixed(3)}.`,
      advice:
        'Its predictions are confidently wrong on this data: check that this data matches the training data (same columns, ' +
        'units and range of x), look for outliers or heavy tails in y (a few extreme rows dominate the NLL), and retrain with ' +
        'the defaults, which hold out validation rows and stop before overfitting.',
    };
  }
  if (c.nll > c.linearBaselineNll + c.significant) {
    return {
      code: 'worse-than-baseline',
      severity: 'warning',
      message: `A linear heteroscedastic Gaussian fits better than the model: NLL ${c.linearBaselineNll.toFixed(3)} vs ${c.nll.toFixed(3)} nats/row.`,
      advice:
        'Train longer (more epochs or patience), check for overfitting on small data (validation loss), or reduce the learning rate.',
    };
  }
  return null;
};

/** Components that carry (almost) no weight. */
const deadComponentsCheck: Check = ({ usage, deadBelow, effectiveComponents, components, model }) => {
  const k = usage.length;
  // Networks whose components the summaries see side by side (with `networks`, each row's own: one at a time).
  const networks = components.parts.networks.length;
  const dead = Array.from(usage).filter((u) => u < deadBelow).length;
  const suggested = Math.max(1, Math.min(k - dead, Math.ceil(effectiveComponents)));
  if (!(k > 1 && dead > 0 && suggested < k)) return null;
  return {
    code: 'dead-components',
    severity: 'info',
    message: `${dead} of ${k} components carry less than ${(100 * deadBelow).toPrecision(2)} % of the weight on average (effective number of components: ${effectiveComponents.toFixed(1)}).`,
    advice:
      model.config.members > 1
        ? `Harmless: the data needs fewer components. About ${Math.max(1, Math.ceil(suggested / networks))} per network (components) give a smaller, faster ensemble.`
        : `Harmless: the data needs fewer components. Set components to about ${suggested} for a smaller, faster model.`,
  };
};

/** Components of one network with nearly the same means and scales everywhere. */
const duplicatesCheck: Check = ({ usage, deadBelow, components, model, n, d }) => {
  const k = usage.length;
  const networks = components.parts.networks.length;
  // An ensemble's networks are meant to agree: only components of the same network are compared, and named by their
  // place within their network.
  const networkOf = (c: number) => components.parts.networkOf(c)!;
  const ofNetwork = new Map(
    components.parts.networks.map((m) => [
      m,
      components.parts.where((role) => role.kind === 'network' && role.network === m),
    ]),
  );
  const name = (c: number) => `${ofNetwork.get(networkOf(c))!.indexOf(c) + 1}`;
  // Pairs among the 32 most used live components (the check is O(pairs · rows)).
  const live = Array.from(usage.keys())
    .filter((c) => usage[c]! >= deadBelow)
    .sort((a, b) => usage[b]! - usage[a]!)
    .slice(0, 32)
    .sort((a, b) => a - b);
  const duplicates: string[] = [];
  for (const [position, a] of live.entries()) {
    for (const b of live.slice(position + 1)) {
      if (networkOf(a) !== networkOf(b)) continue;
      let separation = 0;
      let scaleRatio = 0;
      for (let i = 0; i < n; i++) {
        for (let e = 0; e < d; e++) {
          const ia = (i * k + a) * d + e;
          const ib = (i * k + b) * d + e;
          separation +=
            Math.abs(components.means[ia]! - components.means[ib]!) / (components.scales[ia]! + components.scales[ib]!);
          scaleRatio += Math.abs(Math.log(components.scales[ia]! / components.scales[ib]!));
        }
      }
      if (separation / (n * d) < 0.05 && scaleRatio / (n * d) < 0.05) {
        duplicates.push(`${name(a)}&${name(b)}${networks > 1 ? ` of network ${networkOf(a) + 1}` : ''}`);
      }
    }
  }
  if (duplicates.length === 0) return null;
  return {
    code: 'duplicate-components',
    severity: 'info',
    message: `Components ${duplicates.join(', ')} have nearly the same means and scales everywhere: they act as one.`,
    advice:
      model.config.members > 1
        ? 'Harmless for the density; fewer components per network (components) give the same fit faster.'
        : 'Harmless for the density; fewer components give the same fit faster.',
  };
};

/** A used component's σ at its floor in more than 1 % of rows. */
const scaleFloorCheck: Check = ({ scaleAtFloorFraction }) =>
  scaleAtFloorFraction > 0.01
    ? {
        code: 'scale-at-floor',
        severity: 'warning',
        message: `In ${(100 * scaleAtFloorFraction).toFixed(1)} % of rows a component's σ sits at its floor: the model claims near-exact predictions there.`,
        advice:
          'Usually repeated or discrete target values. Keep noise regularisation on, raise scaleFloor, or deduplicate the data; check the log-likelihood on held-out data.',
      }
    : null;

/** Miscalibration in part of the x-range (PIT within x-bins). */
const calibrationCheck: Check = ({ worstBin, bins, calibration }) =>
  worstBin.error > worstBin.threshold
    ? {
        code: 'miscalibrated',
        severity: 'warning',
        message:
          `Predicted distributions are miscalibrated in part of the x-range: PIT calibration error ${worstBin.error.toFixed(3)} in x-bin ${worstBin.bin + 1} of ${bins} ` +
          `(a calibrated model stays below about ${worstBin.threshold.toFixed(3)}). Overall: ${calibration.toFixed(3)}.`,
        advice:
          'The spread is wrong for those x. Train longer, add components, or check for a shift between training data and this data.',
      }
    : null;

/** Held-out NLL well above the training NLL, or a validation NLL that rose in a model that kept its last weights. */
const overfittingCheck: Check = ({ gaps, rise, finalTrain }) => {
  const overfitGaps = gaps.filter((g) => g.clear && g.gap > OVERFIT_GAP).map((g) => g.gap);
  if (overfitGaps.length === 0 && !(rise > OVERFIT_GAP)) return null;
  const parts = [];
  if (overfitGaps.length > 0) {
    parts.push(
      `held-out NLL is ${overfitGaps.reduce((m, g) => Math.max(m, g), -Infinity).toFixed(3)} nats/row above the training NLL (${finalTrain!.toFixed(3)})`,
    );
  }
  if (rise > OVERFIT_GAP) {
    parts.push(
      `the validation NLL rose ${rise.toFixed(3)} nats/row above its best while training went on, and the model kept its last weights`,
    );
  }
  return {
    code: 'overfitting',
    severity: 'warning',
    message: `The model overfits its training rows: ${parts.join('; ')}.`,
    advice:
      'Train for fewer steps (fewer epochs, or keep early stopping and restoreBest on), add noise regularisation (--noise), ' +
      'average an ensemble of models, or use more data. The library defaults derive all of these from the data size.',
  };
};

/** A whole-number target: what its NLL means (probabilities, not densities), said once. */
const discreteCheck: Check = ({ model }) => {
  const discrete = model.config.discrete;
  if (!discrete) return null;
  return {
    code: 'discrete-target',
    severity: 'info',
    message:
      `The target is whole numbers${discrete.lower !== null ? ` from ${discrete.lower}` : ''}: the NLL is −log P(y) per row (a probability, so ≥ 0 and ` +
      'comparable across models), and both baselines are scored the same way.',
    advice:
      'Nothing to do. A density fitted to such values would put spikes on them and report NLLs far below 0 that mean ' +
      "nothing; target 'continuous' (--target continuous) fits a density all the same.",
  };
};

/** The checks, in the order their findings are reported. */
const CHECKS: readonly Check[] = [
  discreteCheck,
  nonFiniteCheck,
  fitCheck,
  deadComponentsCheck,
  duplicatesCheck,
  scaleFloorCheck,
  calibrationCheck,
  overfittingCheck,
];

/** The data checked and read for {@link diagnose}, or an InputError saying what is wrong. */
function checkedData(
  model: MixtureDensityNetwork,
  x: MatrixInput | RawInput,
  y: MatrixInput,
  options: DiagnoseOptions,
) {
  // Raw rows (a table, records) are read through the model's input schema, as its predictions read them.
  const xm = isRawInput(x) ? model.encodeInputs(x).x : toMatrix(x, 'inputs');
  const ym = toMatrix(y, 'targets');
  if (xm.rows !== ym.rows) {
    throw new InputError(`inputs have ${xm.rows} rows but targets have ${ym.rows}; they must match row for row`);
  }
  if (xm.rows < MIN_DIAGNOSE_ROWS) {
    throw new InputError(
      `diagnose needs at least ${MIN_DIAGNOSE_ROWS} rows to compare the model with its baselines, got ${xm.rows}; ` +
        'give it more held-out rows',
    );
  }
  if (xm.columns !== model.config.inputDimension || ym.columns !== model.config.outputDimension) {
    throw new InputError(
      `the model takes ${model.config.inputDimension} input and ${model.config.outputDimension} target columns; ` +
        `the data has ${xm.columns} and ${ym.columns}`,
    );
  }
  assertFinite(xm, 'inputs', model.metadata.inputColumns);
  assertFinite(ym, 'targets', model.metadata.targetColumns);
  if (options.networks !== undefined && model.config.members < 2) {
    throw new InputError('networks: this model is one network, not an ensemble; diagnose it without networks');
  }
  return { xm, ym };
}

/** Measures everything the checks look at (see {@link DiagnosisContext}). */
async function measure(
  model: MixtureDensityNetwork,
  xm: Matrix,
  ym: Matrix,
  options: DiagnoseOptions,
): Promise<DiagnosisContext> {
  const n = xm.rows;
  const d = model.config.outputDimension;
  const byNetwork = options.networks;
  const full = await model.predictHost(xm);
  const host = byNetwork ? model.networkPrediction(full, byNetwork) : full;
  // Component summaries look at the networks' own components (not the tail companions of MdnConfig.tailWeight, not
  // the point masses): all of them, or with `networks` those of each row's network.
  const components = model.networkPart(host);
  const k = components.components;
  const logProb = byNetwork
    ? Float64Array.from({ length: n }, (_, i) => host.logProbAt(i, ym.data.subarray(i * d, (i + 1) * d)))
    : await model.logProb(xm, ym);
  let nonFinite = 0;
  for (const v of [host.logWeights, host.means, host.scales])
    for (const value of v) if (!Number.isFinite(value)) nonFinite++;
  let nllSum = 0;
  for (const v of logProb) {
    if (Number.isFinite(v)) nllSum -= v;
    else nonFinite++;
  }
  const nll = nonFinite > 0 ? Number.NaN : nllSum / n;

  // Scored out of sample (two-fold cross-fitting), like the model, which did not train on these rows either.
  // With the model's point masses (MdnConfig.atoms), which the baselines get too.
  // A turn of the event loop before and after the baselines (the longest part on a wide table): a signal handler
  // (Ctrl-C in the mdn command) runs there.
  await yieldToEventLoop();
  const { unconditional, linear, linearInputs } = crossFittedBaselines(
    xm,
    ym,
    k,
    host.parts.pointMasses.map((p) => p.atom),
    model.targetStandardiser.scale,
    host.discrete,
  );
  await yieldToEventLoop();
  const unconditionalNll = -meanOf(unconditional.logProb);
  const linearBaselineNll = -meanOf(linear.logProb);
  const predictedMean = host.mean();
  // How much the predicted mean moves with x, as a fraction of y's variance (≈ 0: the same prediction for every x).
  const ySpread = columnMoments(ym).sd;
  const meanSpread = columnMoments({ data: predictedMean, rows: n, columns: d }).sd;
  const meanMoves = Array.from(ySpread, (sd, e) => (sd > 0 ? (meanSpread[e]! / sd) ** 2 : 0));

  // Components: usage and effective number; dead below a tenth of an even share (and below 1 %), so that with many
  // components an even share is not "dead".
  const usage = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const w = components.weights(i);
    for (let c = 0; c < k; c++) usage[c]! += w[c]! / n;
  }
  let entropy = 0;
  for (const u of usage) if (u > 0) entropy -= u * Math.log(u);
  const deadBelow = Math.min(0.01, 0.1 / k);

  // Rows where a used component's σ is within 5 % of its floor.
  let atFloor = 0;
  const floorUnits = model.config.scaleActivation === 'softplus' ? model.config.scaleFloor : 0;
  for (let i = 0; i < n; i++) {
    const w = components.weights(i);
    let hit = false;
    for (let c = 0; c < k && !hit; c++) {
      if (w[c]! < 0.01) continue;
      for (let e = 0; e < d; e++) {
        const standardised = components.scales[(i * k + c) * d + e]! / model.targetStandardiser.scale[e]!;
        if (standardised <= floorUnits * 1.05 + 1e-12) hit = true;
      }
    }
    if (hit) atFloor++;
  }

  // Calibration within x-bins: bins by the linear baseline's fitted mean (a model-independent summary of x).
  const u = pit(host, ym.data);
  const calibration =
    d === 1
      ? calibrationError(u)
      : meanOf(Array.from({ length: d }, (_, e) => calibrationError(u.filter((_, i) => i % d === e))));
  let key = Float64Array.from({ length: n }, (_, i) => linear.mean[i * d]!);
  if (spread(key) < 1e-12) key = Float64Array.from({ length: n }, (_, i) => xm.data[i * xm.columns]!);
  const bins = Math.max(1, Math.min(options.bins ?? 5, Math.floor(n / 40)));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => key[a]! - key[b]!);
  const binErrors: number[] = [];
  let worstBin = { error: 0, bin: 0, threshold: 0 };
  for (let b = 0; b < bins; b++) {
    const rows = order.slice(Math.floor((b * n) / bins), Math.floor(((b + 1) * n) / bins));
    const values = rows.map((r) => u[r * d]!);
    const error = calibrationError(values);
    binErrors.push(error);
    // Expected error of a calibrated model with m rows is about 0.31/√m; allow 3× that, and at least 0.05.
    const threshold = Math.max(0.05, (3 * 0.313) / Math.sqrt(values.length));
    if (error - threshold > worstBin.error - worstBin.threshold) worstBin = { error, bin: b, threshold };
  }

  // Overfitting: from the model's own training record, and from this data against the training NLL. Each gap with
  // whether it is clear of its own noise: 3 standard errors of its mean row NLL (a few heavy-tailed rows in a small
  // validation or test set can raise the mean by a nat on their own). The record is typed (and checked on load); a
  // loss that was not finite is saved as null.
  const training = model.metadata.training ?? {};
  const finalTrain = training.finalTrainLoss ?? null;
  const finalValidation = training.finalValidationLoss ?? null;
  const gaps: { gap: number; clear: boolean }[] = [];
  if (finalTrain !== null && finalValidation !== null) {
    const error = training.finalValidationStandardError ?? 0;
    gaps.push({ gap: finalValidation - finalTrain, clear: finalValidation - finalTrain > 3 * error });
  }
  if (finalTrain !== null && Number.isFinite(nll)) {
    let squares = 0;
    for (const v of logProb) squares += (-v - nll) ** 2;
    const error = Math.sqrt(squares / Math.max(1, n - 1) / n);
    gaps.push({ gap: nll - finalTrain, clear: nll - finalTrain > 3 * error });
  }
  // Validation that rose while training went on, in a model that kept its last weights (not the best epoch's).
  const history = (model.metadata.history ?? []).filter(
    (e) => e.validationLoss !== null && Number.isFinite(e.validationLoss),
  );
  const keptLast = model.metadata.plan !== undefined && !model.metadata.plan.restoreBest;
  let rise = 0;
  if (keptLast && history.length > 1) {
    let best = Number.POSITIVE_INFINITY;
    for (const e of history) best = Math.min(best, e.validationLoss!);
    rise = history.at(-1)!.validationLoss! - best;
  }

  return {
    model,
    n,
    d,
    host,
    components,
    nll,
    nonFinite,
    unconditionalNll,
    linearBaselineNll,
    linearInputs,
    gain: unconditionalNll - nll,
    baselineGain: unconditionalNll - linearBaselineNll,
    meanR2: r2(ym, predictedMean),
    baselineMeanR2: r2(ym, linear.mean),
    significant: Math.max(0.02, 3 / Math.sqrt(n)),
    flat: meanMoves.every((v) => v < 0.05),
    usage,
    effectiveComponents: Math.exp(entropy),
    deadBelow,
    scaleAtFloorFraction: atFloor / n,
    calibration,
    binErrors,
    worstBin,
    bins,
    gaps,
    finalTrain,
    rise,
  };
}

/**
 * Checks a trained model on data (held-out data is best) and explains in plain words what went wrong:
 * a prediction that ignores x (compared with the unconditional mixture and a linear heteroscedastic k = 1
 * baseline), dead or duplicate components, σ stuck at its floor, NaN/Inf, PIT calibration within x-bins and
 * overfitting. Measures once, then runs each check (a list of `(context) => finding | null`).
 */
export async function diagnose(
  model: MixtureDensityNetwork,
  x: MatrixInput | RawInput,
  y: MatrixInput,
  options: DiagnoseOptions = {},
): Promise<Diagnosis> {
  const { xm, ym } = checkedData(model, x, y, options);
  const c = await measure(model, xm, ym, options);
  const findings = CHECKS.map((check) => check(c)).filter((finding): finding is Finding => finding !== null);
  const status = findings.some((f) => f.severity === 'problem')
    ? 'problem'
    : findings.some((f) => f.severity === 'warning')
      ? 'warning'
      : 'ok';
  return {
    status,
    findings,
    metrics: {
      rows: c.n,
      inputs: xm.columns,
      nll: c.nll,
      unconditionalNll: c.unconditionalNll,
      linearBaselineNll: c.linearBaselineNll,
      linearBaselineInputs: c.linearInputs,
      pointMasses: c.host.parts.pointMasses.length,
      gainOverUnconditional: c.gain,
      baselineGainOverUnconditional: c.baselineGain,
      meanR2: c.meanR2,
      baselineMeanR2: c.baselineMeanR2,
      componentUsage: Array.from(c.usage),
      effectiveComponents: c.effectiveComponents,
      scaleAtFloorFraction: c.scaleAtFloorFraction,
      calibrationError: c.calibration,
      binCalibrationErrors: c.binErrors,
      nonFinite: c.nonFinite,
      generalisationGap: c.gaps.length > 0 ? c.gaps.reduce((m, g) => Math.max(m, g.gap), -Infinity) : null,
    },
  };
}

/** The report as plain text, one finding per paragraph, with the key figures first. */
export function formatDiagnosis(diagnosis: Diagnosis): string {
  const m = diagnosis.metrics;
  const lines = [
    `status: ${diagnosis.status}`,
    `NLL ${m.nll.toFixed(4)} nats/row on ${m.rows} rows (unconditional mixture ${m.unconditionalNll.toFixed(4)}, linear heteroscedastic baseline ${m.linearBaselineNll.toFixed(4)}` +
      `${m.linearBaselineInputs === 0 ? ' without inputs (too few rows for a slope, or none varies)' : m.linearBaselineInputs < m.inputs ? ` on the ${m.linearBaselineInputs} of ${m.inputs} inputs most correlated with the target` : ''}` +
      `${m.pointMasses > 0 ? `, both with the model's point mass${m.pointMasses > 1 ? 'es' : ''}` : ''})`,
    `gain from x: ${m.gainOverUnconditional.toFixed(4)} nats/row (baseline: ${m.baselineGainOverUnconditional.toFixed(4)}); R² of the mean ${m.meanR2.map((v) => v.toFixed(3)).join(', ')}`,
    `components in use: ${m.effectiveComponents.toFixed(2)} (usage ${m.componentUsage.map((v) => v.toFixed(2)).join(' ')}); PIT calibration error ${m.calibrationError.toFixed(3)}`,
  ];
  if (diagnosis.findings.length === 0) lines.push('No problems found.');
  for (const f of diagnosis.findings) lines.push(`[${f.severity}] ${f.message}\n  → ${f.advice}`);
  return lines.join('\n');
}
