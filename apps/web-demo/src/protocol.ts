/** Messages between the page (main.ts) and the training worker (worker.ts). */
import type { BackendInfo, MixtureBlock, PlanOptions, TrainPlan } from '@mdn/core';

export type BackendName = 'webgl' | 'wasm' | 'cpu';

/**
 * What the controls set: training options for the core's plan, holding only what the user changed from the
 * library's defaults (so an untouched page runs exactly the plan `train()` would run on the same data for one
 * network: `startTraining`'s, whose default ensemble is 1).
 */
export interface Settings {
  options: PlanOptions;
}

/** The forum's panel: its settings, its loss (the broadcasting bug), optionally on standardised data. */
export interface ForumSettings {
  /** Standardise x and y (as the forum's repro script does): the broadcasting collapse shows without the σ underflow. */
  standardize: boolean;
}

/** One input and one target column. Typed arrays: a file's millions of values cross between page and worker as one copy each, not as millions of JS numbers. */
export interface DataSet {
  name: string;
  /** The input: numbers (NaN where a cell is missing), or with `xLevels` each row's level index (NaN: missing). */
  x: Float64Array;
  y: Float64Array;
  xLabel: string;
  yLabel: string;
  /** A categorical input's levels (x holds indices into them); the picture draws one column per level. */
  xLevels?: string[];
}

/**
 * A column of a CSV file as the worker read it (with @mdn/core's cell reader and input schema): numbers (an ISO date
 * as days) with NaN for missing cells, or levels (text) as indices into `levels`.
 */
export interface CsvColumn {
  kind: 'numeric' | 'categorical';
  values: Float64Array;
  levels?: string[];
}

export type ToWorker =
  | {
      type: 'configure';
      backend: BackendName;
      data: DataSet;
      settings: Settings;
      /** Train the forum's settings side by side; null: not. */
      forum: ForumSettings | null;
      seed: number;
    }
  | { type: 'clear' }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'export' }
  | { type: 'load'; text: string; fileName: string }
  /** Read a CSV/TSV file in the worker, a chunk at a time (the page never holds or parses its text). */
  | { type: 'read-csv'; file: File }
  | { type: 'diagnose' }
  | { type: 'density'; points: [number, number][] };

/** A run's state for drawing: mixture parameters on a grid of x, in original units. */
export interface RunFrame {
  label: string;
  steps: number;
  stepsPerSecond: number;
  /** [step, training NLL per row (original units)] at the end of each epoch */
  losses: [number, number][];
  /** The run stopped (its plan's budget, early stopping) or the model was loaded: no more steps. */
  done: boolean;
  /** Why it stopped, when it did. */
  stopReason: string | null;
  nonFinite: boolean;
  /**
   * The predicted mixture on the x grid, with its parts (`MixtureParts.toJSON()`): which components are the
   * network's own, their predictive-tail companions (same means, wider) and the point masses at the ends of the
   * target's range (MdnConfig.atoms). Tails and atoms are drawn as part of the density only.
   */
  grid: {
    xs: number[];
    components: number;
    parts: MixtureBlock[];
    logWeights: Float64Array;
    means: Float64Array;
    scales: Float64Array;
  };
}

export type FromWorker =
  | { type: 'ready'; backend: BackendInfo; runs: string[]; plans: (TrainPlan | null)[] }
  | { type: 'frame'; running: boolean; runs: RunFrame[] }
  | { type: 'model'; text: string }
  | { type: 'loaded'; fileName: string; inputColumns: string[]; targetColumns: string[] }
  | { type: 'diagnosis'; runs: { label: string; status: string; text: string }[] }
  | { type: 'densities'; values: number[] }
  /** A CSV read by the worker: its header and every column (numbers or levels). */
  | { type: 'csv'; name: string; header: string[]; columns: CsvColumn[] }
  | { type: 'error'; message: string };
