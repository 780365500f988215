import type { Matrix, MixtureDensityNetwork } from '@mdn/core';
import { EncodingReport, InputError, printable } from '@mdn/core/host';
import { CliError } from '../errors.js';
import { distinctNames, numericMatrix, type Table } from './table.js';

const quoted = (names: readonly string[]) => names.map((name) => `'${printable(name, 80)}'`).join(', ');

/**
 * The DATA columns a model reads for one role (its inputs, or its targets): the model's own names, or `given`
 * (--x, --y). Given names are the model's own in any order (each matched by name), or other names standing for the
 * model's in order (a file whose columns are named otherwise). Refused: a wrong count, a name twice, one of the
 * model's names at another position than its own (a swap that would feed a column to the wrong input), and a name
 * that is the model's column of the other role (a target given as an input).
 */
function roleColumns(
  role: { flag: '--x' | '--y'; what: 'inputs' | 'targets'; width: number },
  given: readonly string[] | undefined,
  own: readonly string[] | undefined,
  other: readonly string[] | undefined,
  modelFile: string,
): string[] | undefined {
  const { flag, what, width } = role;
  const names = given ?? own;
  if (names === undefined) return undefined;
  const source = given ? flag : `${modelFile}'s ${what}`;
  if (names.length !== width) {
    throw new CliError(`${flag} names ${names.length} columns but ${modelFile} has ${width} ${what}`);
  }
  const twice = distinctNames(names);
  if (twice !== undefined) {
    throw new CliError(
      given
        ? `${flag} names '${printable(twice, 80)}' twice; name each of the model's ${what} once`
        : `${modelFile} records its ${what.slice(0, -1)} '${printable(twice, 80)}' twice (it was trained on a duplicated column); ` +
            `name the DATA columns for its ${width} ${what} with ${flag}`,
    );
  }
  if (!given || !own) return [...names];
  const crossed = names.find((name) => other?.includes(name) && !own.includes(name));
  if (crossed !== undefined) {
    throw new CliError(
      `${flag} names '${printable(crossed, 80)}', which is one of ${modelFile}'s ${what === 'inputs' ? 'targets' : 'inputs'}, not its ${what} (${quoted(own)})`,
    );
  }
  // The model's own names in another order: each column goes to the input (target) of its name.
  if (names.every((name) => own.includes(name))) return [...own];
  const moved = names.findIndex((name, i) => own.includes(name) && own[i] !== name);
  if (moved >= 0) {
    throw new CliError(
      `${flag} puts '${printable(names[moved]!, 80)}' where ${modelFile} has '${printable(own[moved]!, 80)}' (its ${what} are ` +
        `${quoted(own)}, in that order): ${flag} maps DATA's columns to the model's ${what} by position; list the model's ` +
        `names, or other names in the model's order (${source})`,
    );
  }
  return [...names];
}

/** The model's input and target column names, from what it was trained on or from --x/--y (see roleColumns). */
export function modelColumns(
  model: MixtureDensityNetwork,
  modelFile: string,
  overrides: { x?: string[]; y?: string[] },
): { x: string[]; y: string[] } {
  const { targetColumns } = model.metadata;
  const { outputDimension } = model.config;
  // The model's input columns: its schema's (raw columns, each read by name), or its numbers'.
  const schema = model.inputSchema;
  const inputColumns = schema?.names;
  const x = roleColumns(
    { flag: '--x', what: 'inputs', width: schema ? schema.columns.length : model.config.inputDimension },
    overrides.x,
    inputColumns,
    targetColumns,
    modelFile,
  );
  const y = roleColumns(
    { flag: '--y', what: 'targets', width: outputDimension },
    overrides.y,
    targetColumns,
    inputColumns,
    modelFile,
  );
  if (!x) throw new CliError(`${modelFile} does not record its input column names; name them with --x`);
  const both = x.find((name) => y?.includes(name));
  if (both !== undefined) {
    throw new CliError(
      `'${printable(both, 80)}' would be read as an input and as a target; a column is one or the other (check --x and --y)`,
    );
  }
  return { x, y: y ?? [] };
}

/** An InputError saying that a column is missing from the data (not that a cell is bad: that one has a line). */
const missingColumn = (error: unknown) =>
  InputError.isInstance(error) && error.fields.column !== undefined && error.fields.line === undefined;

/**
 * The network's inputs for a table's rows (at least one): its schema's features (raw cells read by name: levels,
 * dates, missing cells filled in as in training, with a report of what was filled in or unseen), or, for a model
 * without names, the columns as numbers.
 */
export function inputsFor(
  table: Table,
  columns: string[],
  modelFile: string,
  model: MixtureDensityNetwork,
): { x: Matrix; report: EncodingReport } {
  if (table.rows.length === 0) throw new CliError(`${printable(table.source)}: has a header but no data rows`);
  try {
    if (model.inputSchema) return model.encodeInputs(table, columns);
    const report = new EncodingReport();
    report.rows = table.rows.length;
    return { x: numericMatrix(table, columns, 'input'), report };
  } catch (error) {
    if (missingColumn(error)) {
      throw new CliError(
        `${(error as Error).message}; ${modelFile} reads its inputs from the columns ${columns.join(', ')}`,
      );
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
    if (missingColumn(error)) {
      throw new CliError(`${(error as Error).message}; scoring needs the target columns ${columns.join(', ')}`);
    }
    throw error;
  }
}
