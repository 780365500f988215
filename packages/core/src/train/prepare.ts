/**
 * Data preparation for a training run: the checks at the boundary (once), the validation split, the
 * standardisers fitted on the training rows, and the standardised rows uploaded to the backend.
 */

import * as tf from '@tensorflow/tfjs-core';
import { MIN_TARGET_SPREAD } from '../data/standardiser.js';
import '../backend/register-gradients.js';
import { isRawInput, type RawInput, rawColumns } from '../data/columns.js';
import { InputSchema, type InputSchemaOptions } from '../data/input-schema.js';
import { assertFinite, type Matrix, type MatrixInput, toMatrix } from '../data/matrix.js';
import { Standardiser } from '../data/standardiser.js';
import { printable } from '../data/table.js';
import { InputError } from '../errors.js';
import { createRandom, type Random, shuffleInPlace } from '../random/rng.js';
import type { TrainPlan } from './plan.js';

/** Training rows and held-out validation rows (`null` when none are held out), original units. */
export interface Split {
  train: { x: Matrix; y: Matrix };
  validation: { x: Matrix; y: Matrix } | null;
  /** Where the validation rows were among the rows given (0-based), when they were split off them. */
  validationIndices?: number[];
}

/** Column names, used in messages and stored with the model. */
export interface ColumnNames {
  x?: string[];
  y?: string[];
}

/** The checked inputs of a run: matrices in original units and the optional explicit validation set. */
export interface CheckedData {
  /** The network's inputs: the numbers given, or the features the schema encoded from raw columns. */
  x: Matrix;
  y: Matrix;
  validation?: { x: Matrix; y: Matrix };
  /** The input schema, when the inputs were given raw (a table, records, columns read by a table reader). */
  schema?: InputSchema;
  /** The names of x's columns (the schema's feature names for raw inputs, else `columns.x`). */
  inputNames?: string[];
}

/** What a run trains on: the split, the standardisers, and the standardised rows on the device. */
export interface PreparedData {
  split: Split;
  inputStandardiser: Standardiser;
  targetStandardiser: Standardiser;
  /** Standardised float32 rows: x `[N, P]`, y `[N, D]`, and the validation rows when there are any. */
  tensors: { x: tf.Tensor2D; y: tf.Tensor2D; validationX?: tf.Tensor2D; validationY?: tf.Tensor2D };
  /** Frees the tensors. */
  dispose(): void;
}

/** The rows `rows` (0-based positions) of `matrix`, in that order. */
export function takeRows(matrix: Matrix, rows: ArrayLike<number>): Matrix {
  const c = matrix.columns;
  const data = new Float64Array(rows.length * c);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let j = 0; j < c; j++) data[i * c + j] = matrix.data[r * c + j]!;
  }
  return { data, rows: rows.length, columns: c };
}

/** Holds out `held` random rows (a seeded shuffle) for validation. */
function splitRows(x: Matrix, y: Matrix, held: number, random: Random): Split {
  if (held === 0) return { train: { x, y }, validation: null };
  const order = Array.from({ length: x.rows }, (_, i) => i);
  shuffleInPlace(order, random);
  const validationRows = order.slice(0, held);
  const trainRows = order.slice(held);
  return {
    train: { x: takeRows(x, trainRows), y: takeRows(y, trainRows) },
    validation: { x: takeRows(x, validationRows), y: takeRows(y, validationRows) },
    validationIndices: validationRows,
  };
}

/**
 * Reads and checks the caller's data once: equal row counts, at least 2 rows, finite values (the error names
 * the row and column), and an explicit validation set of the same widths.
 */
export function checkTrainingData(
  xInput: MatrixInput | RawInput,
  yInput: MatrixInput,
  validation?: { x: MatrixInput | RawInput; y: MatrixInput },
  columns: ColumnNames = {},
  inputs: InputSchemaOptions = {},
): CheckedData {
  let schema: InputSchema | undefined;
  let x: Matrix;
  if (isRawInput(xInput)) {
    // Raw columns (text, dates, missing cells): the schema is fitted on these rows (it reads no target) and
    // encodes them; an explicit validation set is encoded with it.
    const raw = rawColumns(xInput, undefined, inputs.missingValues);
    checkRowCount(raw.rows);
    schema = InputSchema.fit(raw, inputs);
    if (columns.x !== undefined && columns.x.join('\u0000') !== schema.names.join('\u0000')) {
      throw new InputError(
        `columns.x names ${columns.x.length} columns, but the raw inputs have ${schema.names.length} (${schema.names.join(', ')}); ` +
          'leave columns.x out for raw inputs (their names are their own)',
        'invalid-option',
      );
    }
    if (schema.width === 0) {
      throw new InputError(
        `no input column gives the model anything to learn from (${schema.describe().join('; ')}); add input columns`,
      );
    }
    x = schema.encode(raw).x;
    columns = { ...columns, x: schema.features.map((feature) => feature.name) };
  } else {
    x = toMatrix(xInput, 'inputs');
  }
  const y = toMatrix(yInput, 'targets');
  if (x.rows !== y.rows) {
    throw new InputError(`inputs have ${x.rows} rows but targets have ${y.rows}; they must match row for row`);
  }
  checkRowCount(x.rows);
  assertFinite(x, 'inputs', columns.x);
  assertFinite(y, 'targets', columns.y);
  for (const [name, list, width] of [
    ['x', columns.x, x.columns],
    ['y', columns.y, y.columns],
  ] as const) {
    if (list !== undefined && list.length !== width) {
      throw new InputError(`columns.${name} names ${list.length} columns but the data has ${width}`);
    }
  }
  const described = { ...(schema ? { schema } : {}), ...(columns.x ? { inputNames: columns.x } : {}) };
  if (validation === undefined) return { x, y, ...described };
  const vx =
    schema && isRawInput(validation.x)
      ? schema.encode(validation.x).x
      : toMatrix(validation.x as MatrixInput, 'validation inputs');
  const vy = toMatrix(validation.y, 'validation targets');
  if (vx.rows !== vy.rows || vx.rows === 0) {
    throw new InputError(
      `validation inputs have ${vx.rows} rows and targets ${vy.rows}; they must match row for row and not be empty`,
    );
  }
  if (vx.columns !== x.columns || vy.columns !== y.columns) {
    throw new InputError(
      `the validation set has ${vx.columns} input and ${vy.columns} target columns; the training data has ${x.columns} and ${y.columns}`,
    );
  }
  assertFinite(vx, 'validation inputs', columns.x);
  assertFinite(vy, 'validation targets', columns.y);
  return { x, y, validation: { x: vx, y: vy }, ...described };
}

