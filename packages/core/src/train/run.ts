/**
 * A training run, step by step: `step()`, `epoch()`, `run()`, `abort()`, `finish()`. It executes a
 * {@link TrainPlan} on {@link PreparedData} with the policies of policies.ts; `train()` is `run()` then `finish()`,
 * and the web demo drives the same object a time slice at a time. This is the only training loop.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Matrix } from '../data/matrix.js';
import { MdnError, TrainingError } from '../errors.js';
import type { GaussianMixture } from '../mixture/gaussian-mixture.js';
import { rowsPerBlock } from '../model/config.js';
import type { MixtureDensityNetwork } from '../model/network.js';
import { createRandom, type Random, shuffleInPlace } from '../random/rng.js';
import { yieldToEventLoop } from '../runtime.js';
import type { TrainPlan } from './plan.js';
import { EarlyStoppingPolicy, LearningRatePolicy, NoisePolicy, RecoveryPolicy } from './policies.js';
import type { PreparedData, Split } from './prepare.js';
import { type ComponentChoice, type StopReason, trainingRecord } from './record.js';
import { type StepStats, TrainingStep } from './step.js';

/** Steps between reads of the device-side loss and guard counters (each read is one host sync). */
const SYNC_EVERY = 16;
/** Rows per evaluation chunk (fewer for a mixture too large for that many: see rowsPerBlock). */
const EVALUATION_CHUNK = 4096;

/** Where a run is within its epoch (see {@link RunHooks.onProgress}). */
export interface StepProgress {
  /** The ensemble member this run trains (0 for a single network). */
  member: number;
  /** The epoch in progress (1-based) and the run's epoch budget. */
  epoch: number;
  totalEpochs: number;
  /** Steps done in this epoch, of `stepsPerEpoch`. */
  step: number;
  stepsPerEpoch: number;
  /** Mean training NLL per row (original units) over the epoch's steps so far (with noise, as trained). */
  trainLoss: number;
}

