import { type HostMixture, type Matrix, type MixtureDensityNetwork, PREDICT_CHUNK_ROWS } from '@mdn/core';
import type { Command } from 'commander';
import { CliError, EXIT } from '../errors.js';
import { selectBackend } from '../io/backend.js';
import { readModel } from '../io/files.js';
import { inputsFor, modelColumns, targetsFor } from '../io/model-data.js';
import { readTable, readTableBlocks, readTableSample, type Table } from '../io/table.js';
import { nameList } from '../options.js';

export interface ModelDataFlags {
  x?: string[];
  y?: string[];
  backend: string;
}

/** The options every MODEL DATA command shares. */
export function modelDataOptions(command: Command): Command {
  return command
    .argument('<model>', 'a model file written by mdn train')
    .argument('<data>', 'CSV/TSV file with a header row, or - for stdin')
    .option('--x <columns>', "input columns (default: the model's own)", nameList)
    .option('--y <columns>', "target columns (default: the model's own)", nameList)
    .option('--backend <name>', 'auto | node | wasm | cpu', 'auto');
}

export interface ModelData {
  model: MixtureDensityNetwork;
  table: Table;
  columns: { x: string[]; y: string[] };
  x: Matrix;
  /** Present when `needTargets`. */
  y: Matrix | null;
  /** Data rows in the file (more than `table` holds when it is a sample of them). */
  totalRows: number;
}

/** A model read for a MODEL DATA command, with the columns it reads (its own, or --x/--y). */
export interface OpenModel {
  model: MixtureDensityNetwork;
  columns: { x: string[]; y: string[] };
}

/** Starts the backend and reads the model (its weights live on the backend) and its columns. */
export async function openModel(modelFile: string, flags: ModelDataFlags): Promise<OpenModel> {
  await selectBackend(flags.backend);
  const model = readModel(modelFile);
  try {
    return { model, columns: modelColumns(model, modelFile, flags) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * Starts the backend, reads the model, then the data it needs at once: every row, or a uniform random sample of at
 * most `maxRows` of them (seeded; memory stays bounded whatever the file's size).
 */
export async function loadModelData(
  modelFile: string,
  dataFile: string,
  flags: ModelDataFlags,
  needTargets: boolean,
  maxRows = Number.POSITIVE_INFINITY,
): Promise<ModelData> {
  const { model, columns } = await openModel(modelFile, flags);
  try {
    const { table, totalRows } = Number.isFinite(maxRows)
      ? readTableSample(dataFile, maxRows)
      : { table: readTable(dataFile), totalRows: Number.NaN };
    const x = inputsFor(table, columns.x, modelFile);
    const y = needTargets ? targetsFor(table, columns.y, modelFile) : null;
    return { model, table, columns, x, y, totalRows: Number.isNaN(totalRows) ? x.rows : totalRows };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** One block of DATA's rows and the model's (finite) predicted mixtures for them. */
export interface PredictedBlock {
  /** The block's rows as read (for other columns than the model's). */
  table: Table;
  x: Matrix;
  /** Present when targets were asked for. */
  y: Matrix | null;
  host: HostMixture;
  /** Data rows before this block's first. */
  firstRow: number;
}

/**
 * DATA a block of {@link PREDICT_CHUNK_ROWS} rows at a time, with the model's predictions: each block is read,
 * checked and predicted only when asked for, so memory does not grow with the file. A file with a header and no
 * data rows is an error (after the last block).
 */
export async function* predictedBlocks(
  { model, columns }: OpenModel,
  modelFile: string,
  dataFile: string,
  needTargets: boolean,
): AsyncGenerator<PredictedBlock> {
  let rows = 0;
  for (const table of readTableBlocks(dataFile, PREDICT_CHUNK_ROWS)) {
    if (table.rows.length === 0) continue;
    const x = inputsFor(table, columns.x, modelFile);
    const y = needTargets ? targetsFor(table, columns.y, modelFile) : null;
    const host = await finitePredictions(model, x, dataFile, columns.x, rows);
    yield { table, x, y, host, firstRow: rows };
    rows += x.rows;
  }
  if (rows === 0) throw new CliError(`${dataFile === '-' ? 'stdin' : dataFile}: has a header but no data rows`);
}

/**
 * The predicted mixtures of `x`'s rows, refusing non-finite ones: no command writes NaN results with exit 0.
 * (Finite weights are checked when the model loads; inputs far beyond the training range can still overflow.)
 */
export async function finitePredictions(
  model: MixtureDensityNetwork,
  x: Matrix,
  dataFile: string,
  columns: readonly string[],
  /** Data rows before `x`'s first, when `x` is one block of a longer file. */
  rowOffset = 0,
): Promise<HostMixture> {
  const host = await model.predictHost(x);
  const { components: k, dimensions: d } = host;
  for (let r = 0; r < host.rows; r++) {
    let finite = true;
    for (let j = 0; j < k && finite; j++) {
      finite = Number.isFinite(host.logWeights[r * k + j]!);
      for (let e = 0; e < d && finite; e++) {
        const at = (r * k + j) * d + e;
        finite = Number.isFinite(host.means[at]!) && Number.isFinite(host.scales[at]!) && host.scales[at]! > 0;
      }
      const p = host.factors === undefined ? 0 : host.factors.length / (host.rows * k);
      for (let f = 0; f < p && finite; f++) finite = Number.isFinite(host.factors![(r * k + j) * p + f]!);
    }
    if (finite) continue;
    const inputs = columns.map((name, c) => {
      const value = x.data[r * x.columns + c]!;
      const z = (value - model.inputStandardiser.mean[c]!) / model.inputStandardiser.scale[c]!;
      return `${name} = ${value} (${Math.abs(z) < 1e6 ? z.toFixed(1) : z.toExponential(1)} training sd from its mean)`;
    });
    throw new CliError(
      `${dataFile}: the model's prediction for data row ${rowOffset + r + 1} is not finite (inputs ${inputs.join(', ')}); ` +
        'inputs that far outside the training data overflow float32: remove or fix that row, or retrain on data ' +
        'that covers it. mdn diagnose checks a model on a file.',
      EXIT.failed,
    );
  }
  return host;
}
