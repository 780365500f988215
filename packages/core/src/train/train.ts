/**
 * `train()` and `startTraining()`: the composition of the three pieces of training — the plan (plan.ts: every
 * default), the prepared data (prepare.ts: checks, split, standardisation, upload) and the run (run.ts: the
 * one loop, with the policies of policies.ts).
 */
import { activeBackend } from '../backend/adapter.js';
import type { RawInput } from '../data/columns.js';
import type { InputSchemaOptions } from '../data/input-schema.js';
import type { Matrix, MatrixInput } from '../data/matrix.js';
import type { Standardiser } from '../data/standardiser.js';
import { InputError, MdnError } from '../errors.js';
import { columnMoments } from '../math/host-math.js';
import { findBoundaryAtoms } from '../mixture/atoms-host.js';
import { MixtureDensityNetwork } from '../model/network.js';
import {
  checkOptionNames,
  PLAN_OPTION_NAMES,
  type PlanOptions,
  resolveTrainPlan,
  TRAIN_DEFAULTS,
  type TrainPlan,
} from './plan.js';
import {
  type CheckedData,
  type ColumnNames,
  checkTrainingData,
  fitStandardisers,
  prepareTrainingData,
  takeRows,
} from './prepare.js';
import { type ComponentChoice, trainingRecord } from './record.js';
import { historyRecord, type RunHooks, TrainingRun, type TrainResult } from './run.js';

/** Options for {@link train}: the plan's settings (see {@link PlanOptions}), the run's hooks, and the data's extras. */
export interface TrainOptions extends PlanOptions, RunHooks {
  /** An explicit validation set (then nothing is split off the training rows). */
  validation?: { x: MatrixInput | RawInput; y: MatrixInput };
  /**
   * Names of the input and target columns, stored with the model and used in error messages (raw inputs name
   * their own columns).
   */
  columns?: ColumnNames;
  /** How raw inputs (a table, records) are read: columns named categorical or numeric, the missing-cell texts. */
  inputs?: InputSchemaOptions;
}

const RUN_OPTION_NAMES = ['signal', 'onEpoch', 'onProgress', 'loss', 'validation', 'columns', 'inputs'];

/**
 * The settings of the forum post that motivated this library (MLP 1→128→128, k = 5, σ = elu + 1, Adam 1e-2,
 * batch 64, 50 epochs, raw data, nothing else). Kept to demonstrate and diagnose the collapse; never use them.
 */
export const FORUM_TRAIN_OPTIONS: Readonly<PlanOptions> = {
  model: { components: 5, hidden: [128, 128], activation: 'relu', scaleActivation: 'elu-plus-one', tailWeight: 0 },
  initialization: 'naive',
  standardize: false,
  learningRate: 1e-2,
  batchSize: 64,
  epochs: 50,
  schedule: 'constant',
  warmupEpochs: 0,
  meanWarmupEpochs: 0,
  noise: false,
  clipNorm: Number.POSITIVE_INFINITY,
  validationSplit: 0,
  patience: Number.POSITIVE_INFINITY,
  guardNonFinite: false,
  restoreBest: false,
};

/**
 * The plan {@link train} would run for these options and data, without training (no backend needed).
 * @param x inputs `[N, P]` @param y targets `[N, D]`
 */
export function planTraining(x: MatrixInput | RawInput, y: MatrixInput, options: TrainOptions = {}): TrainPlan {
  const { plan } = checkAndPlan(x, y, options);
  return plan;
}

function checkAndPlan(x: MatrixInput | RawInput, y: MatrixInput, options: TrainOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new InputError('train options must be an object', 'invalid-option');
  }
  checkOptionNames(options, [...PLAN_OPTION_NAMES, ...RUN_OPTION_NAMES], 'train option');
  const data = checkTrainingData(x, y, options.validation, options.columns, options.inputs);
  const planOptions = Object.fromEntries(
    Object.entries(options).filter(([name]) => (PLAN_OPTION_NAMES as readonly string[]).includes(name)),
  ) as PlanOptions;
  const plan = resolveTrainPlan(planOptions, {
    rows: data.x.rows,
    inputs: data.x.columns,
    targets: data.y.columns,
    ...(data.validation ? { validationRows: data.validation.x.rows } : {}),
    ...(data.y.columns === 1 ? { target: describeTarget(data.y) } : {}),
  });
  return { data, plan };
}

