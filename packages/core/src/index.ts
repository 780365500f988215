/**
 * @mdn/core — Mixture Density Networks on TensorFlow.js (tfjs-core only; bring a backend adapter).
 * This file is the whole public surface.
 */

export { type Matrix, type MatrixInput, toMatrix } from './data/matrix.js';
export { Standardiser, type StandardiserJSON } from './data/standardiser.js';
export { normalCdf, normalPdf, normalQuantile } from './math/normal.js';
export {
  type CovarianceFamily,
  type DiagonalMixtureParameters,
  GaussianMixture,
  scalesFromRaw,
} from './mixture/gaussian-mixture.js';
export { HostMixture, type HostMixtureParameters, type Interval, type SampleOptions } from './mixture/host-mixture.js';
export {
  CALIBRATION_LEVELS,
  calibrationError,
  crps,
  type EnergyScoreOptions,
  energyScore,
  type IntervalSummary,
  intervalSummary,
  pit,
} from './mixture/scores.js';
export { createRandom, type Random } from './random/rng.js';