/** Everything a run reports after each epoch. */
export interface EpochEvent {
  /** The ensemble member this run trains (0 for a single network). */
  member: number;
  epoch: number;
  /** The epoch budget of this run (early stopping may end it sooner). */
  totalEpochs: number;
  /** Mean training loss per row over the epoch, in nats, original units (with noise, if any). */
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

export type { StopReason } from './record.js';

/** What a finished run hands over. */
export interface TrainResult {
  model: MixtureDensityNetwork;
  /** Every setting the run used. */
  plan: TrainPlan;
  /** The rows it trained and validated on (original units). */
  split: Split;
  history: EpochEvent[];
  stopReason: StopReason;
  /** Epoch whose weights the model holds (1-based). */
  bestEpoch: number;
  /** Best validation (or training) loss, nats per row in original units. */
  bestLoss: number;
  /** NLL per row of the returned weights, without noise, original units; validation null without a validation set. */
  finalLoss: { train: number; validation: number | null };
  epochs: number;
  steps: number;
  seconds: number;
  /** Steps skipped because of NaN/Inf (the weights were left untouched). */
  skippedSteps: number;
  /** For an ensemble, what each member's run reported (its seed is the plan's + its index). */
  members?: MemberSummary[];
  /** With `components: 'auto'`: how K was chosen (the plan keeps what was planned). */
  componentSearch?: ComponentChoice;
  /**
   * For an ensemble whose networks split their own validation rows (no validation set given): the training rows some
   * network held out, each with the network that did (the first, when several did). That network never trained on
   * its rows, so predicted by it alone they are held-out data: `diagnose(model, outOfBag.x, outOfBag.y, { networks:
   * outOfBag.networks })` checks the ensemble out of sample. Null when no row was held out.
   */
  outOfBag?: OutOfBag | null;
}

/** An ensemble's out-of-bag rows (see {@link TrainResult.outOfBag}). */
export interface OutOfBag {
  /** Positions (0-based) of the rows among the training rows given, ascending. */
  rows: number[];
  /** Those rows' inputs and targets, original units. */
  x: Matrix;
  y: Matrix;
  /** For each row, the network (0-based) that held it out. */
  networks: number[];
}

/** One ensemble member's run. */
export interface MemberSummary {
  seed: number;
  epochs: number;
  bestEpoch: number;
  bestLoss: number;
  stopReason: StopReason;
  finalLoss: { train: number; validation: number | null };
}

/** Options of a run beyond its plan. */
export interface RunHooks {
  /** Stops training cleanly at the next step; the best weights so far are kept. */
  signal?: AbortSignal;
  /** Called after every epoch by {@link TrainingRun.epoch} and {@link TrainingRun.run}; may return a promise (awaited). */
  onEpoch?: (event: EpochEvent) => void | Promise<void>;
  /**
   * Called within an epoch every few optimisation steps (where the run reads its counters from the device anyway),
   * for progress on large data sets whose epochs take long. Cheap; must not throw.
   */
  onProgress?: (progress: StepProgress) => void;
  /**
   * Replaces the training objective (default: the mixture's mean NLL). Gets the mixture over standardised
   * targets for the batch and the batch's standardised targets `[B, D]`; returns a scalar to minimise. For
   * experiments and demonstrations; it runs on the plain-op path.
   */
  loss?: (mixture: GaussianMixture, y: tf.Tensor2D) => tf.Scalar;
}

/** Epoch events as the model file records them. */
export function historyRecord(
  events: readonly EpochEvent[],
): NonNullable<MixtureDensityNetwork['metadata']['history']> {
  return events.map((e) => ({
    ...(e.member > 0 ? { member: e.member } : {}),
    epoch: e.epoch,
    trainLoss: e.trainLoss,
    validationLoss: e.validationLoss,
  }));
}

/**
 * Executes a plan. Create it with `startTraining` (train.ts) or directly from a model and prepared data; call
 * `step()` as often as you like (each returns the epoch's event when an epoch ends), or `await run()`; then
 * `finish()` restores the best weights and hands over the model. `dispose()` frees what the run still holds.
 */
export class TrainingRun {
  readonly plan: TrainPlan;
  readonly model: MixtureDensityNetwork;
  readonly data: PreparedData;
  readonly history: EpochEvent[] = [];
  /** Optimisation steps taken. */
  steps = 0;
  stopReason: StopReason | null = null;

  private readonly hooks: RunHooks;
  private readonly random: Random;
  private readonly trainer: TrainingStep;
  private readonly rate: LearningRatePolicy;
  private readonly noise: NoisePolicy;
  private readonly recovery: RecoveryPolicy;
  private readonly stopping: EarlyStoppingPolicy;
  private readonly order: Int32Array;
  private bestWeights: tf.Tensor[];
  private readonly started = performance.now();
  private epochNumber = 0;
  private position = 0;
  private epochStarted = 0;
  private epochSteps = 0;
  private lossSum = 0;
  private lossRows = 0;
  private skipped = 0;
  private skippedTotal = 0;
  private lastRate = 0;
  private aborted = false;
  private state: 'training' | 'stopped' | 'finished' | 'disposed' = 'training';

  /** Which ensemble member this run trains (0 for a single network). */
  readonly member: number;

  constructor(plan: TrainPlan, model: MixtureDensityNetwork, data: PreparedData, hooks: RunHooks = {}, member = 0) {
    this.member = member;
    this.plan = plan;
    this.model = model;
    this.data = data;
    this.hooks = hooks;
    // Shuffling and noise draw from their own stream, so the split (drawn from the seed itself) stays put.
    this.random = createRandom((plan.seed ^ 0x5bd1e995) >>> 0);
    this.trainer = new TrainingStep(model, {
      clipNorm: plan.clipNorm ?? Number.POSITIVE_INFINITY,
      guardNonFinite: plan.guardNonFinite,
      ...plan.adam,
      ...(hooks.loss ? { loss: hooks.loss } : {}),
    });
    this.rate = new LearningRatePolicy(plan);
    this.noise = new NoisePolicy(plan, this.rate);
    this.recovery = new RecoveryPolicy(plan, this.rate);
    this.stopping = new EarlyStoppingPolicy(plan);
    this.order = Int32Array.from({ length: plan.trainRows }, (_, i) => i);
    this.bestWeights = model.snapshot();
  }

