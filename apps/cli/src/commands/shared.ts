import type { HostMixture, Matrix, MixtureDensityNetwork } from '@mdn/core';
import type { Command } from 'commander';
import { selectBackend } from '../io/backend.js';
import { readModel } from '../io/files.js';
import { inputsFor, modelColumns, targetsFor } from '../io/model-data.js';
import { readTable, type Table } from '../io/table.js';
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
}

/** Starts the backend, reads the model (its weights live on the backend), then the data it needs. */
export async function loadModelData(
  modelFile: string,
  dataFile: string,
  flags: ModelDataFlags,
  needTargets: boolean,
): Promise<ModelData> {
  await selectBackend(flags.backend);
  const model = readModel(modelFile);
  try {
    const columns = modelColumns(model, modelFile, flags);
    const table = readTable(dataFile);
    const x = inputsFor(table, columns.x, modelFile);
    const y = needTargets ? targetsFor(table, columns.y, modelFile) : null;
    return { model, table, columns, x, y };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** What predict and sample start from: the predicted mixtures of DATA's rows, and each column's unit for output. */
export interface Predictions {
  host: HostMixture;
  columns: { x: string[]; y: string[] };
  x: Matrix;
  /** Each column's spread in the training data (its standardiser scale), for the digits written. */
  inputUnit: Float64Array;
  targetUnit: Float64Array;
}

/** Loads the model and DATA, predicts every row on the host (float64, original units), frees the model. */
export async function predictRows(modelFile: string, dataFile: string, flags: ModelDataFlags): Promise<Predictions> {
  const { model, columns, x } = await loadModelData(modelFile, dataFile, flags, false);
  try {
    return {
      host: await model.predictHost(x),
      columns,
      x,
      inputUnit: model.inputStandardiser.scale,
      targetUnit: model.targetStandardiser.scale,
    };
  } finally {
    model.dispose();
  }
}
