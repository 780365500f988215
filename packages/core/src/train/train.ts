import * as tf from '@tensorflow/tfjs-core';
import '../backend/register-gradients.js';
import { activeBackend } from '../backend/adapter.js';
import { assertFinite, type Matrix, type MatrixInput, toMatrix } from '../data/matrix.js';
import { Standardiser } from '../data/standardiser.js';
import type { MdnConfig } from '../model/config.js';
import { MixtureDensityNetwork } from '../model/network.js';
import { createRandom } from '../random/rng.js';
import { learningRateAt } from './schedule.js';
import { type StepStats, TrainingStep } from './step.js';

/** Steps between reads of the device-side loss and guard counters (each read is one host sync). */
const SYNC_EVERY = 16;

/** Noise regularisation (Rothfuss et al. 2019): Gaussian noise added to standardised x and y each step. */
export interface NoiseOptions {
  /** Standard deviation of the noise on standardised inputs. */
  x: number;
  /** Standard deviation of the noise on standardised targets. */
  y: number;
  /** Decay the noise linearly to 0 over training (keeps the early regularisation, removes the final bias). */
  anneal: boolean;
}

/** Everything `train` reports after each epoch. */
export interface EpochEvent {
  epoch: number;
  /** The epoch budget of this run (early stopping may end it sooner). */
  totalEpochs: number;
  /** Mean training NLL per row over the epoch, in nats, original units (with noise, if any). */
  trainLoss: number;
  /** Validation NLL per row, original units; null without a validation set. */
  validationLoss: number | null;
  /** Best validation (or training) loss so far. */
  bestLoss: number;
  learningRate: number;
  /** Optimisation steps per second during this epoch. */
  stepsPerSecond: number;
  /** Seconds since training started. */
  elapsedSeconds: number;
  /** Steps skipped this epoch because the loss or a gradient was NaN/Inf. */
  skippedSteps: number;
  /** True while the mean-first warm-up is active. */
  meanWarmup: boolean;
}

/** Options for {@link train}; every field has a default. */
export interface TrainOptions {
  /** Architecture (components, hidden, activation, scaleActivation, scaleFloor). */
  model?: Partial<Omit<MdnConfig, 'inputDimension' | 'outputDimension'>>;
  /** Standardise inputs and targets with training statistics. Default true. Turning it off is rarely wise. */
  standardize?: boolean;
  /** Initialisation: 'spread' (default, breaks symmetry) or 'naive' (PyTorch's default; for demonstrations). */
  initialization?: 'spread' | 'naive';
  /** Maximum number of epochs. Default: enough for about 12 000 steps, between 30 and 400. */
  epochs?: number;
  /** Rows per step. Default 128 (or the whole set if smaller). */
  batchSize?: number;
  /** Peak Adam learning rate. Default 3e-3. */
  learningRate?: number;
  /** Learning-rate schedule after the warm-up: cosine decay to 1 % of the peak, or constant. Default 'cosine'. */
  schedule?: 'cosine' | 'constant';
  /** Linear learning-rate warm-up, in epochs. Default 1. */
  warmupEpochs?: number;
  /** Fraction of rows held out for validation and early stopping. Default 0.1 (0 when fewer than 50 rows). */
  validationSplit?: number;
  /** An explicit validation set (overrides validationSplit). */
  validation?: { x: MatrixInput; y: MatrixInput };
  /**
   * Stop after this many epochs without a validation improvement (checked once the cosine schedule is half
   * done); the best weights are restored. With the cosine schedule the best epoch is sought in its low-rate
   * second half only (peak-rate weights are noisy). Default 30.
   */
  patience?: number;
  /** Clip the global gradient norm to this value (Infinity: off). Default 10. */
  clipNorm?: number;
  /** Epochs of mean-first warm-up: σ fixed at its initial value and weights uniform, only the means train. Default 3; 0 turns it off. */
  meanWarmupEpochs?: number;
  /** Noise regularisation; false turns it off. Default { x: 0.02, y: 0.02, anneal: true }. */
  noise?: NoiseOptions | false;
  /** Seed for initialisation, shuffling, splits and noise. Default 0. */
  seed?: number;
  /** Stops training cleanly at the next step; the best weights so far are kept. */
  signal?: AbortSignal;
  /** Called after every epoch; may return a promise (awaited). */
  onEpoch?: (event: EpochEvent) => void | Promise<void>;
  /** Names of the input and target columns, stored with the model and used in error messages. */
  columns?: { x?: string[]; y?: string[] };
  /**
   * Skip any step whose loss or gradient is NaN/Inf so the weights are never corrupted. Default true.
   * False applies such steps as they are (what plain training loops do; only for demonstrations).
   */
  guardNonFinite?: boolean;
  /** Restore the weights of the best epoch at the end. Default true. */
  restoreBest?: boolean;
  /**
   * Train on a backend with 16-bit floats (some WebGL devices). Default false: such a backend cannot hold
   * the NLL's terms accurately (σ near its floor, large z²), so training refuses to start.
   */
  allowLowPrecision?: boolean;
  /** Consecutive non-finite steps tolerated before the learning rate is halved from the best weights; default 25. */
  maxBadSteps?: number;
}

