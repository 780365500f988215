import type { HostMixture, Matrix, MixtureDensityNetwork } from '@mdn/core';
import { columnIndices, DECIMAL, EncodingReport, MISSING_CELLS, readCell } from '@mdn/core/host';
import type { Command } from 'commander';
import { CliError, EXIT } from '../errors.js';
import { selectBackend } from '../io/backend.js';
import { readModel } from '../io/files.js';
import { inputsFor, modelColumns, targetsFor } from '../io/model-data.js';
import { nextTurn } from '../io/signals.js';
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
    const read = Number.isFinite(maxRows)
      ? await readTableSample(dataFile, maxRows)
      : { table: readTable(dataFile), totalRows: Number.NaN };
    const { totalRows } = read;
    const left = new LeftOut();
    const table = needTargets ? left.withTargets(read.table, columns.y, model) : read.table;
    left.say(dataFile);
    const { x, report } = inputsFor(table, columns.x, modelFile, model);
    const y = needTargets ? targetsFor(table, columns.y, modelFile) : null;
    sayReport(report, dataFile);
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
 * Rows per block of DATA for a model: the model's own prediction block (see `predictionBlockRows`), fewer for a
 * large mixture, whose quantile, mode and CRPS cost grows with the square of its components: a block then takes
 * about a second at most, and a stop signal is handled between blocks.
 */
export function dataBlockRows(model: MixtureDensityNetwork): number {
  return Math.min(model.predictionBlockRows, Math.max(256, Math.floor(2 ** 22 / model.mixtureComponents ** 2)));
}

/**
 * DATA a block of {@link dataBlockRows} rows at a time, with the model's predictions: each block is read, checked
 * and predicted only when asked for, so memory does not grow with the file. A file with a header and no data rows
 * is an error (after the last block). Between blocks the event loop turns (a stop signal is handled there).
 */
export async function* predictedBlocks(
  { model, columns }: OpenModel,
  modelFile: string,
  dataFile: string,
  needTargets: boolean,
): AsyncGenerator<PredictedBlock> {
  let rows = 0;
  const report = new EncodingReport();
  const left = new LeftOut();
  for (const read of readTableBlocks(dataFile, dataBlockRows(model))) {
    const table = needTargets ? left.withTargets(read, columns.y, model) : read;
    if (table.rows.length === 0) continue;
    const encoded = inputsFor(table, columns.x, modelFile, model);
    const { x } = encoded;
    report.merge(encoded.report);
    const y = needTargets ? targetsFor(table, columns.y, modelFile) : null;
    const host = await finitePredictions(model, x, dataFile, columns.x, rows);
    yield { table, x, y, host, firstRow: rows };
    rows += x.rows;
    await nextTurn();
  }
  left.say(dataFile);
  if (rows === 0) {
    throw new CliError(
      `${dataFile === '-' ? 'stdin' : dataFile}: has ${left.count > 0 ? 'no data rows with a target' : 'a header but no data rows'}`,
    );
  }
  sayReport(report, dataFile);
}

/** Rows left out of scoring because a target cell is missing (as training leaves them out), counted with their lines. */
class LeftOut {
  count = 0;
  readonly lines: number[] = [];

  /** `table` without its rows whose target cell (in `columns`, when the table has them) is missing. */
  withTargets(table: Table, columns: readonly string[], model: MixtureDensityNetwork): Table {
    if (columns.length === 0 || columns.some((name) => !table.header.includes(name))) return table;
    // Missing as training reads it (core's readCell, with the model's missing-cell texts).
    const missing = new Set(model.inputSchema?.missingValues ?? MISSING_CELLS);
    const indices = columnIndices(table, columns, 'target');
    const keep: number[] = [];
    for (let r = 0; r < table.rows.length; r++) {
      if (indices.some((i) => readCell(table.rows[r]![i], missing).kind === 'missing')) {
        this.count++;
        if (this.lines.length < 5) this.lines.push(table.lines[r]!);
      } else keep.push(r);
    }
    if (keep.length === table.rows.length) return table;
    return { ...table, rows: keep.map((r) => table.rows[r]!), lines: keep.map((r) => table.lines[r]!) };
  }

