/**
 * `train()` and `startTraining()`: the composition of the three pieces of training — the plan (plan.ts: every
 * default), the prepared data (prepare.ts: checks, split, standardisation, upload) and the run (run.ts: the
 * one loop, with the policies of policies.ts).
 */
import { activeBackend } from '../backend/adapter.js';
import type { MatrixInput } from '../data/matrix.js';
import { InputError, MdnError } from '../errors.js';
import { MixtureDensityNetwork } from '../model/network.js';
import { checkOptionNames, PLAN_OPTION_NAMES, type PlanOptions, resolveTrainPlan, type TrainPlan } from './plan.js';
import { type ColumnNames, checkTrainingData, prepareTrainingData } from './prepare.js';
import { type RunHooks, TrainingRun, type TrainResult } from './run.js';

/** Options for {@link train}: the plan's settings (see {@link PlanOptions}), the run's hooks, and the data's extras. */
export interface TrainOptions extends PlanOptions, RunHooks {
  /** An explicit validation set (then nothing is split off the training rows). */
  validation?: { x: MatrixInput; y: MatrixInput };
  /** Names of the input and target columns, stored with the model and used in error messages. */
  columns?: ColumnNames;
}

const RUN_OPTION_NAMES = ['signal', 'onEpoch', 'loss', 'validation', 'columns'];

/**
 * The settings of the forum post that motivated this library (MLP 1→128→128, k = 5, σ = elu + 1, Adam 1e-2,
 * batch 64, 50 epochs, raw data, nothing else). Kept to demonstrate and diagnose the collapse; never use them.
 */
export const FORUM_TRAIN_OPTIONS: Readonly<PlanOptions> = {
  model: { components: 5, hidden: [128, 128], activation: 'relu', scaleActivation: 'elu-plus-one' },
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
export function planTraining(x: MatrixInput, y: MatrixInput, options: TrainOptions = {}): TrainPlan {
  const { plan } = checkAndPlan(x, y, options);
  return plan;
}

function checkAndPlan(x: MatrixInput, y: MatrixInput, options: TrainOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new InputError('train options must be an object', 'invalid-option');
  }
  checkOptionNames(options, [...PLAN_OPTION_NAMES, ...RUN_OPTION_NAMES], 'train option');
  const data = checkTrainingData(x, y, options.validation, options.columns);
  const planOptions = Object.fromEntries(
    Object.entries(options).filter(([name]) => (PLAN_OPTION_NAMES as readonly string[]).includes(name)),
  ) as PlanOptions;
  const plan = resolveTrainPlan(planOptions, {
    rows: data.x.rows,
    inputs: data.x.columns,
    targets: data.y.columns,
    ...(data.validation ? { validationRows: data.validation.x.rows } : {}),
  });
  return { data, plan };
}

/**
 * Starts a training run on inputs `x` (`[N, P]`) and targets `y` (`[N, D]`) without taking a step: checks the
 * data, resolves the plan, splits and standardises, uploads, and creates the network. Drive the returned run with
 * `step()`, `epoch()` or `run()`, then `finish()`.
 */
export function startTraining(x: MatrixInput, y: MatrixInput, options: TrainOptions = {}): TrainingRun {
  const { data, plan } = checkAndPlan(x, y, options);
  const backend = activeBackend();
  if (backend.floatPrecision < 32 && !plan.allowLowPrecision) {
    throw new MdnError(
      'backend',
      `the active backend '${backend.tfjsBackend}' computes in ${backend.floatPrecision}-bit floats, too coarse for the NLL ` +
        '(σ near its floor and large squared residuals overflow or round to 0); use the wasm or cpu backend, or pass allowLowPrecision: true',
    );
  }
  const columns = options.columns ?? {};
  const prepared = prepareTrainingData(data, plan, columns);
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
  };
  const hooks: RunHooks = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    ...(options.loss ? { loss: options.loss } : {}),
  };
  return new TrainingRun(plan, model, prepared, hooks);
}

/**
 * Trains a mixture density network on inputs `x` (`[N, P]`) and targets `y` (`[N, D]`), with defaults that
 * do not collapse: standardised data, k-means initial means, mean-first warm-up, annealed noise, Adam with
 * warm-up and cosine decay, gradient clipping, a NaN/Inf guard, early stopping with the best weights restored.
 * Every setting is in `result.plan` (and in the saved model).
 */
export async function train(x: MatrixInput, y: MatrixInput, options: TrainOptions = {}): Promise<TrainResult> {
  const run = startTraining(x, y, options);
  try {
    return await run.run();
  } finally {
    run.dispose();
  }
}