/** Why training stopped. */
export type StopReason = 'max-epochs' | 'early-stopping' | 'aborted';

/** What {@link train} returns. */
export interface TrainResult {
  model: MixtureDensityNetwork;
  history: EpochEvent[];
  stopReason: StopReason;
  /** Epoch whose weights the model holds (1-based). */
  bestEpoch: number;
  /** Best validation loss (or training loss without validation), nats per row in original units. */
  bestLoss: number;
  epochs: number;
  steps: number;
  seconds: number;
  /** Steps skipped because of NaN/Inf (the weights were left untouched). */
  skippedSteps: number;
}

/** A training run that cannot continue: the message says why and what to try. */
export class TrainingError extends Error {
  override name = 'TrainingError';
}

export const DEFAULT_NOISE: NoiseOptions = { x: 0.02, y: 0.02, anneal: true };

/**
 * The settings of the forum post that motivated this library (MLP 1→128→128, k = 5, σ = elu + 1, Adam 1e-2,
 * batch 64, 50 epochs, raw data, nothing else). Kept to demonstrate and diagnose the collapse; never use them.
 */
export const FORUM_TRAIN_OPTIONS: Readonly<TrainOptions> = {
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

/** Training rows and held-out validation rows (`null` when none are held out). */
export interface Split {
  train: { x: Matrix; y: Matrix };
  validation: { x: Matrix; y: Matrix } | null;
}

function takeRows(matrix: Matrix, rows: readonly number[]): Matrix {
  const c = matrix.columns;
  const data = new Float64Array(rows.length * c);
  rows.forEach((r, i) => {
    for (let j = 0; j < c; j++) data[i * c + j] = matrix.data[r * c + j]!;
  });
  return { data, rows: rows.length, columns: c };
}

function split(x: Matrix, y: Matrix, fraction: number, random: ReturnType<typeof createRandom>): Split {
  const order = Array.from({ length: x.rows }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const held = Math.round(fraction * x.rows);
  if (held === 0) return { train: { x, y }, validation: null };
  const validationRows = order.slice(0, held);
  const trainRows = order.slice(held);
  return {
    train: { x: takeRows(x, trainRows), y: takeRows(y, trainRows) },
    validation: { x: takeRows(x, validationRows), y: takeRows(y, validationRows) },
  };
}

/**
 * Holds out a seeded random `fraction` of the rows (rounded; none when that rounds to 0) for validation, as
 * `train` does with `validationSplit`. For callers that pass `validation` themselves and want the rows back.
 */
export function splitValidation(x: MatrixInput, y: MatrixInput, fraction: number, seed = 0): Split {
  const inputs = toMatrix(x, 'inputs');
  const targets = toMatrix(y, 'targets');
  if (inputs.rows !== targets.rows) {
    throw new RangeError(
      `inputs have ${inputs.rows} rows but targets have ${targets.rows}; they must match row for row`,
    );
  }
  if (!(fraction >= 0 && fraction < 1))
    throw new RangeError(`the validation fraction must be in [0, 1), got ${fraction}`);
  return split(inputs, targets, fraction, createRandom(seed));
}

/** Lets timers, messages and signal handlers (Ctrl-C, an AbortController) run; setImmediate where there is one. */
const yieldToEventLoop = () =>
  new Promise<void>((resolve) => {
    const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
    if (immediate) immediate(resolve);
    else setTimeout(resolve, 0);
  });

/**
 * Trains a mixture density network on inputs `x` (`[N, P]`) and targets `y` (`[N, D]`), with defaults that
 * do not collapse: standardised data, k-means initial means, mean-first warm-up, annealed noise, Adam with
 * warm-up and cosine decay, gradient clipping, a NaN/Inf guard, early stopping with the best weights restored.
 */
export async function train(
  xInput: MatrixInput,
  yInput: MatrixInput,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const started = performance.now();
  const x = toMatrix(xInput, 'inputs');
  const y = toMatrix(yInput, 'targets');
  if (x.rows !== y.rows)
    throw new TrainingError(`inputs have ${x.rows} rows but targets have ${y.rows}; they must match row for row`);
  if (x.rows < 2) throw new TrainingError(`training needs at least 2 rows, got ${x.rows}`);
  assertFinite(x, 'inputs', options.columns?.x);
  assertFinite(y, 'targets', options.columns?.y);
  const backend = activeBackend();
  if (backend.floatPrecision < 32 && !options.allowLowPrecision) {
    throw new TrainingError(
      `the active backend '${backend.tfjsBackend}' computes in ${backend.floatPrecision}-bit floats, too coarse for the NLL ` +
        '(σ near its floor and large squared residuals overflow or round to 0); use the wasm or cpu backend, or pass allowLowPrecision: true',
    );
  }
  const seed = options.seed ?? 0;
  const random = createRandom(seed);

  const validationSplit = options.validationSplit ?? (x.rows < 50 ? 0 : 0.1);
  if (!(validationSplit >= 0 && validationSplit < 1))
    throw new RangeError(`validationSplit must be in [0, 1), got ${validationSplit}`);
  const parts: Split =
    options.validation !== undefined
      ? {
          train: { x, y },
          validation: {
            x: toMatrix(options.validation.x, 'validation inputs'),
            y: toMatrix(options.validation.y, 'validation targets'),
          },
        }
      : split(x, y, validationSplit, random);
  if (parts.validation) {
    assertFinite(parts.validation.x, 'validation inputs', options.columns?.x);
    assertFinite(parts.validation.y, 'validation targets', options.columns?.y);
  }

  const standardize = options.standardize ?? true;
  const inputStandardiser = standardize
    ? Standardiser.fit(parts.train.x, {
        name: 'inputs',
        ...(options.columns?.x ? { columnNames: options.columns.x } : {}),
      })
    : new Standardiser(new Float64Array(x.columns), new Float64Array(x.columns).fill(1));
  const targetStandardiser = standardize
    ? Standardiser.fit(parts.train.y, {
        name: 'targets',
        ...(options.columns?.y ? { columnNames: options.columns.y } : {}),
      })
    : new Standardiser(new Float64Array(y.columns), new Float64Array(y.columns).fill(1));
  if (standardize && targetStandardiser.constantColumns.length > 0) {
    const names = targetStandardiser.constantColumns.map((c) => options.columns?.y?.[c] ?? `column ${c}`);
    throw new TrainingError(
      `targets ${names.join(', ')} are constant in the training data: there is no distribution to learn`,
    );
  }

  const model = MixtureDensityNetwork.create(
    { inputDimension: x.columns, outputDimension: y.columns, ...options.model },
    {
      seed,
      inputStandardiser,
      targetStandardiser,
      initialTargets: parts.train.y,
      initialization: options.initialization ?? 'spread',
    },
  );
  model.metadata = {
    ...(options.columns?.x ? { inputColumns: options.columns.x } : {}),
    ...(options.columns?.y ? { targetColumns: options.columns.y } : {}),
  };

  const n = parts.train.x.rows;
  const batchSize = Math.min(options.batchSize ?? 128, n);
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const epochs = options.epochs ?? Math.min(400, Math.max(30, Math.round(12_000 / stepsPerEpoch)));
  const totalSteps = epochs * stepsPerEpoch;
  const peak = options.learningRate ?? 3e-3;
  const warmupSteps = Math.round((options.warmupEpochs ?? 1) * stepsPerEpoch);
  const finalFraction = (options.schedule ?? 'cosine') === 'cosine' ? 0.01 : 1;
  const patience = options.patience ?? 30;
  const clipNorm = options.clipNorm ?? 10;
  const meanWarmupEpochs = options.meanWarmupEpochs ?? 3;
  const noise = options.noise === undefined ? DEFAULT_NOISE : options.noise;
  const maxBadSteps = options.maxBadSteps ?? 25;
  const guardNonFinite = options.guardNonFinite ?? true;
  const restoreBest = options.restoreBest ?? true;
  const logDet = targetStandardiser.logDetJacobian;

  const tensors = tf.tidy(() => {
    const sx = inputStandardiser.transform(parts.train.x);
    const sy = targetStandardiser.transform(parts.train.y);
    const result: Record<string, tf.Tensor2D> = {
      x: tf.tensor2d(sx.data as Float32Array, [n, x.columns]),
      y: tf.tensor2d(sy.data as Float32Array, [n, y.columns]),
    };
    if (parts.validation) {
      const vx = inputStandardiser.transform(parts.validation.x);
      const vy = targetStandardiser.transform(parts.validation.y);
      result.vx = tf.tensor2d(vx.data as Float32Array, [vx.rows, x.columns]);
      result.vy = tf.tensor2d(vy.data as Float32Array, [vy.rows, y.columns]);
    }
    return result;
  });

  const trainer = new TrainingStep(model, { clipNorm, guardNonFinite });
  const history: EpochEvent[] = [];
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: model.snapshot() };
  let inLowRatePhase = false;
  let stopReason: StopReason = 'max-epochs';
  let step = 0;
  let skippedTotal = 0;
  let lrScale = 1;
  const order = Array.from({ length: n }, (_, i) => i);

  const evaluate = (): number => {
    if (!parts.validation) return Number.NaN;
    const rows = parts.validation.x.rows;
    let total = 0;
    for (let start = 0; start < rows; start += 4096) {
      const size = Math.min(4096, rows - start);
      const value = tf.tidy(() => {
        const vx = tf.slice(tensors.vx!, [start, 0], [size, x.columns]);
        const vy = tf.slice(tensors.vy!, [start, 0], [size, y.columns]);
        return tf.sum(model.mixtureStandardised(vx).logProb(vy));
      });
      total += value.dataSync()[0]!;
      value.dispose();
    }
    return -(total / rows) - logDet;
  };

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochStart = performance.now();
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random.uniform() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const inMeanWarmup = epoch <= meanWarmupEpochs;
      let lossSum = 0;
      let lossCount = 0;
      let skipped = 0;
      // Takes in the device-side sums and counters; recovers from a run of non-finite steps.
      const absorb = (stats: StepStats) => {
        lossSum += stats.lossSum;
        lossCount += stats.rows;
        skipped += stats.skipped;
        if (stats.consecutiveBad < maxBadSteps) return;
        if (lrScale < 1 / 64) {
          throw new TrainingError(
            `training diverged: ${stats.consecutiveBad} consecutive steps gave a non-finite loss or gradient even after lowering the learning rate 64×; ` +
              'check the data for extreme values, keep standardize on, or use scaleActivation "softplus"',
          );
        }
        model.restore(best.weights);
        lrScale /= 2;
        trainer.resetBadSteps();
      };
      let learningRate = peak;
      for (let start = 0; start < n; start += batchSize) {
        if (options.signal?.aborted) {
          stopReason = 'aborted';
          break;
        }
        const size = Math.min(batchSize, n - start);
        learningRate = learningRateAt(step, totalSteps, peak, warmupSteps, finalFraction) * lrScale;
        const noiseLevel = noise === false ? 0 : noise.anneal ? Math.max(0, 1 - step / totalSteps) : 1;
        const noiseSeed = random.uint32();
        const indices = Int32Array.from(order.slice(start, start + size));
        const batch = tf.tidy(() => {
          const index = tf.tensor1d(indices, 'int32');
          let xb = tf.gather(tensors.x!, index) as tf.Tensor2D;
          let yb = tf.gather(tensors.y!, index) as tf.Tensor2D;
          if (noise !== false && noiseLevel > 0) {
            if (noise.x > 0) xb = tf.add(xb, tf.randomNormal(xb.shape, 0, noise.x * noiseLevel, 'float32', noiseSeed));
            if (noise.y > 0)
              yb = tf.add(yb, tf.randomNormal(yb.shape, 0, noise.y * noiseLevel, 'float32', noiseSeed + 1));
          }
          return { xb, yb };
        });
        trainer.run(batch.xb, batch.yb, learningRate, inMeanWarmup);
        tf.dispose([batch.xb, batch.yb]);
        step++;
        // The step leaves its loss and the guard's counters on the device; read them every few steps (one sync).
        if (step % SYNC_EVERY === 0) {
          absorb(trainer.readStats());
          // Within long epochs too, let an abort (Ctrl-C) and the host's other work get through.
          await yieldToEventLoop();
        }
      }
      absorb(trainer.readStats());
      skippedTotal += skipped;
      if (stopReason === 'aborted' && lossCount === 0) break;
      const trainLoss = lossCount > 0 ? lossSum / lossCount - logDet : Number.NaN;
      const validationLoss = parts.validation ? evaluate() : null;
      const monitored = validationLoss ?? trainLoss;
      // The low-rate half of the cosine schedule starts a fresh search for the best epoch: a lucky validation
      // score at the peak rate (noise on a small validation set) must neither be restored nor start the
      // patience clock that ends training before the low-rate phase has converged.
      const scheduleHalfDone = finalFraction === 1 || step >= totalSteps / 2;
      const lowRatePhaseStarts = scheduleHalfDone && !inLowRatePhase && Number.isFinite(monitored);
      if (lowRatePhaseStarts) inLowRatePhase = true;
      if (Number.isFinite(monitored) && (monitored < best.loss - 1e-4 || (lowRatePhaseStarts && finalFraction !== 1))) {
        tf.dispose(best.weights);
        best = { loss: monitored, epoch, weights: model.snapshot() };
      }
      const seconds = (performance.now() - epochStart) / 1000;
      const event: EpochEvent = {
        epoch,
        totalEpochs: epochs,
        trainLoss,
        validationLoss:
          validationLoss !== null && Number.isFinite(validationLoss)
            ? validationLoss
            : validationLoss === null
              ? null
              : Number.NaN,
        bestLoss: best.loss,
        learningRate,
        stepsPerSecond: stepsPerEpoch / Math.max(seconds, 1e-9),
        elapsedSeconds: (performance.now() - started) / 1000,
        skippedSteps: skipped,
        meanWarmup: inMeanWarmup,
      };
      history.push(event);
      await options.onEpoch?.(event);
      if (stopReason === 'aborted') break;
      // Early stopping waits until the cosine schedule is half done: while the rate is near its peak the
      // validation loss is noisy, and stopping then forfeits the gains of the low-rate phase.
      if (scheduleHalfDone && epoch > meanWarmupEpochs && epoch - Math.max(best.epoch, meanWarmupEpochs) >= patience) {
        stopReason = 'early-stopping';
        break;
      }
      await yieldToEventLoop();
    }
    if (restoreBest) {
      if (best.epoch === 0) {
        throw new TrainingError(
          'training produced no finite loss: every step was non-finite; check the data for extreme values',
        );
      }
      model.restore(best.weights);
    }
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose([best.weights, ...Object.values(tensors)]);
    trainer.dispose();
  }

  const seconds = (performance.now() - started) / 1000;
  model.metadata.history = history.map((e) => ({
    epoch: e.epoch,
    trainLoss: e.trainLoss,
    validationLoss: e.validationLoss,
  }));
  model.metadata.training = {
    seed,
    backend: tf.getBackend(),
    epochs: history.length,
    bestEpoch: best.epoch,
    bestLoss: best.loss,
    stopReason,
    rows: x.rows,
    seconds: Math.round(seconds * 1000) / 1000,
  };
  return {
    model,
    history,
    stopReason,
    bestEpoch: best.epoch,
    bestLoss: best.loss,
    epochs: history.length,
    steps: step,
    seconds,
    skippedSteps: skippedTotal,
  };
}
