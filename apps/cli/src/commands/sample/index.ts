import { MAX_SAMPLE_VALUES } from '@mdn/core/host';
import type { Command } from 'commander';
import { CliError } from '../../errors.js';
import { cell, checkHeader, csvLine } from '../../format.js';
import { textSink } from '../../io/output.js';
import { nextTurn } from '../../io/signals.js';
import { nonNegativeNumber, positiveInteger, seedValue } from '../../options.js';
import { inputCells, type ModelDataFlags, modelDataOptions, notFinite, openModel, predictedBlocks } from '../shared.js';

/** About this many values are drawn at a time, whatever -n is (memory stays bounded). */
const VALUES_PER_DRAW = 1 << 20;

/**
 * The seed for the draws of rows from `firstRow` on: the given seed for the first rows (a file of one slice gives
 * what one call would), a different but fixed one for each later slice.
 */
function sliceSeed(seed: number, firstRow: number): number {
  return firstRow === 0 ? seed : (seed ^ Math.imul(firstRow, 0x9e3779b1)) >>> 0;
}

interface SampleFlags extends ModelDataFlags {
  count: number;
  temperature: number;
  sigmaTemperature?: number;
  seed: number;
  out?: string;
}

export function registerSample(program: Command): void {
  modelDataOptions(
    program
      .command('sample')
      .summary('draw samples of y for each row (CSV)')
      .description(
        'Draw N samples from p(y | x) for each row of a CSV/TSV file. CSV out: row (0-based data row), the input\n' +
          'columns, sample (0…N−1), then the target columns. --temperature T sharpens (T < 1) or flattens (T > 1)\n' +
          'the mixing weights (logits / T); --sigma-temperature S multiplies every variance by S (default: T).\n' +
          'T = 0 gives the most likely component mean exactly.',
      ),
  )
    .requiredOption('-n, --count <n>', 'samples per row', positiveInteger)
    .option('--temperature <t>', 'mixing-weight temperature', nonNegativeNumber, 1)
    .option('--sigma-temperature <s>', 'variance multiplier (default: the temperature)', nonNegativeNumber)
    .option('--seed <n>', 'random seed (same seed → same samples)', seedValue, 0)
    .option('--out <file>', 'write the CSV here (atomically) instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ mdn sample price.mdn.json new.csv -n 100 > samples.csv\n' +
        '  $ mdn sample price.mdn.json new.csv -n 10 --temperature 0.5 --seed 3\n',
    )
    .action(async (modelFile: string, dataFile: string, flags: SampleFlags) => {
      const sink = textSink(flags.out, [dataFile, modelFile]);
      const opened = await openModel(modelFile, flags);
      const { model, columns } = opened;
      try {
        const targetUnit = model.targetStandardiser.scale;
        const d = model.config.outputDimension;
        const n = flags.count;
        const targets = columns.y.length === d ? columns.y : Array.from({ length: d }, (_, i) => `y${i + 1}`);
        const header = ['row', ...columns.x, 'sample', ...targets];
        checkHeader(header, columns.x.length + 1, 'sample');
        if (n * d > MAX_SAMPLE_VALUES) {
          throw new CliError(
            `-n ${n}${d > 1 ? ` × ${d} targets` : ''} is more than the ${MAX_SAMPLE_VALUES.toExponential(0)} values drawn for one row at a time; draw fewer`,
          );
        }
        const rowsPerDraw = Math.max(1, Math.floor(VALUES_PER_DRAW / (n * d)));
        // A block of rows at a time (read, predict, draw a slice at a time, write, forget).
        for await (const block of predictedBlocks(opened, modelFile, dataFile, false)) {
          const { host, x, firstRow } = block;
          const inputsOf = inputCells(model, block, columns.x, cell);
          // The header once the first block is read and predicted (a file without rows writes nothing).
          if (firstRow === 0) sink.write(csvLine(header));
          for (let start = 0; start < x.rows; start += rowsPerDraw) {
            const end = Math.min(x.rows, start + rowsPerDraw);
            const draws = host.slice(start, end).sample(n, {
              seed: sliceSeed(flags.seed, firstRow + start),
              temperature: flags.temperature,
              ...(flags.sigmaTemperature !== undefined ? { scaleTemperature: flags.sigmaTemperature } : {}),
            });
            for (let r = start; r < end; r++) {
              const inputs = inputsOf(r);
              for (let s = 0; s < n; s++) {
                const values: string[] = [];
                for (let c = 0; c < d; c++) {
                  const draw = draws[((r - start) * n + s) * d + c]!;
                  if (!Number.isFinite(draw)) throw notFinite(model, x, r, dataFile, columns.x, firstRow, 'draw');
                  values.push(cell(draw, targetUnit[c]));
                }
                sink.write(csvLine([String(firstRow + r), ...inputs, String(s), ...values]));
              }
              // A stalled reader holds us here, a row's samples at most waiting in memory.
              await sink.drained();
            }
            // A stop signal is handled here (it removes the partial --out file).
            await nextTurn();
          }
        }
        sink.close();
      } finally {
        model.dispose();
      }
    });
}
