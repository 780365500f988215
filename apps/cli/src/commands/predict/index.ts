import type { Command } from 'commander';
import { cell, csvLine, quantileName } from '../../format.js';
import { textSink } from '../../io/output.js';
import { probabilityList } from '../../options.js';
import { type ModelDataFlags, modelDataOptions, openModel, predictedBlocks } from '../shared.js';

interface PredictFlags extends ModelDataFlags {
  quantiles: number[];
  mixture?: boolean;
  out?: string;
}

export function registerPredict(program: Command): void {
  modelDataOptions(
    program
      .command('predict')
      .summary('predict mean, std, mode and quantiles (CSV) for each row')
      .description(
        'Predict p(y | x) for each row of a CSV/TSV file: CSV out with the input columns, then mean, std, mode\n' +
          'and the requested quantiles (exact, from the mixture CDF); --mixture adds the weights, means and stds\n' +
          'of every component. With several targets each name gets a _<target> suffix.',
      ),
  )
    .option('--quantiles <ps>', 'probabilities, comma-separated', probabilityList, [0.05, 0.5, 0.95])
    .option('--mixture', 'also write each component: weight_j, mean_j, std_j')
    .option('--out <file>', 'write the CSV here (atomically) instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ mdn predict price.mdn.json new.csv > predictions.csv\n' +
        '  $ mdn predict price.mdn.json new.csv --quantiles 0.1,0.5,0.9 --mixture --out predictions.csv\n',
    )
    .action(async (modelFile: string, dataFile: string, flags: PredictFlags) => {
      const sink = textSink(flags.out, [dataFile, modelFile]);
      const opened = await openModel(modelFile, flags);
      const { model, columns } = opened;
      try {
        const inputUnit = model.inputStandardiser.scale;
        const targetUnit = model.targetStandardiser.scale;
        const d = model.config.outputDimension;
        const k = model.mixtureComponents;
        const targets = columns.y.length === d ? columns.y : Array.from({ length: d }, (_, i) => `y${i + 1}`);
        const suffix = (c: number) => (d === 1 ? '' : `_${targets[c]}`);
        const header = [...columns.x];
        for (let c = 0; c < d; c++) {
          header.push(`mean${suffix(c)}`, `std${suffix(c)}`, `mode${suffix(c)}`);
          for (const p of flags.quantiles) header.push(`${quantileName(p)}${suffix(c)}`);
        }
        if (flags.mixture) {
          for (let j = 1; j <= k; j++) header.push(`weight_${j}`);
          for (let c = 0; c < d; c++) for (let j = 1; j <= k; j++) header.push(`mean_${j}${suffix(c)}`);
          for (let c = 0; c < d; c++) for (let j = 1; j <= k; j++) header.push(`std_${j}${suffix(c)}`);
        }
        const q = flags.quantiles.length;
        // A block of rows at a time: read, predict, write, forget; memory does not grow with the file.
        for await (const { x, host, firstRow } of predictedBlocks(opened, modelFile, dataFile, false)) {
          if (firstRow === 0) sink.write(csvLine(header));
          const mean = host.mean();
          const variance = host.variance();
          const mode = host.mode();
          const marginals = Array.from({ length: d }, (_, c) => (d === 1 ? host : host.marginal(c)));
          const quantiles = marginals.map((m) => m.quantile(flags.quantiles));
          const lines: string[] = [];
          for (let r = 0; r < x.rows; r++) {
            const row: string[] = [];
            for (let c = 0; c < x.columns; c++) row.push(cell(x.data[r * x.columns + c]!, inputUnit[c]));
            for (let c = 0; c < d; c++) {
              row.push(
                cell(mean[r * d + c]!, targetUnit[c]),
                cell(Math.sqrt(variance[r * d + c]!), targetUnit[c]),
                cell(mode[r * d + c]!, targetUnit[c]),
              );
              for (let i = 0; i < q; i++) row.push(cell(quantiles[c]![r * q + i]!, targetUnit[c]));
            }
            if (flags.mixture) {
              for (const w of host.weights(r)) row.push(cell(w));
              for (let c = 0; c < d; c++)
                for (let j = 0; j < k; j++) row.push(cell(host.means[(r * k + j) * d + c]!, targetUnit[c]));
              for (let c = 0; c < d; c++)
                for (let j = 0; j < k; j++) row.push(cell(host.scales[(r * k + j) * d + c]!, targetUnit[c]));
            }
            lines.push(csvLine(row));
          }
          sink.write(lines.join(''));
        }
        sink.close();
      } finally {
        model.dispose();
      }
    });
}