/** A one-column target's point masses at the ends of its range and its standard deviation (see DataShape.target). */
function describeTarget(y: Matrix) {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let whole = true;
  const values = new Set<number>();
  for (const v of y.data) {
    if (v < min) min = v;
    if (v > max) max = v;
    if (whole && !Number.isInteger(v)) whole = false;
    if (whole && values.size <= y.rows) values.add(v);
  }
  return {
    boundaryAtoms: findBoundaryAtoms(y.data, TRAIN_DEFAULTS.atoms),
    scale: columnMoments(y).sd[0]!,
    min,
    max,
    whole,
    distinct: values.size,
  };
}

/**
 * Starts a training run on inputs `x` (`[N, P]`) and targets `y` (`[N, D]`) without taking a step: checks the
 * data, resolves the plan, splits and standardises, uploads, and creates the network. Drive the returned run with
 * `step()`, `epoch()` or `run()`, then `finish()`.
 */
export function startTraining(x: MatrixInput | RawInput, y: MatrixInput, options: TrainOptions = {}): TrainingRun {
  // One network: the data's default ensemble (see TRAIN_DEFAULTS.ensembleRows) is train()'s.
  const { data, plan } = checkAndPlan(x, y, { ...options, ensemble: options.ensemble ?? 1 });
  if (plan.ensemble > 1) {
    throw new InputError(
      'startTraining runs one network; train() trains an ensemble member by member',
      'invalid-option',
    );
  }
  if (plan.componentSearch) {
    throw new InputError(
      "startTraining runs one network; components 'auto' trains several to choose K: use train(), or a number",
      'invalid-option',
    );
  }
  return startRun(data, plan, options);
}

/** The run of one network (an ensemble member: `member` > 0 shifts the seed, `standardisers` are shared). */
function startRun(
  data: CheckedData,
  plan: TrainPlan,
  options: TrainOptions,
  member = 0,
  standardisers?: { input: Standardiser; target: Standardiser },
): TrainingRun {
  const backend = activeBackend();
  if (backend.floatPrecision < 32 && !plan.allowLowPrecision) {
    throw new MdnError(
      'backend',
      `the active backend '${backend.tfjsBackend}' computes in ${backend.floatPrecision}-bit floats, too coarse for the NLL ` +
        '(σ near its floor and large squared residuals overflow or round to 0); use the wasm or cpu backend, or pass allowLowPrecision: true',
    );
  }
  const columns = { ...options.columns, ...(data.inputNames ? { x: data.inputNames } : {}) };
  const prepared = prepareTrainingData(data, plan, columns, standardisers);
  let model: MixtureDensityNetwork;
  try {
    model = MixtureDensityNetwork.create(plan.model, {
      seed: plan.seed,
      inputStandardiser: prepared.inputStandardiser,
      targetStandardiser: prepared.targetStandardiser,
      initialTargets: prepared.split.train.y,
      initialization: plan.initialization,
    });
  } catch (error) {
    prepared.dispose();
    throw error;
  }
  model.metadata = {
    ...(columns.x ? { inputColumns: columns.x } : {}),
    ...(columns.y ? { targetColumns: columns.y } : {}),
    ...(data.schema ? { inputSchema: data.schema.toJSON() } : {}),
  };
  const hooks: RunHooks = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.loss ? { loss: options.loss } : {}),
  };
  return new TrainingRun(plan, model, prepared, hooks, member);
}

/**
 * Trains a mixture density network on inputs `x` (`[N, P]`) and targets `y` (`[N, D]`), with defaults that
 * do not collapse: standardised data, k-means initial means, mean-first warm-up, annealed noise, Adam with
 * warm-up and cosine decay, gradient clipping, a NaN/Inf guard, early stopping with the best weights restored.
 * Every setting is in `result.plan` (and in the saved model).
 */
export async function train(
  x: MatrixInput | RawInput,
  y: MatrixInput,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const { data, plan } = checkAndPlan(x, y, options);
  if (plan.componentSearch) {
    const chosen = await chooseComponents(data, plan, options);
    if (plan.ensemble === 1 || options.signal?.aborted) return chosen;
    // An ensemble of networks with the chosen K (each member trains from its own seed, as always).
    chosen.model.dispose();
    return trainEnsemble(data, plan, options, chosen.componentSearch);
  }
  if (plan.ensemble === 1) return trainOne(data, plan, options);
  return trainEnsemble(data, plan, options);
}