  say(dataFile: string): void {
    if (this.count === 0) return;
    process.stderr.write(
      `mdn: note: ${dataFile === '-' ? 'stdin' : dataFile}: ${this.count} row${this.count === 1 ? '' : 's'} left out: the target is missing ` +
        `(line${this.lines.length === 1 ? '' : 's'} ${this.lines.join(', ')}${this.count > this.lines.length ? ', …' : ''})\n`,
    );
  }
}

/**
 * Says on stderr what reading the inputs did beside reading numbers: cells filled in as in training, levels never
 * seen in training (counted, never an error, never dropped).
 */
function sayReport(report: EncodingReport, dataFile: string): void {
  for (const line of report.describe()) {
    process.stderr.write(`mdn: note: ${dataFile === '-' ? 'stdin' : dataFile}: ${line}\n`);
  }
}

/**
 * The input cells of a block's rows as an output writes them: a model that reads plain numbers writes the numbers
 * it read (to the model's input unit, as before); otherwise, and for a cell that was missing, the cell as in DATA.
 */
export function inputCells(
  model: MixtureDensityNetwork,
  block: { table: Table; x: Matrix },
  columns: readonly string[],
  format: (value: number, unit: number | undefined) => string,
): (r: number) => string[] {
  const { table, x } = block;
  const indices = columnIndices(table, columns, 'input');
  const plain = model.inputSchema === undefined || model.inputSchema.plain;
  const unit = model.inputStandardiser.scale;
  return (r) =>
    indices.map((i, c) => {
      const text = table.rows[r]![i] ?? '';
      return plain && DECIMAL.test(text) ? format(x.data[r * x.columns + c]!, unit[c]) : text;
    });
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
    throw notFinite(model, x, r, dataFile, columns, rowOffset, 'prediction');
  }
  return host;
}

/**
 * The error for a row whose prediction (or a figure from it: `what`) is not finite: inputs far outside the
 * training data are named as the likely cause; inputs near it mean the model itself is at fault.
 */
export function notFinite(
  model: MixtureDensityNetwork,
  x: Matrix,
  r: number,
  dataFile: string,
  columns: readonly string[],
  rowOffset: number,
  what: string,
): CliError {
  // A model that reads its columns as features of their own names them by feature.
  if (columns.length !== x.columns) columns = model.inputSchema?.features.map((feature) => feature.name) ?? columns;
  const distances = columns.map((_, c) => {
    const value = x.data[r * x.columns + c]!;
    return Math.abs((value - model.inputStandardiser.mean[c]!) / model.inputStandardiser.scale[c]!);
  });
  const far = distances.some((z) => !(z < FAR_INPUT_SD));
  const inputs = columns.map((name, c) => {
    const z = distances[c]!;
    return `${name} = ${x.data[r * x.columns + c]!} (${z < 1e6 ? z.toFixed(1) : z.toExponential(1)} training sd from its mean)`;
  });
  const row = `data row ${rowOffset + r + 1}`;
  return new CliError(
    far
      ? `${dataFile}: the model's ${what} for ${row} is not finite (inputs ${inputs.join(', ')}); inputs that far outside ` +
          'the training data overflow float32: remove or fix that row, or retrain on data that covers it. mdn diagnose ' +
          'checks a model on a file.'
      : `${dataFile}: the model's ${what} for ${row} is not finite although its inputs are near the training data ` +
          `(${inputs.join(', ')}): the model itself is at fault (an edited or damaged file, or a training run that went ` +
          'wrong); retrain it, and check it with mdn info and mdn diagnose.',
    EXIT.failed,
  );
}

/** Inputs this many training standard deviations from their mean are far enough out to overflow a prediction. */
const FAR_INPUT_SD = 50;
