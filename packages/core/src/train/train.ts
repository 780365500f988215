/**
 * `train()` and `startTraining()`: the composition of the three pieces of training — the plan (plan.ts: every
 * default), the prepared data (prepare.ts: checks, split, standardisation, upload) and the run (run.ts: the
 * one loop, with the policies of policies.ts).
 */
import { activeBackend } from '../backend/adapter.js';
import type { MatrixInput } from '../data/matrix.js';
import type { Standardiser } from '../data/standardiser.js';
import { InputError, MdnError } from '../errors.js';
import { MixtureDensityNetwork } from '../model/network.js';
import { checkOptionNames, PLAN_OPTION_NAMES, type PlanOptions, resolveTrainPlan, type TrainPlan } from './plan.js';
import {
  type CheckedData,
  type ColumnNames,
  checkTrainingData,
  fitStandardisers,
  prepareTrainingData,
} from './prepare.js';
import { historyRecord, type RunHooks, TrainingRun, type TrainResult } from './run.js';

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
  if (plan.ensemble > 1) {
    throw new InputError(
      'startTraining runs one network; train() trains an ensemble member by member',
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
  const columns = options.columns ?? {};
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
  };
  const hooks: RunHooks = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
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
export async function train(x: MatrixInput, y: MatrixInput, options: TrainOptions = {}): Promise<TrainResult> {
  const { data, plan } = checkAndPlan(x, y, options);
  if (plan.ensemble === 1) {
    const run = startRun(data, plan, options);
    try {
      return await run.run();
    } finally {
      run.dispose();
    }
  }
  return trainEnsemble(data, plan, options);
}

/**
 * An ensemble: `plan.ensemble` networks, member m with seed + m (its own initialisation, shuffles and
 * validation split), all standardised with statistics of every training row so they combine exactly; then one
 * model whose prediction is the equal-weight mixture of theirs. An abort keeps the members trained so far.
 */
async function trainEnsemble(data: CheckedData, plan: TrainPlan, options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const columns = options.columns ?? {};
  const standardisers = fitStandardisers(data, plan, columns);
  const results: TrainResult[] = [];
  try {
    for (let m = 0; m < plan.ensemble; m++) {
      if (options.signal?.aborted && results.length > 0) break;
      const memberPlan: TrainPlan = { ...plan, seed: (plan.seed + m) % 2 ** 32, ensemble: 1 };
      const run = startRun(data, memberPlan, options, m, standardisers);
      try {
        results.push(await run.run());
      } finally {
        run.dispose();
      }
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
        plan: { ...plan, ensemble: results.length },
        history: historyRecord(history),
        training: {
          ...first.metadata.training,
          seed: plan.seed,
          members: results.length,
          epochs: history.length,
          bestEpoch: results[0]!.bestEpoch,
          bestLoss: mean(results.map((r) => r.bestLoss)),
          stopReason,
          finalTrainLoss: finalLoss.train,
          finalValidationLoss: finalLoss.validation,
          // The mean of M members' validation NLLs: its standard error from theirs.
          finalValidationStandardError:
            validation.length > 0
              ? Math.sqrt(
                  results.reduce((total, r) => {
                    const e = r.model.metadata.training?.finalValidationStandardError;
                    return total + (typeof e === 'number' ? e * e : 0);
                  }, 0),
                ) / validation.length
              : null,
          seconds: Math.round(seconds * 1000) / 1000,
        },
      },
    );
    return {
      model,
      plan: { ...plan, ensemble: results.length },
      // Each member held out its own rows: none is held out from the ensemble as a whole.
      split: { train: { x: data.x, y: data.y }, validation: null },
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
    };
  } finally {
    for (const r of results) r.model.dispose();
  }
}
