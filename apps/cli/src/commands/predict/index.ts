import type { HostMixture, ObservedValues } from '@mdn/core';
import { DECIMAL, InputError } from '@mdn/core/host';
import type { Command } from 'commander';
import { CliError } from '../../errors.js';
import { cell, checkHeader, csvLine, quantileName } from '../../format.js';
import { textSink } from '../../io/output.js';
import { numericMatrix, type Table } from '../../io/table.js';
import { nameList, probabilityList } from '../../options.js';
import { inputCells, type ModelDataFlags, modelDataOptions, notFinite, openModel, predictedBlocks } from '../shared.js';

interface PredictFlags extends ModelDataFlags {
  quantiles: number[];
  mixture?: boolean;
  given?: string[];
  out?: string;
}

/** One --given entry: a target dimension and its value, a number for every row or a column of DATA. */
interface Given {
  dimension: number;
  value: number | { column: string };
}

/** Parses `NAME=NUMBER`, `NAME=COLUMN` or `NAME` (the DATA column of that name) against the model's target names. */
function parseGiven(entries: readonly string[], targets: readonly string[], modelFile: string): Given[] {
  const given: Given[] = [];
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const name = (at < 0 ? entry : entry.slice(0, at)).trim();
    const text = at < 0 ? name : entry.slice(at + 1).trim();
    const dimension = targets.indexOf(name);
    if (dimension < 0) {
      throw new CliError(
        `--given names '${name}', which is not a target of ${modelFile}; its targets are ${targets.join(', ')}`,
      );
    }
    if (given.some((g) => g.dimension === dimension)) throw new CliError(`--given names '${name}' twice`);
    if (text === '') throw new CliError(`--given ${name}= needs a value: a number or a column of the data`);
    const value = DECIMAL.test(text) ? Number(text) : { column: text };
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new CliError(`--given ${name}=${text} is not a finite number`);
    }
    given.push({ dimension, value });
  }
  if (given.length >= targets.length) {
    throw new CliError(
      `--given observes every target of ${modelFile} (${targets.join(', ')}): leave at least one to predict`,
    );
  }
  return given;
}

/** The observed values of one block of rows: constants, or the rows' values of a DATA column. */
function observedValues(given: readonly Given[], table: Table): ObservedValues {
  const observed: Record<number, number | Float64Array> = {};
  for (const { dimension, value } of given) {
    observed[dimension] =
      typeof value === 'number' ? value : Float64Array.from(numericMatrix(table, [value.column], 'given').data);
  }
  return observed;
}

