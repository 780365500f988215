/**
 * The policies of a training run, each a small object with no tensors: the learning-rate schedule, the noise
 * schedule, recovery from non-finite steps, and early stopping with the choice of the best epoch. The run
 * (run.ts) asks them; they read only the plan and what the run tells them, so each is testable alone.
 */
import { TrainingError } from '../errors.js';
import type { NoiseOptions, TrainPlan } from './plan.js';
import { learningRateAt } from './schedule.js';

/**
 * The learning rate of each step: linear warm-up, then the schedule (cosine decay, or the peak rate), times the
 * plateau reductions so far and the recovery scale.
 */
export class LearningRatePolicy {
  /** Lowered by the non-finite recovery (halved each time). */
  scale = 1;
  /** Lowered at each plateau (×reductionFactor). */
  reduction = 1;
  constructor(private readonly plan: TrainPlan) {}

  rateAt(step: number): number {
    const { totalSteps, learningRate, warmupSteps, finalLearningRateFraction } = this.plan;
    return (
      learningRateAt(step, totalSteps, learningRate, warmupSteps, finalLearningRateFraction) *
      this.scale *
      this.reduction
    );
  }

  /** One plateau reduction. */
  reduce(): void {
    this.reduction *= this.plan.reductionFactor;
  }
}

/**
 * The noise standard deviations of each step (standardised units). Annealed: with the 'plateau' schedule they
 * fall with the learning rate's reductions and, over the last quarter of the epoch budget, linearly to 0 (a run
 * that its budget ends, such as one given a small `epochs`, finishes without the noise's bias; a run that its
 * plateaus end rarely gets there); otherwise linearly to 0 over the planned steps.
 */
export class NoisePolicy {
  constructor(
    private readonly plan: TrainPlan,
    private readonly rate: LearningRatePolicy,
  ) {}

  /** Null when no noise is added at this step. */
  at(step: number): NoiseOptions | null {
    const noise = this.plan.noise;
    if (noise === null) return null;
    const level = !noise.anneal
      ? 1
      : this.plan.schedule === 'plateau'
        ? Math.min(this.rate.reduction, (1 - step / this.plan.totalSteps) / this.plan.noiseTail)
        : Math.max(0, 1 - step / this.plan.totalSteps);
    if (level <= 0 || (noise.x <= 0 && noise.y <= 0)) return null;
    return { x: noise.x * level, y: noise.y * level, anneal: noise.anneal };
  }
}

/**
 * Recovery from a run of non-finite steps (the step's guard skips each one on the device): after
 * `maxBadSteps` in a row, go back to the best weights and halve the learning rate; after six halvings, give up
 * with a {@link TrainingError} that says what to try.
 */
export class RecoveryPolicy {
  private halvings = 0;
  constructor(
    private readonly plan: TrainPlan,
    private readonly rate: LearningRatePolicy,
  ) {}

  /** 'recover' when the caller must restore the best weights and clear the guard's counter. */
  observe(consecutiveBad: number): 'ok' | 'recover' {
    if (consecutiveBad < this.plan.maxBadSteps) return 'ok';
    if (this.halvings >= 6) {
      throw new TrainingError(
        `training diverged: ${consecutiveBad} consecutive steps gave a non-finite loss or gradient even after lowering the learning rate 64×; ` +
          'check the data for extreme values, keep standardize on, or use scaleActivation "softplus"',
      );
    }
    this.halvings += 1;
    this.rate.scale /= 2;
    return 'recover';
  }
}

/** What {@link EarlyStoppingPolicy.observe} decides after an epoch. */
export interface EpochDecision {
  /** This epoch's weights are the new best: snapshot them. */
  best: boolean;
  /** A plateau: go back to the best weights and lower the learning rate. */
  reduce: boolean;
  /** Stop training now. */
  stop: boolean;
}

/**
 * Early stopping, plateaus and the choice of the best epoch, on the monitored loss (validation NLL, else training
 * NLL). An improvement is a drop of more than 1e-4 nats; the patience clock counts epochs since the best epoch (or
 * the end of the mean-first warm-up, or the last reduction).
 * - 'plateau': `patience` epochs without improvement lower the rate (`reductions` times; the run goes back to the
 *   best weights and the best epoch is sought afresh from there), then stop.
 * - 'cosine': the search for the best epoch starts afresh when the schedule is half done (a lucky score at the peak
 *   rate is neither restored nor allowed to start the patience clock); stopping only in the low-rate half.
 * - 'constant': the best epoch over the whole run; `patience` epochs without improvement stop.
 */
export class EarlyStoppingPolicy {
  /** The best epoch so far (1-based; 0 before any finite loss) and its loss. */
  bestEpoch = 0;
  bestLoss = Number.POSITIVE_INFINITY;
  /** Plateau reductions so far. */
  reductions = 0;
  private lastReduction = 0;
  private inLowRatePhase = false;
  constructor(private readonly plan: TrainPlan) {}

  /** @param step optimisation steps done when the epoch ended */
  observe(epoch: number, loss: number, step: number): EpochDecision {
    const { schedule, totalSteps, meanWarmupEpochs, patience } = this.plan;
    const cosine = schedule === 'cosine';
    const halfDone = !cosine || step >= totalSteps / 2;
    const finite = Number.isFinite(loss);
    const lowRatePhaseStarts = cosine && halfDone && !this.inLowRatePhase && finite;
    if (lowRatePhaseStarts) this.inLowRatePhase = true;
    const best = finite && (loss < this.bestLoss - 1e-4 || lowRatePhaseStarts);
    if (best) {
      this.bestEpoch = epoch;
      this.bestLoss = loss;
    }
    const waited = epoch - Math.max(this.bestEpoch, meanWarmupEpochs, this.lastReduction);
    const plateau = patience !== null && halfDone && epoch > meanWarmupEpochs && waited >= patience;
    if (plateau && schedule === 'plateau' && this.reductions < this.plan.reductions) {
      this.reductions += 1;
      this.lastReduction = epoch;
      // The run goes back to the best weights at a lower rate; the best epoch is sought afresh from there, so a
      // lucky score of a noisy high-rate epoch cannot outlast the (converged) lower-rate phases.
      this.bestLoss = Number.POSITIVE_INFINITY;
      return { best, reduce: true, stop: false };
    }
    return { best, reduce: false, stop: plateau };
  }
}