  /** True once the run has stopped (budget spent, early stopping, or abort). */
  get done(): boolean {
    return this.state !== 'training';
  }

  /** Asks the run to stop at its next step; the epoch in progress is reported, the best weights kept. */
  abort(): void {
    this.aborted = true;
  }

  /**
   * One optimisation step (and, when it ends an epoch, the epoch's evaluation). Returns the epoch's event when
   * this step ended one, else null. Does nothing once the run is done.
   */
  step(): EpochEvent | null {
    if (this.state !== 'training') return null;
    if (this.aborted || this.hooks.signal?.aborted) {
      this.stopReason = 'aborted';
      return this.endEpoch();
    }
    const { plan } = this;
    if (this.position === 0) this.beginEpoch();
    const size = Math.min(plan.batchSize, plan.trainRows - this.position);
    const learningRate = this.rate.rateAt(this.steps);
    const noise = this.noise.at(this.steps);
    const noiseSeed = this.random.uint32();
    const indices = this.order.slice(this.position, this.position + size);
    const tensors = this.data.tensors;
    const batch = tf.tidy(() => {
      const index = tf.tensor1d(indices, 'int32');
      let xb = tf.gather(tensors.x, index) as tf.Tensor2D;
      let yb = tf.gather(tensors.y, index) as tf.Tensor2D;
      if (noise !== null) {
        if (noise.x > 0) xb = tf.add(xb, tf.randomNormal(xb.shape, 0, noise.x, 'float32', noiseSeed));
        if (noise.y > 0) yb = tf.add(yb, tf.randomNormal(yb.shape, 0, noise.y, 'float32', noiseSeed + 1));
      }
      return { xb, yb };
    });
    this.trainer.run(batch.xb, batch.yb, learningRate, this.epochNumber <= plan.meanWarmupEpochs);
    tf.dispose([batch.xb, batch.yb]);
    this.lastRate = learningRate;
    this.steps += 1;
    this.epochSteps += 1;
    this.position += size;
    // The step leaves its loss and the guard's counters on the device; read them every few steps (one sync).
    if (this.steps % SYNC_EVERY === 0) {
      this.absorb(this.trainer.readStats());
      if (this.hooks.onProgress && this.position < plan.trainRows) {
        this.hooks.onProgress({
          member: this.member,
          epoch: this.epochNumber,
          totalEpochs: plan.epochs,
          step: this.epochSteps,
          stepsPerEpoch: plan.stepsPerEpoch,
          trainLoss: this.meanTrainLoss(),
        });
      }
    }
    if (this.position < plan.trainRows) return null;
    return this.endEpoch();
  }

  /**
   * Steps to the end of the current epoch, letting the event loop run every few steps (so an abort or Ctrl-C
   * gets through), then awaits `onEpoch`. Returns the epoch's event, or null when the run was already done.
   */
  async epoch(): Promise<EpochEvent | null> {
    let event: EpochEvent | null = null;
    while (event === null && !this.done) {
      event = this.step();
      if (event === null && this.steps % SYNC_EVERY === 0) await yieldToEventLoop();
    }
    if (event !== null) await this.hooks.onEpoch?.(event);
    return event;
  }

  /** Runs epochs until the plan's budget, early stopping or an abort ends training; then {@link finish}. */
  async run(): Promise<TrainResult> {
    while (!this.done) {
      await this.epoch();
      await yieldToEventLoop();
    }
    return this.finish();
  }

