/**
 * The checks of a model file's `metadata` on load. Every reader of a model (the `mdn` command's info, predict and
 * eval; the web demo) uses these fields, so a file edited by hand or by a buggy writer, with its checksums
 * recomputed, must not reach them with a wrong type: a column list that is a string, a plan whose `hidden` is a
 * number. A field that is absent stays absent (older files lack some); a field that is present has its type.
 */
import type { RawInput } from '../data/columns.js';
import { type EncodingReport, InputSchema } from '../data/input-schema.js';
import type { Matrix } from '../data/matrix.js';
import { printable } from '../data/table.js';
import { InputError } from '../errors.js';
import type { MdnConfig } from './config.js';
import type { ModelMetadata } from './network.js';

/** What a field must be: a type name, a list of allowed values, an object's fields, an array of one shape, or any of several. */
type Shape =
  | 'number'
  | 'integer'
  | 'string'
  | 'boolean'
  | 'null'
  | { readonly oneOf: readonly (string | number)[] }
  | { readonly fields: Readonly<Record<string, Shape>>; readonly required?: readonly string[] }
  | { readonly items: Shape }
  | { readonly anyOf: readonly Shape[] };

const number: Shape = 'number';
const integer: Shape = 'integer';
const numberOrNull: Shape = { anyOf: ['number', 'null'] };

/** A model's architecture, as the plan records it (resolveConfig checks the values). */
const CONFIG: Shape = {
  fields: {
    inputDimension: integer,
    outputDimension: integer,
    components: integer,
    hidden: { items: integer },
    activation: 'string',
    scaleActivation: 'string',
    scaleFloor: number,
    covariance: 'string',
    family: 'string',
    members: integer,
    tailWeight: number,
    tailScale: number,
    atoms: {
      items: {
        fields: { value: number, side: { oneOf: ['lower', 'upper'] }, scale: number, reach: number },
        required: ['value', 'side', 'scale', 'reach'],
      },
    },
    discrete: { anyOf: ['null', { fields: { lower: numberOrNull }, required: ['lower'] }] },
  },
  required: ['components', 'hidden', 'activation', 'scaleActivation'],
};

/** A TrainPlan, as far as its readers (describeTrainPlan, mdn info) rely on it. */
const PLAN: Shape = {
  fields: {
    version: { oneOf: [1] },
    model: CONFIG,
    initialization: { oneOf: ['spread', 'naive'] },
    standardize: 'boolean',
    rows: integer,
    trainRows: integer,
    validationRows: integer,
    validation: { oneOf: ['split', 'given', 'none'] },
    validationFraction: number,
    seed: integer,
    batchSize: integer,
    stepsPerEpoch: integer,
    epochs: integer,
    totalSteps: integer,
    learningRate: number,
    schedule: { oneOf: ['plateau', 'cosine', 'constant'] },
    reductions: integer,
    reductionFactor: number,
    finalLearningRateFraction: number,
    warmupSteps: integer,
    meanWarmupEpochs: integer,
    noise: { anyOf: ['null', { fields: { x: number, y: number, anneal: 'boolean' }, required: ['x', 'y'] }] },
    noiseTail: number,
    adam: { fields: { beta1: number, beta2: number, epsilon: number }, required: ['beta1', 'beta2', 'epsilon'] },
    patience: numberOrNull,
    restoreBest: 'boolean',
    clipNorm: numberOrNull,
    guardNonFinite: 'boolean',
    maxBadSteps: integer,
    allowLowPrecision: 'boolean',
    ensemble: integer,
    componentSearch: {
      anyOf: [
        'null',
        {
          fields: {
            largest: integer,
            chosen: integer,
            tried: {
              items: { fields: { components: integer, validationNll: numberOrNull }, required: ['components'] },
            },
            pruned: integer,
            reason: 'string',
          },
          required: ['largest'],
        },
      ],
    },
  },
  required: [
    'version',
    'model',
    'rows',
    'trainRows',
    'validationRows',
    'validation',
    'seed',
    'batchSize',
    'stepsPerEpoch',
    'epochs',
    'totalSteps',
    'learningRate',
    'schedule',
  ],
};

const METADATA: Shape = {
  fields: {
    inputColumns: { items: 'string' },
    targetColumns: { items: 'string' },
    history: {
      items: {
        fields: { member: integer, epoch: integer, trainLoss: numberOrNull, validationLoss: numberOrNull },
        required: ['epoch'],
      },
    },
    plan: PLAN,
    training: {
      fields: {
        seed: numberOrNull,
        backend: 'string',
        rows: numberOrNull,
        epochs: numberOrNull,
        bestEpoch: numberOrNull,
        bestLoss: numberOrNull,
        stopReason: { anyOf: ['string', 'null'] },
        finalTrainLoss: numberOrNull,
        finalValidationLoss: numberOrNull,
        finalValidationStandardError: numberOrNull,
        seconds: numberOrNull,
        members: integer,
        components: 'string',
        componentSearch: {
          fields: {
            largest: integer,
            chosen: integer,
            tried: {
              items: { fields: { components: integer, validationNll: numberOrNull }, required: ['components'] },
            },
            pruned: integer,
            reason: 'string',
          },
          required: ['largest', 'chosen'],
        },
      },
    },
  },
};

