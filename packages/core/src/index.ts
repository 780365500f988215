/**
 * @mdn/core — Mixture Density Networks on TensorFlow.js (tfjs-core only; bring a backend adapter).
 * This file is the user API. Two more entry points: `@mdn/core/host` (tfjs-free: host mixtures, scores, tables;
 * re-exported here) and `@mdn/core/adapter` (for authors of backend adapters: the contract and fused kernels).
 */

export { activeBackend, type BackendAdapter, type BackendInfo, useBackend } from './backend/adapter.js';
export {
  bishopInverse,
  circle2d,
  correlated2d,
  DATASETS,
  econDensity,
  forumToy,
  linearGaussian,
  type SyntheticDataset,
  type SyntheticOptions,
  twoBranch,
} from './datasets/synthetic.js';
export {
  type BaselineFit,
  fitLinearHeteroscedastic,
  type LinearHeteroscedasticModel,
  linearHeteroscedastic,
  unconditionalMixture,
} from './diagnose/baselines.js';
export {
  type DiagnoseOptions,
  type Diagnosis,
  type DiagnosisMetrics,
  diagnose,
  type Finding,
  formatDiagnosis,
  type Severity,
} from './diagnose/diagnose.js';
export { TrainingError } from './errors.js';
export * from './host.js';
export {
  type CovarianceFamily,
  type DiagonalMixtureParameters,
  type FullMixtureParameters,
  GaussianMixture,
  scalesFromRaw,
} from './mixture/gaussian-mixture.js';
export {
  type Activation,
  type Covariance,
  MAX_PARAMETERS,
  type MdnConfig,
  parameterCount,
  type ScaleActivation,
  type TargetAtom,
} from './model/config.js';
export { type KMeansResult, kMeans } from './model/kmeans.js';
export { loadModel, saveModel, toModelFile } from './model/model-file.js';
export {
  type CreateOptions,
  type DenseLayer,
  MixtureDensityNetwork,
  type ModelInput,
  type ModelMetadata,
  type NetworkHeads,
  type NetworkLayers,
  PREDICT_CHUNK_ROWS,
  type RawOutputs,
} from './model/network.js';
export {
  type AdamOptions,
  type ComponentSearch,
  type DataShape,
  describeTrainPlan,
  type NoiseOptions,
  type PlanOptions,
  resolveTrainPlan,
  type Schedule,
  type TrainPlan,
} from './train/plan.js';
export { type ColumnNames, type PreparedData, type Split, splitValidation } from './train/prepare.js';
export type { ComponentChoice, SavedTrainingRecord, TrainingRecord } from './train/record.js';
export {
  type EpochEvent,
  type MemberSummary,
  type OutOfBag,
  type RunHooks,
  type StepProgress,
  type StopReason,
  TrainingRun,
  type TrainResult,
} from './train/run.js';
export { FORUM_TRAIN_OPTIONS, planTraining, startTraining, type TrainOptions, train } from './train/train.js';