  /**
   * Ends the run (if it is still going, as an abort): restores the best weights (when the plan says so), records
   * the plan, history and final losses in the model's metadata, frees the training state, and hands over the
   * model: the caller owns it from here.
   */
  finish(): TrainResult {
    if (this.state === 'finished' || this.state === 'disposed') {
      throw new MdnError('invalid-state', 'this training run has ended: finish() hands over its model once');
    }
    if (this.state === 'training') {
      this.stopReason = 'aborted';
      this.endEpoch();
    }
    const { plan, model } = this;
    if (this.steps > 0 && this.skippedTotal >= this.steps) {
      // Every step was skipped (its loss or gradient non-finite): the weights are the untrained ones, whatever the
      // validation loss of those says. Before, such a run ended "trained" and its diagnosis found nothing wrong.
      this.dispose();
      throw new TrainingError(
        `training applied none of its ${this.steps} steps: every one gave a non-finite loss or gradient, so the ` +
          'weights are the untrained ones; check the data for extreme values and the settings for extreme ones ' +
          '(noise, learning rate)',
      );
    }
    if (plan.restoreBest) {
      if (this.stopping.bestEpoch === 0) {
        this.dispose();
        throw new TrainingError(
          this.stopReason === 'aborted' && this.history.length === 0
            ? 'training was stopped before its first epoch ended: there are no trained weights to keep'
            : 'training produced no finite loss: every step was non-finite; check the data for extreme values',
        );
      }
      model.restore(this.bestWeights);
    }
    const held = this.data.tensors.validationX
      ? this.evaluateRows(this.data.tensors.validationX, this.data.tensors.validationY!)
      : null;
    const finalLoss = {
      train: this.evaluate(this.data.tensors.x, this.data.tensors.y),
      validation: held?.nll ?? null,
    };
    const seconds = (performance.now() - this.started) / 1000;
    const bestEpoch = plan.restoreBest ? this.stopping.bestEpoch : this.history.length;
    model.metadata = {
      ...model.metadata,
      plan,
      history: historyRecord(this.history),
      training: trainingRecord({
        plan,
        backend: tf.getBackend(),
        epochs: this.history.length,
        bestEpoch,
        bestLoss: this.stopping.bestLoss,
        stopReason: this.stopReason!,
        finalLoss,
        standardError: held?.standardError ?? null,
        seconds,
      }),
    };
    const result: TrainResult = {
      model,
      plan,
      split: this.data.split,
      history: this.history,
      stopReason: this.stopReason!,
      bestEpoch,
      bestLoss: this.stopping.bestLoss,
      finalLoss,
      epochs: this.history.length,
      steps: this.steps,
      seconds,
      skippedSteps: this.skippedTotal,
    };
    this.releaseTrainingState();
    this.state = 'finished';
    return result;
  }

  /** Frees everything the run holds, the model too unless {@link finish} handed it over. Safe to call twice. */
  dispose(): void {
    if (this.state === 'disposed') return;
    if (this.state !== 'finished') {
      this.releaseTrainingState();
      this.model.dispose();
    }
    this.state = 'disposed';
  }

  /** NLL per row in original units of standardised rows on the device, without noise (chunked). */
  private evaluate(x: tf.Tensor2D, y: tf.Tensor2D): number {
    return this.evaluateRows(x, y).nll;
  }

  /** The NLL per row (original units) and the standard error of that mean, in chunks, without noise. */
  private evaluateRows(x: tf.Tensor2D, y: tf.Tensor2D): { nll: number; standardError: number } {
    const rows = x.shape[0];
    const chunk = rowsPerBlock(this.model.config, EVALUATION_CHUNK);
    let total = 0;
    let squares = 0;
    for (let start = 0; start < rows; start += chunk) {
      const size = Math.min(chunk, rows - start);
      const sums = tf.tidy(() => {
        const xs = tf.slice(x, [start, 0], [size, x.shape[1]]);
        const ys = tf.slice(y, [start, 0], [size, y.shape[1]]);
        const mixture = this.model.mixtureStandardised(xs);
        const bins = this.model.standardisedBins;
        const logProb = bins ? mixture.binLogProb(ys, bins) : mixture.logProb(ys);
        return tf.stack([tf.sum(logProb), tf.sum(tf.square(logProb))]);
      });
      const [sum, square] = sums.dataSync();
      total += sum!;
      squares += square!;
      sums.dispose();
    }
    const mean = total / rows;
    const variance = Math.max(0, squares / rows - mean * mean) * (rows / Math.max(1, rows - 1));
    return { nll: -mean - this.jacobian, standardError: Math.sqrt(variance / rows) };
  }