/** One network trained to the end (see {@link startRun}); the run's tensors are freed, the model is the caller's. */
async function trainOne(
  data: CheckedData,
  plan: TrainPlan,
  options: TrainOptions,
  member = 0,
  standardisers?: { input: Standardiser; target: Standardiser },
): Promise<TrainResult> {
  const run = startRun(data, plan, options, member, standardisers);
  try {
    return await run.run();
  } finally {
    run.dispose();
  }
}

/** Components whose weight stays below this on every training and validation row are pruned by 'auto'. */
const PRUNE_BELOW = 1e-3;

/**
 * Below this many validation rows, 'auto' says its choice is noisy. Measured on bench:real (20 splits; 31–48
 * validation rows): 'auto' scored 2.609 on Boston and 2.872 on wages against 2.484 and 2.729 for the default K.
 */
const FEW_VALIDATION_ROWS = 100;

/**
 * `components: 'auto'`: trains the largest K (the plan's), then K = 1, then (if K = 1 is worse) the midpoint
 * ⌈(1 + largest)/2⌉ — one step of bisection — and
 * keeps the smallest whose validation log-likelihood is within one standard error (of the per-row differences,
 * paired on the same rows) of the largest's — the one-standard-error rule. At most three runs, so about 3× a
 * fixed K. Then components of the chosen network whose weight stays below 1e-3 on every row are removed.
 */
async function chooseComponents(data: CheckedData, plan: TrainPlan, options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const largest = plan.componentSearch!.largest;
  const { tried, chosen, reason } = await searchComponents(data, plan, options);
  const { result } = chosen;
  const keep = await usedComponents(result, data.x);
  const pruned = chosen.components - keep.length;
  const componentSearch: ComponentChoice = {
    largest,
    chosen: keep.length,
    tried: tried.map((t) => ({ components: t.components, validationNll: t.validationNll })),
    pruned,
    reason: `${reason}${pruned > 0 ? `; ${pruned} component${pruned === 1 ? '' : 's'} with weight < ${PRUNE_BELOW} on every row pruned` : ''}`,
  };
  let model = result.model;
  if (pruned > 0) {
    model = result.model.withComponents(keep);
    result.model.dispose();
  }
  const finalLoss =
    pruned === 0
      ? result.finalLoss
      : {
          train: await model.nll(result.split.train.x, result.split.train.y),
          validation: result.split.validation
            ? await model.nll(result.split.validation.x, result.split.validation.y)
            : null,
        };
  const seconds = (performance.now() - started) / 1000;
  // The plan as planned ('auto', the largest K); the record says what the search chose and why.
  model.metadata = {
    ...model.metadata,
    plan,
    training: trainingRecord({
      plan,
      backend: model.metadata.training?.backend ?? '',
      epochs: result.epochs,
      bestEpoch: result.bestEpoch,
      bestLoss: result.bestLoss,
      stopReason: result.stopReason,
      finalLoss,
      standardError: model.metadata.training?.finalValidationStandardError ?? null,
      seconds,
      componentSearch,
    }),
  };
  return { ...result, model, plan, finalLoss, seconds, componentSearch };
}

/** One K trained for the search, with its validation log-likelihood per row. */
interface Candidate {
  components: number;
  validationNll: number;
  result: TrainResult;
  logProb: Float64Array;
}

/**
 * The mean per-row difference of two log-likelihoods on the same rows and its standard error (paired): `small` is
 * within one standard error of `large` when mean ≥ −error.
 */
function pairedDifference(small: Float64Array, large: Float64Array): { mean: number; error: number } {
  const n = small.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += (small[i]! - large[i]!) / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (small[i]! - large[i]! - mean) ** 2;
  return { mean, error: Math.sqrt(squares / Math.max(1, n - 1) / n) };
}

const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;

/**
 * The search of `components: 'auto'`: the largest K, then K = 1, then (when K = 1 is worse) the midpoint, keeping the
 * smallest within one standard error of the largest (see {@link chooseComponents}). Every K trained is in `tried`; the
 * ones not chosen are disposed. `reason` says why, in words.
 */