const describe = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'string'
        ? `'${printable(value, 40)}'`
        : typeof value === 'object'
          ? 'an object'
          : String(value);

/** Why `value` is not of `shape` (the first reason found, with its path), or null when it is. */
function mismatch(value: unknown, shape: Shape, path: string): string | null {
  if (typeof shape === 'string') {
    const ok =
      shape === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : shape === 'integer'
          ? Number.isSafeInteger(value)
          : shape === 'null'
            ? value === null
            : typeof value === shape;
    return ok
      ? null
      : `${path} must be ${shape === 'integer' ? 'a whole number' : `a ${shape}`}, not ${describe(value)}`;
  }
  if ('oneOf' in shape) {
    return shape.oneOf.includes(value as string | number)
      ? null
      : `${path} must be one of ${shape.oneOf.map((v) => JSON.stringify(v)).join(', ')}, not ${describe(value)}`;
  }
  if ('anyOf' in shape) {
    const reasons = shape.anyOf.map((option) => mismatch(value, option, path));
    if (reasons.includes(null)) return null;
    // An object checked against an object shape: that shape's reason (which field is wrong); else its type is.
    const structured = shape.anyOf.findIndex((option) => typeof option === 'object' && typeof value === 'object');
    if (structured >= 0 && value !== null) return reasons[structured]!;
    const names = shape.anyOf.map((option) => (typeof option === 'string' ? option : 'an object'));
    return `${path} must be ${names.join(' or ')}, not ${describe(value)}`;
  }
  if ('items' in shape) {
    if (!Array.isArray(value)) return `${path} must be an array, not ${describe(value)}`;
    for (const [i, item] of value.entries()) {
      const reason = mismatch(item, shape.items, `${path}[${i}]`);
      if (reason) return reason;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${path} must be an object, not ${describe(value)}`;
  }
  const record = value as Record<string, unknown>;
  for (const name of shape.required ?? []) {
    if (!Object.hasOwn(record, name)) return `${path}.${name} is missing`;
  }
  for (const [key, item] of Object.entries(record)) {
    // Unknown fields are kept (a newer writer may add some): only the fields this library reads are checked.
    const field = Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined;
    if (field === undefined || item === undefined) continue;
    const reason = mismatch(item, field, `${path}.${key}`);
    if (reason) return reason;
  }
  return null;
}

/**
 * The model file's `metadata` (absent: `{}`), checked against the architecture: each column list holds one
 * non-empty name per column; the history, plan and training record have the types their readers expect.
 * Throws an InputError ('model-format') saying which field is wrong (the caller names the file).
 */
export function checkMetadata(value: unknown, config: MdnConfig): ModelMetadata {
  if (value === undefined) return {};
  const reason = mismatch(value, METADATA, 'metadata');
  if (reason) throw new InputError(reason, 'model-format');
  const metadata = value as ModelMetadata;
  for (const [field, width, what] of [
    ['inputColumns', config.inputDimension, 'inputs'],
    ['targetColumns', config.outputDimension, 'targets'],
  ] as const) {
    const names = metadata[field];
    if (names === undefined) continue;
    if (names.length !== width) {
      throw new InputError(
        `metadata.${field} names ${names.length} columns but the model has ${width} ${what}`,
        'model-format',
      );
    }
    const empty = names.indexOf('');
    if (empty >= 0) throw new InputError(`metadata.${field}[${empty}] is an empty name`, 'model-format');
  }
  if (metadata.inputSchema !== undefined) {
    const schema = InputSchema.fromJSON(metadata.inputSchema);
    if (schema.width !== config.inputDimension) {
      throw new InputError(
        `metadata.inputSchema writes ${schema.width} features but the model has ${config.inputDimension} inputs`,
        'model-format',
      );
    }
    const features = schema.features.map((feature) => feature.name);
    if (metadata.inputColumns?.some((name, i) => name !== features[i])) {
      throw new InputError("metadata.inputColumns are not the input schema's features", 'model-format');
    }
  }
  return metadata;
}

/**
 * How a model reads raw rows: its saved input schema, or for a model trained on numbers with column names, those
 * names as numeric columns; undefined for a model without names (it takes numbers only).
 */
export function inputSchemaOf(metadata: ModelMetadata): InputSchema | undefined {
  if (metadata.inputSchema) return InputSchema.fromJSON(metadata.inputSchema);
  return metadata.inputColumns ? InputSchema.numeric(metadata.inputColumns) : undefined;
}

/** Raw rows read through a model's input schema (see {@link inputSchemaOf}); a model without one is told so. */
export function encodeWithSchema(
  schema: InputSchema | undefined,
  input: RawInput,
  names?: readonly string[],
): { x: Matrix; report: EncodingReport } {
  if (!schema) {
    throw new InputError(
      'this model records no input column names, so it cannot read a table by name; pass the inputs as numbers',
    );
  }
  return schema.encode(input, names);
}