export function registerPredict(program: Command): void {
  modelDataOptions(
    program
      .command('predict')
      .summary('predict mean, std, mode and quantiles (CSV) for each row')
      .description(
        'Predict p(y | x) for each row of a CSV/TSV file: CSV out with the input columns, then mean, std, mode\n' +
          'and the requested quantiles (exact, from the mixture CDF); a model with a point mass at a capped or floored\n' +
          'end of the target adds p_at_<value>, the probability of exactly that value; --mixture adds the weights, means and stds\n' +
          'of every component. With several targets each name gets a _<target> suffix; --given predicts the other\n' +
          'targets from the exact conditional mixture p(y_rest | x, given targets).',
      ),
  )
    .option('--quantiles <ps>', 'probabilities, comma-separated, each once', probabilityList, [0.05, 0.5, 0.95])
    .option(
      '--mixture',
      'also write each component of the predicted mixture: weight_j, mean_j, std_j (a model with predictive tails lists its network components, then their wider companions in the same order; a point mass at a capped or floored end of the target comes last)',
    )
    .option(
      '--given <targets>',
      'condition on observed targets, comma-separated: NAME=NUMBER (every row), NAME=COLUMN or NAME (a column of the data)',
      nameList,
    )
    .option('--out <file>', 'write the CSV here (atomically) instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ mdn predict price.mdn.json new.csv > predictions.csv\n' +
        '  $ mdn predict price.mdn.json new.csv --quantiles 0.1,0.5,0.9 --mixture --out predictions.csv\n' +
        '  $ mdn predict weather.mdn.json days.csv --given temperature=21.5 --out rain-given-temperature.csv\n',
    )
    .action(async (modelFile: string, dataFile: string, flags: PredictFlags) => {
      const sink = textSink(flags.out, [dataFile, modelFile]);
      const opened = await openModel(modelFile, flags);
      const { model, columns } = opened;
      try {
        if (flags.y !== undefined && model.config.outputDimension === 1 && flags.given === undefined) {
          throw new CliError(
            "--y is not used here: the columns of a one-target model's predictions are mean, std, mode and the quantiles, " +
              'without its name (--y names the targets of a model with several, for their columns and --given)',
          );
        }
        const dimensions = model.config.outputDimension;
        const names =
          columns.y.length === dimensions ? columns.y : Array.from({ length: dimensions }, (_, i) => `y${i + 1}`);
        const given = flags.given === undefined ? [] : parseGiven(flags.given, names, modelFile);
        // The predicted targets: all, or those not given (ascending, as condition() orders them).
        const free = Array.from({ length: dimensions }, (_, e) => e).filter(
          (e) => !given.some((g) => g.dimension === e),
        );
        const targets = free.map((e) => names[e]!);
        const targetUnit = free.map((e) => model.targetStandardiser.scale[e]!);
        const d = free.length;
        const k = model.mixtureComponents;
        const suffix = (c: number) => (dimensions === 1 ? '' : `_${targets[c]}`);
        const header = [...columns.x];
        for (let c = 0; c < d; c++) {
          header.push(`mean${suffix(c)}`, `std${suffix(c)}`, `mode${suffix(c)}`);
          for (const p of flags.quantiles) header.push(`${quantileName(p)}${suffix(c)}`);
        }
        // A point mass at a capped or floored end of the target (one target column): the probability of exactly it.
        const pointMasses = model.parts.pointMasses;
        for (const { atom } of pointMasses) header.push(`p_at_${atom.value}`);
        if (flags.mixture) {
          for (let j = 1; j <= k; j++) header.push(`weight_${j}`);
          for (let c = 0; c < d; c++) for (let j = 1; j <= k; j++) header.push(`mean_${j}${suffix(c)}`);
          for (let c = 0; c < d; c++) for (let j = 1; j <= k; j++) header.push(`std_${j}${suffix(c)}`);
        }
        checkHeader(header, columns.x.length, 'predict');
        const q = flags.quantiles.length;
        // A block of rows at a time: read, predict, write, forget; memory does not grow with the file.
        for await (const block of predictedBlocks(opened, modelFile, dataFile, false)) {
          const { x, firstRow, table } = block;
          let host: HostMixture = block.host;
          if (given.length > 0) {
            try {
              host = host.condition(observedValues(given, table));
            } catch (error) {
              // The row and the reason come as fields: data row = the block's first + the row within it.
              if (!InputError.isInstance(error) || error.fields.row === undefined) throw error;
              const { row, reason } = error.fields;
              throw new CliError(
                `${dataFile}: cannot condition on --given ${flags.given!.join(',')} at data row ${firstRow + row + 1}: ` +
                  `${reason ?? error.message}; a given value far outside what the model predicts there has zero density ` +
                  'under every component: check the value',
              );
            }
          }
          if (firstRow === 0) sink.write(csvLine(header));
          const mean = host.mean();
          const variance = host.variance();
          const mode = host.mode();
          const componentVariances = flags.mixture ? host.componentVariances() : undefined;
          const marginals = Array.from({ length: d }, (_, c) => (d === 1 ? host : host.marginal(c)));
          const quantiles = marginals.map((m) => m.quantile(flags.quantiles));
          const lines: string[] = [];
          const inputsOf = inputCells(model, block, columns.x, cell);
          for (let r = 0; r < x.rows; r++) {
            const row: string[] = inputsOf(r);
            for (let c = 0; c < d; c++) {
              const figures = [mean[r * d + c]!, Math.sqrt(variance[r * d + c]!), mode[r * d + c]!];
              for (let i = 0; i < q; i++) figures.push(quantiles[c]![r * q + i]!);
              // No NaN or Inf is written with exit 0 (a sum of huge components can overflow float64).
              const bad = figures.findIndex((v) => !Number.isFinite(v));
              if (bad >= 0) {
                const name = bad < 3 ? ['mean', 'std', 'mode'][bad]! : quantileName(flags.quantiles[bad - 3]!);
                throw notFinite(model, x, r, dataFile, columns.x, firstRow, `${name}${suffix(c)}`);
              }
              for (const v of figures) row.push(cell(v, targetUnit[c]));
            }
            const weights = pointMasses.length > 0 || componentVariances ? host.weights(r) : undefined;
            for (const { component } of pointMasses) row.push(cell(weights![component]!));
            if (componentVariances) {
              for (const w of weights!) row.push(cell(w));
              for (let c = 0; c < d; c++)
                for (let j = 0; j < k; j++) row.push(cell(host.means[(r * k + j) * d + c]!, targetUnit[c]));
              for (let c = 0; c < d; c++)
                for (let j = 0; j < k; j++)
                  row.push(cell(Math.sqrt(componentVariances[(r * k + j) * d + c]!), targetUnit[c]));
            }
            lines.push(csvLine(row));
          }
          sink.write(lines.join(''));
          await sink.drained();
        }
        sink.close();
      } finally {
        model.dispose();
      }
    });
}