async function searchComponents(
  data: CheckedData,
  plan: TrainPlan,
  options: TrainOptions,
): Promise<{ tried: Candidate[]; chosen: Candidate; reason: string }> {
  const largest = plan.componentSearch!.largest;
  const tried: Candidate[] = [];
  const attempt = async (components: number) => {
    const result = await trainOne(
      data,
      { ...plan, ensemble: 1, model: { ...plan.model, components }, componentSearch: null },
      options,
    );
    const validation = result.split.validation!;
    const logProb = await result.model.logProb(validation.x, validation.y);
    let nll = 0;
    for (const v of logProb) nll -= v / logProb.length;
    const candidate = { components, validationNll: nll, result, logProb };
    tried.push(candidate);
    return candidate;
  };
  const aborted = () => options.signal?.aborted === true;
  let chosen: Candidate;
  let reason: string;
  try {
    const big = await attempt(largest);
    chosen = big;
    reason = `K = ${largest} only (stopped)`;
    if (largest > 1 && !aborted()) {
      const one = await attempt(1);
      const test = pairedDifference(one.logProb, big.logProb);
      if (test.mean >= -test.error) {
        chosen = one;
        reason = `K = 1 within one standard error of K = ${largest} (validation log-likelihood ${signed(test.mean)} ± ${test.error.toFixed(4)} per row)`;
      } else {
        reason = `K = 1 is worse than K = ${largest} by ${(-test.mean).toFixed(4)} ± ${test.error.toFixed(4)} nats per row`;
        // One step of bisection between 1 (too few) and the largest: the midpoint.
        const halfway = Math.ceil((1 + largest) / 2);
        if (halfway > 1 && halfway < largest && !aborted()) {
          const middle = await attempt(halfway);
          const second = pairedDifference(middle.logProb, big.logProb);
          if (second.mean >= -second.error) {
            chosen = middle;
            reason += `; K = ${halfway} (halfway) is within one standard error (${signed(second.mean)} ± ${second.error.toFixed(4)})`;
          } else {
            reason += `; K = ${halfway} is worse by ${(-second.mean).toFixed(4)} ± ${second.error.toFixed(4)}: kept K = ${largest}`;
          }
        } else {
          reason += `: kept K = ${largest}`;
        }
      }
    }
  } catch (error) {
    for (const t of tried) t.result.model.dispose();
    throw error;
  }
  for (const t of tried) if (t !== chosen) t.result.model.dispose();
  const validationRows = chosen.logProb.length;
  if (validationRows < FEW_VALIDATION_ROWS) {
    reason +=
      `; caution: only ${validationRows} validation rows decide this, too few to tell the K apart reliably ` +
      '(on small data sets a fixed K, the default, or an ensemble usually scores better)';
  }
  return { tried, chosen, reason };
}

/**
 * The components of a run's network that carry weight somewhere: at least {@link PRUNE_BELOW} on some training or
 * validation row. All of them when none or every one would go.
 */
async function usedComponents(result: TrainResult, x: Matrix): Promise<number[]> {
  const k = result.model.config.components;
  const rows = [x, ...(result.split.validation ? [result.split.validation.x] : [])];
  const largestWeight = new Float64Array(k);
  for (const block of rows) {
    const host = result.model.networkPart(await result.model.predictHost(block));
    for (let r = 0; r < host.rows; r++) {
      for (let c = 0; c < k; c++) largestWeight[c] = Math.max(largestWeight[c]!, Math.exp(host.logWeights[r * k + c]!));
    }
  }
  const keep = Array.from({ length: k }, (_, c) => c).filter((c) => largestWeight[c]! >= PRUNE_BELOW);
  return keep.length > 0 ? keep : Array.from({ length: k }, (_, c) => c);
}

/**
 * An ensemble: `plan.ensemble` networks, member m with seed + m (its own initialisation, shuffles and
 * validation split), all standardised with statistics of every training row so they combine exactly; then one
 * model whose prediction is the equal-weight mixture of theirs. An abort keeps the members trained so far.
 */
