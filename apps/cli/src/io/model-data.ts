import type { Matrix, MixtureDensityNetwork } from '@mdn/core';
import { InputError } from '@mdn/core/host';
import { CliError } from '../errors.js';
import { numericMatrix, type Table } from './table.js';

/** The model's input and target column names, from what it was trained on or from --x/--y. */
export function modelColumns(
  model: MixtureDensityNetwork,
  modelFile: string,
  overrides: { x?: string[]; y?: string[] },
): { x: string[]; y: string[] } {
  const x = overrides.x ?? model.metadata.inputColumns;
  const y = overrides.y ?? model.metadata.targetColumns;
  if (!x) {
    throw new CliError(`${modelFile} does not record its input column names; name them with --x`);
  }
  if (x.length !== model.config.inputDimension) {
    throw new CliError(`--x names ${x.length} columns but ${modelFile} takes ${model.config.inputDimension} inputs`);
  }
  const targets = y ?? [];
  if (y && y.length !== model.config.outputDimension) {
    throw new CliError(
      `--y names ${y.length} columns but ${modelFile} predicts ${model.config.outputDimension} targets`,
    );
  }
  return { x, y: targets };
}

/** The input matrix for a model (at least one row). */
export function inputsFor(table: Table, columns: string[], modelFile: string): Matrix {
  if (table.rows.length === 0) throw new CliError(`${table.source}: has a header but no data rows`);
  try {
    return numericMatrix(table, columns, 'input');
  } catch (error) {
    if (InputError.isInstance(error) && error.message.includes('no column named')) {
      throw new CliError(`${error.message}; ${modelFile} was trained on inputs ${columns.join(', ')}`);
    }
    throw error;
  }
}

/** The target matrix for scoring a model; the file must have the model's target columns. */
export function targetsFor(table: Table, columns: string[], modelFile: string): Matrix {
  if (columns.length === 0) {
    throw new CliError(`${modelFile} does not record its target column names; name them with --y`);
  }
  try {
    return numericMatrix(table, columns, 'target');
  } catch (error) {
    if (InputError.isInstance(error) && error.message.includes('no column named')) {
      throw new CliError(`${error.message}; scoring needs the target columns ${columns.join(', ')}`);
    }
    throw error;
  }
}
