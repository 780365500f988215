import path from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../../errors.js';
import { checkOutput } from '../../io/files.js';
import { say } from '../../io/streams.js';
import { loadModelData, type ModelDataFlags, modelDataOptions } from '../shared.js';
import { plotFormat, writePlot } from './write.js';

/** The most data points a plot draws: a larger file is drawn as a uniform random sample of this many (seeded). */
export const PLOT_MAX_ROWS = 100_000;

interface PlotFlags extends ModelDataFlags {
  out: string;
  title?: string;
}

export function registerPlot(program: Command): void {
  modelDataOptions(
    program
      .command('plot')
      .summary('draw the predicted density over the data, with bands and the loss curve (SVG/PNG)')
      .description(
        'Draw a model with 1 input and 1 target over labelled data: the predicted density p(y | x) as a heatmap,\n' +
          'the data points, the median and the 50 % / 90 % intervals; beside it the loss curve from training.',
      ),
  )
    .requiredOption('--out <file>', 'the picture: .svg or .png (written atomically)')
    .option('--title <text>', 'the title (default: from the file names)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ mdn plot price.mdn.json data.csv --out fit.svg\n  $ mdn plot price.mdn.json data.csv --out fit.png\n',
    )
    .action(async (modelFile: string, dataFile: string, flags: PlotFlags) => {
      plotFormat(flags.out, '--out');
      checkOutput(flags.out, [modelFile, dataFile], { kind: 'any', flag: '--out' });
      const { model, columns, x, y, totalRows } = await loadModelData(modelFile, dataFile, flags, true, PLOT_MAX_ROWS);
      try {
        if (x.columns !== 1 || y!.columns !== 1) {
          throw new CliError(
            `${modelFile}: plot draws models with 1 input and 1 target; this one has ${x.columns} input${x.columns === 1 ? '' : 's'} and ${y!.columns} target${y!.columns === 1 ? '' : 's'}`,
          );
        }
        await writePlot(flags.out, {
          model,
          x,
          y: y!,
          xName: columns.x[0]!,
          yName: columns.y[0]!,
          title:
            flags.title ?? `${path.basename(modelFile)} on ${dataFile === '-' ? 'stdin' : path.basename(dataFile)}`,
        });
      } finally {
        model.dispose();
      }
      const sample =
        totalRows > x.rows
          ? ` (its points a uniform random sample of ${x.rows.toLocaleString('en-US')} of the file's ${totalRows.toLocaleString('en-US')} rows)`
          : '';
      say(`Drew ${flags.out}${sample}.\n`);
    });
}