async function trainEnsemble(
  data: CheckedData,
  plan: TrainPlan,
  options: TrainOptions,
  /** With `components: 'auto'`: the K chosen (each network trains with it; the plan stays as planned). */
  componentSearch?: ComponentChoice,
): Promise<TrainResult> {
  const started = performance.now();
  const memberPlanOf = (m: number): TrainPlan => ({
    ...plan,
    seed: (plan.seed + m) % 2 ** 32,
    ensemble: 1,
    ...(componentSearch ? { model: { ...plan.model, components: componentSearch.chosen }, componentSearch: null } : {}),
  });
  const columns = { ...options.columns, ...(data.inputNames ? { x: data.inputNames } : {}) };
  const standardisers = fitStandardisers(data, plan, columns, data.schema?.indicatorFeatures);
  const results: TrainResult[] = [];
  try {
    for (let m = 0; m < plan.ensemble; m++) {
      if (options.signal?.aborted && results.length > 0) break;
      results.push(await trainOne(data, memberPlanOf(m), options, m, standardisers));
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const members = results.map((r) => ({
      seed: r.plan.seed,
      epochs: r.epochs,
      bestEpoch: r.bestEpoch,
      bestLoss: r.bestLoss,
      stopReason: r.stopReason,
      finalLoss: r.finalLoss,
    }));
    const validation = results.map((r) => r.finalLoss.validation).filter((v): v is number => v !== null);
    const finalLoss = {
      train: mean(results.map((r) => r.finalLoss.train)),
      validation: validation.length > 0 ? mean(validation) : null,
    };
    const history = results.flatMap((r) => r.history);
    const stopReason =
      results.some((r) => r.stopReason === 'aborted') || results.length < plan.ensemble
        ? 'aborted'
        : results[0]!.stopReason;
    const seconds = (performance.now() - started) / 1000;
    const first = results[0]!.model;
    const model = MixtureDensityNetwork.ensemble(
      results.map((r) => r.model),
      {
        ...(first.metadata.inputColumns ? { inputColumns: first.metadata.inputColumns } : {}),
        ...(first.metadata.targetColumns ? { targetColumns: first.metadata.targetColumns } : {}),
        ...(first.metadata.inputSchema ? { inputSchema: first.metadata.inputSchema } : {}),
        plan: { ...plan, ensemble: results.length },
        history: historyRecord(history),
        training: trainingRecord({
          plan,
          backend: first.metadata.training?.backend ?? '',
          members: results.length,
          epochs: history.length,
          bestEpoch: results[0]!.bestEpoch,
          bestLoss: mean(results.map((r) => r.bestLoss)),
          stopReason,
          finalLoss,
          // The mean of M members' validation NLLs: its standard error from theirs.
          standardError:
            validation.length > 0
              ? Math.sqrt(
                  results.reduce(
                    (total, r) => total + (r.model.metadata.training?.finalValidationStandardError ?? 0) ** 2,
                    0,
                  ),
                ) / validation.length
              : null,
          seconds,
          ...(componentSearch ? { componentSearch } : {}),
        }),
      },
    );
    // The rows some network held out (the first network that did scores each): held-out data for that network.
    const heldBy = new Int32Array(data.x.rows).fill(-1);
    for (const [m, r] of results.entries()) {
      for (const i of r.split.validationIndices ?? []) if (heldBy[i]! < 0) heldBy[i] = m;
    }
    const oobRows = Array.from(heldBy.keys()).filter((i) => heldBy[i]! >= 0);
    const outOfBag =
      data.validation || oobRows.length === 0
        ? null
        : {
            rows: oobRows,
            x: takeRows(data.x, oobRows),
            y: takeRows(data.y, oobRows),
            networks: oobRows.map((i) => heldBy[i]!),
          };
    return {
      model,
      plan: { ...plan, ensemble: results.length },
      ...(componentSearch ? { componentSearch } : {}),
      // Each member held out its own rows: none is held out from the ensemble as a whole, unless the caller gave a
      // validation set (every member validated on it; none trained on it).
      split: { train: { x: data.x, y: data.y }, validation: data.validation ?? null },
      history,
      stopReason,
      bestEpoch: results[0]!.bestEpoch,
      bestLoss: mean(results.map((r) => r.bestLoss)),
      finalLoss,
      epochs: history.length,
      steps: results.reduce((total, r) => total + r.steps, 0),
      seconds,
      skippedSteps: results.reduce((total, r) => total + r.skippedSteps, 0),
      members,
      outOfBag,
    };
  } finally {
    for (const r of results) r.model.dispose();
  }
}