/** At least 2 rows to train on. */
function checkRowCount(rows: number): void {
  if (rows < 2) {
    throw new InputError(`has ${rows} data row${rows === 1 ? '' : 's'}; training needs at least 2 (better hundreds)`);
  }
}

/**
 * Holds out a seeded random `fraction` of the rows (rounded; none when that rounds to 0) for validation, exactly
 * as a training run with `validationSplit: fraction` and `seed` does.
 */
export function splitValidation(x: MatrixInput, y: MatrixInput, fraction: number, seed = 0): Split {
  const data = checkTrainingData(x, y);
  if (!(fraction >= 0 && fraction < 1)) {
    throw new InputError(`the validation fraction must be in [0, 1), got ${fraction}`, 'invalid-option');
  }
  return splitRows(data.x, data.y, Math.round(fraction * data.x.rows), createRandom(seed));
}

/**
 * The standardisers of a run, fitted on `rows` (identity when the plan does not standardise). A constant target
 * column is refused: there is no distribution to learn.
 */
export function fitStandardisers(
  rows: { x: Matrix; y: Matrix },
  plan: TrainPlan,
  columns: ColumnNames = {},
  /** Input columns kept as they are (0/1 indicators: see InputSchema). */
  unscaled: readonly number[] = [],
): { input: Standardiser; target: Standardiser } {
  const identity = (n: number) => new Standardiser(new Float64Array(n), new Float64Array(n).fill(1));
  if (!plan.standardize) return { input: identity(rows.x.columns), target: identity(rows.y.columns) };
  const input = Standardiser.fit(rows.x, {
    name: 'inputs',
    ...(columns.x ? { columnNames: columns.x } : {}),
    ...(unscaled.length > 0 ? { unscaled } : {}),
  });
  const target = Standardiser.fit(rows.y, { name: 'targets', ...(columns.y ? { columnNames: columns.y } : {}) });
  const targetName = (c: number) => (columns.y?.[c] !== undefined ? `'${printable(columns.y[c], 80)}'` : `column ${c}`);
  const constant = target.constantColumns[0];
  if (constant !== undefined) {
    const name = targetName(constant);
    throw new InputError(
      `target ${name} is ${target.mean[constant]} in every training row: there is no distribution to learn; pick another target`,
    );
  }
  for (let c = 0; c < target.columns; c++) {
    if (target.scale[c]! < MIN_TARGET_SPREAD) {
      throw new InputError(
        `target ${targetName(c)} varies by only ${target.scale[c]!.toPrecision(3)} (its standard deviation): too small to ` +
          `train on (densities and scores of such values fall below what floating point holds); rescale the column ` +
          `(multiply it by 1e${Math.min(300, Math.ceil(-Math.log10(target.scale[c]!)))}, say) and divide the predictions back`,
      );
    }
  }
  return { input, target };
}

/**
 * Splits, standardises and uploads checked data as `plan` says. The standardisers are fitted on the training
 * rows only (or given: the members of an ensemble share theirs).
 */
export function prepareTrainingData(
  data: CheckedData,
  plan: TrainPlan,
  columns: ColumnNames = {},
  standardisers?: { input: Standardiser; target: Standardiser },
): PreparedData {
  const split: Split = data.validation
    ? { train: { x: data.x, y: data.y }, validation: data.validation }
    : splitRows(data.x, data.y, plan.validationRows, createRandom(plan.seed));
  const fitted =
    standardisers ??
    fitStandardisers(
      split.train,
      plan,
      { ...columns, ...(data.inputNames ? { x: data.inputNames } : {}) },
      data.schema?.indicatorFeatures,
    );
  const inputStandardiser = fitted.input;
  const targetStandardiser = fitted.target;
  const upload = (matrix: Matrix, standardiser: Standardiser) => {
    const standardised = standardiser.transform(matrix);
    return tf.tensor2d(Float32Array.from(standardised.data), [matrix.rows, matrix.columns]);
  };
  const tensors: PreparedData['tensors'] = {
    x: upload(split.train.x, inputStandardiser),
    y: upload(split.train.y, targetStandardiser),
  };
  if (split.validation) {
    tensors.validationX = upload(split.validation.x, inputStandardiser);
    tensors.validationY = upload(split.validation.y, targetStandardiser);
  }
  return {
    split,
    inputStandardiser,
    targetStandardiser,
    tensors,
    dispose: () => tf.dispose(Object.values(tensors)),
  };
}
