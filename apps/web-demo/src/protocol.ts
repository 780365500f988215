/** Messages between the page (main.ts) and the training worker (worker.ts). */
import type { BackendInfo } from '@mdn/core';

export type BackendName = 'webgl' | 'wasm' | 'cpu';

/** What the controls set. */
export interface Settings {
  components: number;
  hidden: number[];
  learningRate: number;
  batchSize: number;
  /** The anti-collapse switches. */
  standardize: boolean;
  spreadInit: boolean;
  noise: boolean;
  meanWarmup: boolean;
  softplusScales: boolean;
}

export interface DataSet {
  name: string;
  x: number[];
  y: number[];
  xLabel: string;
  yLabel: string;
}

export type ToWorker =
  | { type: 'configure'; backend: BackendName; data: DataSet; settings: Settings; forum: boolean; seed: number }
  | { type: 'clear' }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'export' }
  | { type: 'load'; text: string; fileName: string }
  | { type: 'diagnose' }
  | { type: 'density'; points: [number, number][] };

/** A run's state for drawing: mixture parameters on a grid of x, in original units. */
export interface RunFrame {
  label: string;
  steps: number;
  stepsPerSecond: number;
  /** [step, training NLL per row (original units)] */
  losses: [number, number][];
  nonFinite: boolean;
  grid: { xs: number[]; components: number; logWeights: Float64Array; means: Float64Array; scales: Float64Array };
}

export type FromWorker =
  | { type: 'ready'; backend: BackendInfo; runs: string[] }
  | { type: 'frame'; running: boolean; runs: RunFrame[] }
  | { type: 'model'; text: string }
  | { type: 'loaded'; fileName: string; inputColumns: string[]; targetColumns: string[] }
  | { type: 'diagnosis'; runs: { label: string; status: string; text: string }[] }
  | { type: 'densities'; values: number[] }
  | { type: 'error'; message: string };
