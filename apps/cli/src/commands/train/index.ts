import {
  DATASETS,
  diagnose,
  type EpochEvent,
  formatDiagnosis,
  type Matrix,
  type MixtureDensityNetwork,
  saveModel,
  splitValidation,
  TrainingError,
  type TrainOptions,
  train,
} from '@mdn/core';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { CliError, EXIT } from '../../errors.js';
import { fixed } from '../../format.js';
import { describeBackend, selectBackend } from '../../io/backend.js';
import { checkOutput, removePendingTemporaries, writeFileAtomic } from '../../io/files.js';
import { numericMatrix, readTable } from '../../io/table.js';
import { integerList, nameList, nonNegativeInteger, positiveInteger, positiveNumber } from '../../options.js';
import { plotFormat, writePlot } from '../plot/write.js';
import { exampleReport } from './report.js';

interface TrainFlags {
  y?: string[];
  x?: string[];
  components: number;
  hidden?: number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  backend: string;
  seed: number;
  out?: string;
  plot?: string;
  example?: string | true;
  rows: number;
  force?: boolean;
  quiet?: boolean;
}

const EXAMPLES = Object.keys(DATASETS);

export function registerTrain(program: Command): void {
  program
    .command('train')
    .summary('train a model on a CSV/TSV file or a built-in example')
    .description(
      'Train a mixture density network p(y | x) on a CSV/TSV file with a header row (or - for stdin), with defaults\n' +
        'that do not collapse. Prints the final train/validation NLL and a diagnosis; saves the model atomically.\n' +
        'Ctrl-C stops training, keeps the best weights so far and saves them (exit code 130).',
    )
    .argument('[data]', 'CSV/TSV file with a header row, or - for stdin')
    .option('--y <columns>', 'target column(s), comma-separated; several make a multivariate target', nameList)
    .option('--x <columns>', 'input column(s), comma-separated (default: every column not in --y)', nameList)
    .option('-k, --components <n>', 'mixture components', positiveInteger, 5)
    .option('--hidden <sizes>', 'hidden layer sizes, comma-separated (default 64,64)', integerList)
    .option(
      '--epochs <n>',
      'epoch budget (default: from the data size; early stopping may end sooner)',
      positiveInteger,
    )
    .option('--batch-size <n>', 'rows per step (default 128)', positiveInteger)
    .option('--learning-rate <rate>', 'peak Adam learning rate (default 0.003)', positiveNumber)
    .option('--backend <name>', 'auto | node | wasm | cpu', 'auto')
    .option('--seed <n>', 'random seed (same seed, same data → same model)', nonNegativeInteger, 0)
    .option('--out <model>', 'where to save the model (JSON); required with DATA')
    .option('--plot <file>', 'also draw the fit and the loss curve (.svg or .png; 1 input and 1 target)')
    .option('--example [name]', `train on a built-in dataset instead of a file: ${EXAMPLES.join(', ')}`)
    .option('--rows <n>', 'rows drawn for --example', positiveInteger, 5000)
    .option('--force', 'replace an existing --out file even when it is not an mdn model')
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ mdn train data.csv --y price --out price.mdn.json\n' +
        '  $ mdn train data.tsv --x age,income --y spend -k 3 --hidden 128,128 --out spend.mdn.json --plot spend.svg\n' +
        '  $ mdn train --example --out forum-toy.mdn.json --plot forum-toy.svg\n',
    )
    .action(async (data: string | undefined, flags: TrainFlags) => {
      process.exitCode = await runTrain(data, flags);
    });
}