  private beginEpoch(): void {
    this.epochNumber += 1;
    shuffleInPlace(this.order, this.random);
    this.epochStarted = performance.now();
    this.epochSteps = 0;
    this.lossSum = 0;
    this.lossRows = 0;
    this.skipped = 0;
  }

  /** Mean training NLL per row so far this epoch, in original units (NaN before any finite step). */
  private meanTrainLoss(): number {
    return this.lossRows > 0 ? this.lossSum / this.lossRows - this.jacobian : Number.NaN;
  }

  /**
   * What maps a log-density of standardised targets to original units (−Σ log scale); 0 for a discrete target,
   * whose log-probabilities have no units.
   */
  private get jacobian(): number {
    return this.model.standardisedBins ? 0 : this.data.targetStandardiser.logDetJacobian;
  }

  /** Takes in the device-side sums and counters; recovers from a run of non-finite steps. */
  private absorb(stats: StepStats): void {
    this.lossSum += stats.lossSum;
    this.lossRows += stats.rows;
    this.skipped += stats.skipped;
    if (this.recovery.observe(stats.consecutiveBad) === 'recover') {
      this.model.restore(this.bestWeights);
      this.trainer.resetBadSteps();
    }
  }

  /** Closes the epoch in progress: evaluation, best weights, early stopping, the event. */
  private endEpoch(): EpochEvent | null {
    const { plan } = this;
    if (this.epochSteps === 0) {
      // Aborted between epochs (or before the first): nothing to report.
      this.state = 'stopped';
      return null;
    }
    this.absorb(this.trainer.readStats());
    this.skippedTotal += this.skipped;
    const epoch = this.epochNumber;
    const stepsThisEpoch = this.epochSteps;
    this.position = 0;
    this.epochSteps = 0;
    const trainLoss = this.meanTrainLoss();
    const { validationX, validationY } = this.data.tensors;
    const validationLoss = validationX ? this.evaluate(validationX, validationY!) : null;
    const decision = this.stopping.observe(epoch, validationLoss ?? trainLoss, this.steps);
    if (decision.best) {
      tf.dispose(this.bestWeights);
      this.bestWeights = this.model.snapshot();
    }
    if (decision.reduce) {
      // A plateau: continue from the best weights at a lower rate.
      this.rate.reduce();
      if (this.plan.restoreBest && this.stopping.bestEpoch > 0) this.model.restore(this.bestWeights);
    }
    const now = performance.now();
    const seconds = (now - this.epochStarted) / 1000;
    const event: EpochEvent = {
      member: this.member,
      epoch,
      totalEpochs: plan.epochs,
      trainLoss,
      validationLoss: validationLoss === null ? null : Number.isFinite(validationLoss) ? validationLoss : Number.NaN,
      bestLoss: this.stopping.bestLoss,
      learningRate: this.lastRate,
      stepsPerSecond: stepsThisEpoch / Math.max(seconds, 1e-9),
      elapsedSeconds: (now - this.started) / 1000,
      skippedSteps: this.skipped,
      meanWarmup: epoch <= plan.meanWarmupEpochs,
    };
    this.history.push(event);
    if (this.stopReason === 'aborted') this.state = 'stopped';
    else if (decision.stop) {
      this.stopReason = 'early-stopping';
      this.state = 'stopped';
    } else if (epoch >= plan.epochs) {
      this.stopReason = 'max-epochs';
      this.state = 'stopped';
    }
    return event;
  }

  private releaseTrainingState(): void {
    tf.dispose(this.bestWeights);
    this.bestWeights = [];
    this.trainer.dispose();
    this.data.dispose();
  }
}
