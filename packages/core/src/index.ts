/**
 * @mdn/core — Mixture Density Networks on TensorFlow.js (tfjs-core only; bring a backend adapter).
 * This file is the whole public surface.
 */

export {
  activeBackend,
  BACKEND_CONTRACT_VERSION,
  type BackendAdapter,
  type BackendInfo,
  useBackend,
} from './backend/adapter.js';
export { type Matrix, type MatrixInput, toMatrix } from './data/matrix.js';
export { Standardiser, type StandardiserJSON } from './data/standardiser.js';
export {
  bishopInverse,
  circle2d,
  DATASETS,
  econDensity,
  forumToy,
  linearGaussian,
  type SyntheticDataset,
  type SyntheticOptions,
  twoBranch,
} from './datasets/synthetic.js';
export { type BaselineFit, linearHeteroscedastic, unconditionalMixture } from './diagnose/baselines.js';
export {
  type DiagnoseOptions,
  type Diagnosis,
  type DiagnosisMetrics,
  diagnose,
  type Finding,
  formatDiagnosis,
  type Severity,
} from './diagnose/diagnose.js';
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
export { type Activation, DEFAULT_MDN_CONFIG, type MdnConfig, type ScaleActivation } from './model/config.js';
export { type KMeansResult, kMeans } from './model/kmeans.js';
export {
  loadModel,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelFile,
  ModelFormatError,
  saveModel,
  toModelFile,
  type WeightEntry,
} from './model/model-file.js';
export { type CreateOptions, MixtureDensityNetwork, type ModelMetadata, type RawOutputs } from './model/network.js';
export { createRandom, type Random } from './random/rng.js';
export {
  type AdamSettings,
  adamStep,
  FUSED_KERNELS,
  type HostOutput,
  type HostView,
  hasFusedKernel,
  mixtureNllWithGradients,
  registerHostKernels,
  transpose2d,
  unregisterHostKernels,
} from './train/fused.js';
export { type StepStats, TrainingStep, type TrainingStepOptions } from './train/step.js';
export {
  DEFAULT_NOISE,
  type EpochEvent,
  FORUM_TRAIN_OPTIONS,
  type NoiseOptions,
  type Split,
  type StopReason,
  splitValidation,
  TrainingError,
  type TrainOptions,
  type TrainResult,
  train,
} from './train/train.js';