async function runTrain(data: string | undefined, flags: TrainFlags): Promise<number> {
  if (data !== undefined && flags.example !== undefined) {
    throw new CliError('give either DATA or --example, not both');
  }
  if (data === undefined && flags.example === undefined) {
    throw new CliError('give a CSV/TSV file to train on (or - for stdin), or --example to use a built-in dataset');
  }
  const exampleName = flags.example === true ? 'forum-toy' : flags.example;
  if (exampleName !== undefined && !(exampleName in DATASETS)) {
    throw new CliError(`--example '${exampleName}' is not a built-in dataset; choose one of ${EXAMPLES.join(', ')}`);
  }
  if (data !== undefined && flags.y === undefined) {
    throw new CliError('--y is required with DATA: name the target column(s), for example --y price');
  }
  if (data !== undefined && flags.out === undefined) {
    throw new CliError('--out is required with DATA: where to save the model, for example --out model.mdn.json');
  }
  if (flags.plot !== undefined) plotFormat(flags.plot, '--plot');
  const inputsFiles = data !== undefined ? [data] : [];
  if (flags.out !== undefined)
    checkOutput(flags.out, inputsFiles, { kind: 'model', force: flags.force === true, flag: '--out' });
  if (flags.plot !== undefined) checkOutput(flags.plot, inputsFiles, { kind: 'any', flag: '--plot' });
  if (flags.out !== undefined && flags.plot !== undefined && flags.out === flags.plot) {
    throw new CliError('--out and --plot name the same file; give them different names');
  }

  // The data: a file (validated cell by cell) or a built-in example with a fresh test draw.
  let x: Matrix;
  let y: Matrix;
  let xColumns: string[];
  let yColumns: string[];
  let source: string;
  let test: ReturnType<(typeof DATASETS)[string]> | undefined;
  if (exampleName !== undefined) {
    const dataset = DATASETS[exampleName]!({ rows: flags.rows, seed: flags.seed + 1 });
    test = DATASETS[exampleName]!({ rows: Math.max(flags.rows, 2000), seed: flags.seed + 1_000_001 });
    ({ x, y } = dataset);
    xColumns = dataset.inputColumns;
    yColumns = dataset.targetColumns;
    source = `the built-in example '${exampleName}' (${dataset.description})`;
  } else {
    const table = readTable(data!);
    yColumns = flags.y!;
    xColumns = flags.x ?? table.header.filter((name) => !yColumns.includes(name));
    const both = xColumns.filter((name) => yColumns.includes(name));
    if (both.length > 0)
      throw new CliError(`column '${both[0]}' is in both --x and --y; a column is an input or a target`);
    if (xColumns.length === 0) {
      throw new CliError(
        `${table.source}: no input columns left once --y ${yColumns.join(',')} is taken; add input columns`,
      );
    }
    y = numericMatrix(table, yColumns, '--y');
    x = numericMatrix(table, xColumns, '--x');
    if (x.rows < 2) {
      throw new CliError(
        `${table.source}: has ${x.rows} data row${x.rows === 1 ? '' : 's'}; training needs at least 2 (better hundreds)`,
      );
    }
    for (const [c, name] of yColumns.entries()) {
      const first = y.data[c]!;
      let constant = true;
      for (let r = 1; r < y.rows && constant; r++) constant = y.data[r * y.columns + c] === first;
      if (constant) {
        throw new CliError(
          `${table.source}: target column '${name}' is ${first} in every row; there is no distribution to learn — pick another --y`,
        );
      }
    }
    source = `${table.source}`;
  }

  const backend = await selectBackend(flags.backend);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `Training on ${source}: ${x.rows} rows; inputs ${xColumns.join(', ')}; target ${yColumns.join(', ')}.\n` +
      `Model: k = ${flags.components}, hidden ${(flags.hidden ?? [64, 64]).join(',')}; backend ${describeBackend(backend)}.`,
  );

  const parts = splitValidation(x, y, x.rows >= 50 ? 0.1 : 0, flags.seed);
  const controller = new AbortController();
  let interrupts = 0;
  let firstInterrupt = 0;
  const onInterrupt = () => {
    // A second press within a second is the same impatient press, not "quit without saving".
    if (interrupts === 1 && performance.now() - firstInterrupt < 1000) return;
    interrupts += 1;
    if (interrupts === 1) {
      firstInterrupt = performance.now();
      process.stderr.write(
        '\nStopping after this epoch; the best weights so far will be saved (Ctrl-C again quits without saving).\n',
      );
      controller.abort();
    } else {
      removePendingTemporaries();
      process.stderr.write('Quit without saving.\n');
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onInterrupt);
  const progress = createProgress(flags.quiet === true);
  const options: TrainOptions = {
    model: { components: flags.components, ...(flags.hidden ? { hidden: flags.hidden } : {}) },
    seed: flags.seed,
    columns: { x: xColumns, y: yColumns },
    signal: controller.signal,
    onEpoch: progress.update,
    ...(parts.validation ? { validation: parts.validation } : { validationSplit: 0 }),
    ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
    ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
    ...(flags.learningRate !== undefined ? { learningRate: flags.learningRate } : {}),
  };
  let model: MixtureDensityNetwork;
  let stopReason: string;
  let bestEpoch: number;
  let epochs: number;
  let seconds: number;
  try {
    const result = await train(parts.train.x, parts.train.y, options);
    ({ model, stopReason, bestEpoch, epochs, seconds } = result);
  } catch (error) {
    progress.stop();
    process.off('SIGINT', onInterrupt);
    if (error instanceof TrainingError) throw new CliError(`training failed: ${error.message}`, EXIT.failed);
    throw error;
  }
  progress.stop();
  process.off('SIGINT', onInterrupt);

  const trainNll = await model.nll(parts.train.x, parts.train.y);
  const validationNll = parts.validation ? await model.nll(parts.validation.x, parts.validation.y) : null;
  log(
    `\n${stopReason === 'aborted' ? 'Interrupted' : 'Stopped'} after ${epochs} epochs (${stopReason}; best epoch ${bestEpoch}) in ${seconds.toFixed(1)} s.`,
  );
  log(
    `Final NLL per row (nats, original units): train ${fixed(trainNll, 4)}` +
      (validationNll !== null
        ? `, validation ${fixed(validationNll, 4)}`
        : ' (no validation split: fewer than 50 rows)'),
  );
  // Save first: nothing after this point may cost the user the trained model.
  let saved = '';
  if (flags.out !== undefined) {
    const text = saveModel(model);
    writeFileAtomic(flags.out, text);
    saved = `Saved the model to ${flags.out} (${(text.length / 1024).toFixed(0)} kB). Next: mdn eval ${flags.out} DATA`;
  }
  const checkOn = test ?? parts.validation ?? parts.train;
  const checkName = test ? 'a fresh test draw' : parts.validation ? 'the validation rows' : 'the training rows';
  if (checkOn.x.rows >= 10) {
    log(`\nDiagnosis on ${checkName}:`);
    log(formatDiagnosis(await diagnose(model, checkOn.x, checkOn.y)));
  } else {
    log(`\nDiagnosis skipped: it needs at least 10 rows and ${checkName} have ${checkOn.x.rows}.`);
  }
  if (test) log(`\n${await exampleReport(model, test)}`);
  if (saved) log(`\n${saved}`);
  if (flags.plot !== undefined) {
    if (x.columns !== 1 || y.columns !== 1) {
      log(`Skipped --plot: a plot needs 1 input and 1 target column (this model has ${x.columns} and ${y.columns}).`);
    } else {
      await writePlot(flags.plot, {
        model,
        x,
        y,
        xName: xColumns[0]!,
        yName: yColumns[0]!,
        title: `Mixture density network fit to ${exampleName ?? source}`,
      });
      log(`Drew the fit to ${flags.plot}.`);
    }
  }
  model.dispose();
  return stopReason === 'aborted' ? EXIT.interrupted : EXIT.ok;
}

/** A progress bar on a terminal (stderr), plain lines every 10 epochs otherwise. */
function createProgress(quiet: boolean): { update: (e: EpochEvent) => void; stop: () => void } {
  if (quiet) return { update: () => {}, stop: () => {} };
  const describe = (e: EpochEvent) =>
    `train NLL ${fixed(e.trainLoss, 4)}  validation NLL ${e.validationLoss === null ? '—' : fixed(e.validationLoss, 4)}  ${e.stepsPerSecond.toFixed(0)} steps/s`;
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format: 'epoch {value}/{total} [{bar}] {status}',
        barsize: 24,
        hideCursor: true,
        stream: process.stderr,
      },
      undefined,
    );
    let started = false;
    return {
      update: (e) => {
        if (!started) {
          bar.start(e.totalEpochs, 0, { status: '' });
          started = true;
        }
        bar.update(e.epoch, { status: describe(e) });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  return {
    update: (e) => {
      if (e.epoch === 1 || e.epoch % 10 === 0) {
        process.stderr.write(`epoch ${String(e.epoch).padStart(3)}/${e.totalEpochs}  ${describe(e)}\n`);
      }
    },
    stop: () => {},
  };
}
