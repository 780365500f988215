/**
 * @mdn/core/host — the tfjs-free part of @mdn/core: evaluate, sample and score Gaussian mixtures in float64 on
 * the host, read tables, and the errors. Nothing here imports TensorFlow.js, so a page or a server that only
 * evaluates saved predictions can use it without a backend.
 */

export {
  type Cell,
  type CellKind,
  isRawInput,
  MISSING_CELLS,
  type MissingTarget,
  RawColumn,
  type RawColumns,
  type RawInput,
  type RawRecords,
  type RawTable,
  rawColumns,
  rawRows,
  readCell,
  readTrainingTable,
  type TrainingTable,
  type TrainingTableOptions,
  TrainingTableReader,
} from './data/columns.js';
export {
  type CategoricalColumnSchema,
  type ColumnSchema,
  type DateColumnSchema,
  dateDays,
  ENCODING_DEFAULTS,
  EncodingReport,
  type Feature,
  type IgnoredColumnSchema,
  InputSchema,
  type InputSchemaJSON,
  type InputSchemaOptions,
  isoDays,
  type NumericColumnSchema,
} from './data/input-schema.js';
export { type Matrix, type MatrixInput, toMatrix } from './data/matrix.js';
export { Standardiser, type StandardiserJSON } from './data/standardiser.js';
export {
  columnIndices,
  columnList,
  DECIMAL,
  looksLikeDecimalComma,
  MAX_MAGNITUDE,
  numericMatrix,
  parseTable,
  printable,
  type Table,
  type TableOptions,
  TableReader,
  type TableRecord,
} from './data/table.js';
export {
  type ErrorFields,
  InputError,
  type InputErrorCode,
  MdnError,
  type MdnErrorCode,
  type MdnErrorOptions,
} from './errors.js';
export {
  type ColumnMoments,
  columnMoments,
  inverseSoftplus,
  logNormalPdf,
  logSumExp,
  softplus,
} from './math/host-math.js';
export { normalCdf, normalPdf, normalQuantile } from './math/normal.js';
export { covarianceFromFactor, factorCount, factorFromCovariance, factorIndex } from './math/precision-factor.js';
export {
  addAtomsHost,
  type BoundaryAtom,
  type BoundaryAtomRule,
  findBoundaryAtoms,
  removeAtomsHost,
} from './mixture/atoms-host.js';
export {
  COMPONENT_FAMILIES,
  type ComponentFamily,
  type StandardComponent,
  standardComponent,
  standardLaplace,
  standardNormal,
  type TailPoint,
} from './mixture/components/standard.js';
export type { Discretisation } from './mixture/discrete.js';
export {
  HostMixture,
  type HostMixtureParameters,
  type Interval,
  MAX_SAMPLE_VALUES,
  type ObservedValues,
  type SampleOptions,
} from './mixture/host-mixture.js';
export { type ComponentRole, type MixtureBlock, MixtureParts, type ModelLayout } from './mixture/parts.js';
export {
  CALIBRATION_LEVELS,
  calibrationError,
  crps,
  type EnergyScoreOptions,
  energyScore,
  type IntervalSummary,
  intervalSummary,
  type PitOptions,
  pit,
} from './mixture/scores.js';
export {
  MODEL_FILE_SCHEMA_URL,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelContents,
  type ModelFile,
  ModelFormatError,
  type ModelSource,
  READABLE_MODEL_FORMAT_VERSIONS,
  readModelFile,
  type WeightEntry,
} from './model/file-format.js';
export { HostModel } from './model/host-model.js';
export {
  ACTIVATIONS,
  ADAM_FIELDS,
  DEFAULT_MDN_CONFIG,
  describeDefault,
  describeOptionText,
  MODEL_OPTION_NAMES,
  NOISE_FIELDS,
  type OptionDefault,
  type OptionFlag,
  type OptionSpec,
  optionsMarkdown,
  PLAN_OPTION_NAMES,
  parseOptionText,
  requireOption,
  setOption,
  TRAIN_DEFAULTS,
  TRAIN_OPTIONS,
  trainOption,
} from './options/schema.js';
export { checkValue, describeText, describeValue, parseValueText, type ValueKind } from './options/values.js';
export { niceTicks, viridis } from './plot/scales.js';
export { createRandom, type Random } from './random/rng.js';
