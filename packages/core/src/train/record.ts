/**
 * What a training run did, as it is saved with the model (`metadata.training`): one type, built by one function
 * from the run's results (a single network's run, an ensemble's, a choice of K). Nothing here imports TensorFlow.js.
 */
import type { TrainPlan } from './plan.js';

/** Why training stopped. */
export type StopReason = 'max-epochs' | 'early-stopping' | 'aborted';

/** How `components: 'auto'` chose K (see TrainPlan.componentSearch for what was planned). */
export interface ComponentChoice {
  /** The largest K tried (the plan's). */
  largest: number;
  /** The K of the returned model, after pruning components that carry no weight. */
  chosen: number;
  /** Each K trained, in order, with its validation NLL per row (original units). */
  tried: { components: number; validationNll: number }[];
  /** Components removed from the chosen network because their weight stayed below 1e-3 on every row. */
  pruned: number;
  /** Why this K, in words. */
  reason: string;
}

/** The record of a training run (nats per row in original units). */
export interface TrainingRecord {
  /** The run's seed (an ensemble's first member's; member m used seed + m). */
  seed: number;
  /** The tfjs backend it ran on. */
  backend: string;
  /** Rows given for training. */
  rows: number;
  /** Epochs run (an ensemble: over all its networks). */
  epochs: number;
  /** The epoch whose weights the model holds (an ensemble: its first network's). */
  bestEpoch: number;
  /** The best validation (or training) loss (an ensemble: the mean over its networks). */
  bestLoss: number;
  stopReason: StopReason;
  /** NLL of the returned weights on the training rows, and on the validation rows (null without any). */
  finalTrainLoss: number;
  finalValidationLoss: number | null;
  /** The standard error of finalValidationLoss (null without validation rows). */
  finalValidationStandardError: number | null;
  seconds: number;
  /** Networks in an ensemble (absent for one network). */
  members?: number;
  /** How K was chosen, with `components: 'auto'`. */
  componentSearch?: ComponentChoice;
}

/**
 * A training record as a model file holds it: any field may be absent (files from older versions), and a loss that
 * was not finite is saved as null. Files before `componentSearch` was recorded hold its reason in `components`.
 */
export type SavedTrainingRecord = { [K in keyof TrainingRecord]?: TrainingRecord[K] | null } & { components?: string };

/** The record of a run from its results. */
export function trainingRecord(facts: {
  plan: TrainPlan;
  backend: string;
  epochs: number;
  bestEpoch: number;
  bestLoss: number;
  stopReason: StopReason;
  finalLoss: { train: number; validation: number | null };
  standardError: number | null;
  seconds: number;
  members?: number;
  componentSearch?: ComponentChoice;
}): TrainingRecord {
  return {
    seed: facts.plan.seed,
    backend: facts.backend,
    rows: facts.plan.rows,
    epochs: facts.epochs,
    bestEpoch: facts.bestEpoch,
    bestLoss: facts.bestLoss,
    stopReason: facts.stopReason,
    finalTrainLoss: facts.finalLoss.train,
    finalValidationLoss: facts.finalLoss.validation,
    finalValidationStandardError: facts.standardError,
    seconds: Math.round(facts.seconds * 1000) / 1000,
    ...(facts.members !== undefined ? { members: facts.members } : {}),
    ...(facts.componentSearch !== undefined ? { componentSearch: facts.componentSearch } : {}),
  };
}
