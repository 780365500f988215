import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  DATASETS,
  describeTrainPlan,
  diagnose,
  type EpochEvent,
  formatDiagnosis,
  InputError,
  type Matrix,
  planTraining,
  type StepProgress,
  saveModel,
  TRAIN_DEFAULTS,
  type TrainOptions,
  type TrainPlan,
  type TrainResult,
  train,
} from '@mdn/core';
import { columnList, InputSchema, MISSING_CELLS, type MissingTarget, printable, type RawColumns } from '@mdn/core/host';
import { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import { CliError, EXIT } from '../../errors.js';
import { fixed } from '../../format.js';
import { describeBackend, selectBackend } from '../../io/backend.js';
import { checkOutput, sameFile, saveModelFile } from '../../io/files.js';
import { nextTurn } from '../../io/signals.js';
import { logFailure, say, stdoutIsLog } from '../../io/streams.js';
import { distinctNames, readTrainingData } from '../../io/table.js';
import { cellList, integerUpTo, nameList } from '../../options.js';
import { plotFormat, writePlot } from '../plot/write.js';
import { TrainingInterrupts } from './interrupts.js';
import { TRAINING_FLAGS, trainOptions } from './options.js';
import { exampleReport } from './report.js';

/**
 * The flags: the command's own, and the training flags of the option schema by their attribute names (every one
 * optional: what is not given, the core's plan decides).
 */
interface TrainFlags extends Record<string, unknown> {
  y?: string[];
  x?: string[];
  categorical?: string[];
  numeric?: string[];
  missingValues?: string[];
  missingTarget?: MissingTarget;
  /** The training flags this command reads itself (the rest only become options). */
  covariance?: string;
  seed?: number;
  backend: string;
  out?: string;
  plot?: string;
  example?: string | true;
  rows?: number;
  force?: boolean;
  quiet?: boolean;
}

const EXAMPLES = Object.keys(DATASETS);
/** Rows drawn for --example when --rows is not given. */
const EXAMPLE_ROWS = 5000;
/** The columns named in the opening line (control characters escaped: a header cannot drive the terminal). */
const SHOWN = { limit: 50, clip: 200 };

export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .summary('train a model on a CSV/TSV file or a built-in example')
    .description(
      'Train a mixture density network p(y | x) on a CSV/TSV file with a header row (or - for stdin), with defaults\n' +
        'that do not collapse. Prints the training plan (every setting), progress, the final train/validation NLL and\n' +
        'a diagnosis; saves the model (with its plan) atomically. Every training flag is optional: what you leave out,\n' +
        'the plan derives from the data. Ctrl-C (or SIGTERM, SIGHUP) stops training, keeps the best weights so far and\n' +
        'saves them (exit 130). A problem found by the closing diagnosis exits 3, after the save.',
    )
    .argument('[data]', 'CSV/TSV file with a header row, or - for stdin')
    .option('--y <columns>', 'target column(s), comma-separated; several make a multivariate target', nameList)
    .option(
      '--x <columns>',
      'input column(s), comma-separated; quote a name with a comma: \'"a, b",c\' (default: every column not in --y)',
      nameList,
    )
    .option(
      '--categorical <columns>',
      'input columns read as levels even if they hold numbers (codes, ratings used as labels); text columns are levels anyway',
      nameList,
    )
    .option('--numeric <columns>', 'input columns read as numbers: a text cell in one is an error naming it', nameList)
    .option(
      '--missing-values <texts>',
      `cell texts read as missing, comma-separated, instead of the defaults (${MISSING_CELLS.map((t) => (t === '' ? "''" : t)).join(' ')})`,
      cellList,
    )
    .addOption(
      new Option('--missing-target <what>', 'a row whose target cell is missing: drop (left out, counted) or error')
        .choices(['drop', 'error'])
        .default('drop'),
    );
  // Every training flag, from the option schema (options.ts).
  for (const { option } of TRAINING_FLAGS) command.addOption(option);
  command
    .option('--backend <name>', 'auto | node | wasm | cpu', 'auto')
    .option('--out <model>', "where to save the model (JSON); default DATA's name with .mdn.json, in this folder")
    .option('--plot <file>', 'also draw the fit and the loss curve (.svg or .png; 1 input and 1 target)')
    .option('--example [name]', `train on a built-in dataset instead of a file: ${EXAMPLES.join(', ')}`)
    .option(
      '--rows <n>',
      `rows drawn for --example (default ${EXAMPLE_ROWS})`,
      integerUpTo(10_000_000, 'the built-in examples are drawn in memory'),
    )
    .option('--force', 'replace an existing --out file even when it is not an mdn model')
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ mdn train penguins.csv --y "Body Mass (g)"      (text columns and NA cells are read as they are)\n' +
        '  $ mdn train data.csv --y price --out price.mdn.json\n' +
        '  $ mdn train data.tsv --x age,income --y spend -k 3 --hidden 128,128 --out spend.mdn.json --plot spend.svg\n' +
        '  $ mdn train data.csv --y price --patience off --noise 0.05 --out price.mdn.json\n' +
        '  $ mdn train --example --out forum-toy.mdn.json --plot forum-toy.svg\n',
    )
    .action(async (data: string | undefined, flags: TrainFlags) => {
      process.exitCode = await runTrain(data, flags);
    });
}

/** The training options the user set on the command line (nothing else: the plan fills the rest). */
async function runTrain(data: string | undefined, flags: TrainFlags): Promise<number> {
  if (data !== undefined && flags.example !== undefined) {
    throw new CliError('give either DATA or --example, not both');
  }
  if (data === undefined && flags.example === undefined) {
    throw new CliError('give a CSV/TSV file to train on (or - for stdin), or --example to use a built-in dataset');
  }
  if (flags.example !== undefined && (flags.x !== undefined || flags.y !== undefined)) {
    throw new CliError(
      `--${flags.x !== undefined ? 'x' : 'y'} is for DATA: a built-in example has its own columns; leave it out with --example`,
    );
  }
  if (flags.example === undefined && flags.rows !== undefined) {
    throw new CliError('--rows sets how many rows --example draws; a DATA file trains on all of its rows');
  }
  for (const [flag, names] of [
    ['--y', flags.y],
    ['--x', flags.x],
  ] as const) {
    const twice = names === undefined ? undefined : distinctNames(names);
    if (twice !== undefined) {
      throw new CliError(`${flag} names '${printable(twice, 80)}' twice; name each column once`);
    }
  }
  const exampleName = flags.example === true ? 'forum-toy' : flags.example;
  if (exampleName !== undefined && !(exampleName in DATASETS)) {
    throw new CliError(`--example '${exampleName}' is not a built-in dataset; choose one of ${EXAMPLES.join(', ')}`);
  }
  if (data !== undefined && flags.y === undefined) {
    throw new CliError('--y is required with DATA: name the target column(s), for example --y price');
  }
  if (data !== undefined && flags.out === undefined) {
    if (data === '-') {
      throw new CliError(
        '--out is required when reading stdin: where to save the model, for example --out model.mdn.json',
      );
    }
    // DATA's name with .mdn.json, in the current folder; never over an existing file (an earlier model is kept).
    const named = `${path.basename(data).replace(/\.[^.]*$/, '') || 'model'}.mdn.json`;
    if (existsSync(named)) {
      throw new CliError(
        `${named} (the default name of the model for ${path.basename(data)}) exists; give --out ${named} to replace it, or another name`,
      );
    }
    flags.out = named;
  }
  if (flags.plot !== undefined) plotFormat(flags.plot, '--plot');
  if (flags.covariance === 'full' && flags.y !== undefined && flags.y.length < 2) {
    throw new CliError(
      '--covariance full correlates several --y targets; with one target it is the same as diagonal: leave it out',
    );
  }
  const inputsFiles = data !== undefined ? [data] : [];
  // By any spelling (./a, a link to the folder): the picture must not be written over the model.
  if (flags.out !== undefined && flags.plot !== undefined && sameFile(flags.out, flags.plot)) {
    throw new CliError('--out and --plot name the same file; give them different names');
  }
  const outChecked =
    flags.out !== undefined
      ? checkOutput(flags.out, inputsFiles, { kind: 'model', force: flags.force === true, flag: '--out' })
      : undefined;
  if (flags.plot !== undefined) checkOutput(flags.plot, inputsFiles, { kind: 'any', flag: '--plot' });
  // From here stdout is the run's log: the model goes to --out, and a log that cannot be written (a closed pipe, a
  // full disk) must not cost it.
  stdoutIsLog();

  // The data: a file (validated cell by cell) or a built-in example with a fresh test draw.
  let x: Matrix | RawColumns;
  let y: Matrix;
  let xColumns: string[];
  let yColumns: string[];
  let source: string;
  /** What reading DATA said beside the rows: rows left out, how its columns are read. */
  const reading: string[] = [];
  let test: ReturnType<(typeof DATASETS)[string]> | undefined;
  if (exampleName !== undefined) {
    const rows = flags.rows ?? EXAMPLE_ROWS;
    const seed = flags.seed ?? TRAIN_DEFAULTS.seed;
    const dataset = DATASETS[exampleName]!({ rows, seed: seed + 1 });
    test = DATASETS[exampleName]!({ rows: Math.max(rows, 2000), seed: seed + 1_000_001 });
    ({ x, y } = dataset);
    xColumns = dataset.inputColumns;
    yColumns = dataset.targetColumns;
    source = `the built-in example '${exampleName}' (${dataset.description})`;
  } else {
    yColumns = flags.y!;
    const both = (flags.x ?? []).filter((name) => yColumns.includes(name));
    if (both.length > 0) {
      throw new CliError(
        `column '${printable(both[0]!, 80)}' is in both --x and --y; a column is an input or a target`,
      );
    }
    const readAs = [...(flags.categorical ?? []), ...(flags.numeric ?? [])].filter((name) => yColumns.includes(name));
    if (readAs.length > 0) {
      throw new CliError(
        `--${flags.categorical?.includes(readAs[0]!) ? 'categorical' : 'numeric'} names '${printable(readAs[0]!, 80)}', a --y column; ` +
          'it says how an input column is read (a target must be numbers)',
      );
    }
    const table = await readTrainingData(data!, flags.x, yColumns, {
      missingValues: flags.missingValues,
      missingTarget: flags.missingTarget,
    });
    ({ x, y, xColumns, source } = table);
    const { count, lines } = table.dropped;
    if (count > 0) {
      reading.push(
        `${count} row${count === 1 ? '' : 's'} left out: the target is missing (line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}${count > lines.length ? ', …' : ''}); --missing-target error refuses such rows instead.`,
      );
    }
    if (y.rows === 0 && count > 0) {
      throw new CliError(`${printable(source)}: every row's target is missing (${count} rows); check --y`);
    }
  }
  const inputOptions = {
    ...(flags.categorical ? { categorical: flags.categorical } : {}),
    ...(flags.numeric ? { numeric: flags.numeric } : {}),
    ...(flags.missingValues ? { missingValues: flags.missingValues } : {}),
  };
  let schema: InputSchema | undefined;
  // (Fewer than 2 rows: the core's plan names the problem.)
  if (!('data' in x) && y.rows >= 2) {
    try {
      schema = InputSchema.fit(x, inputOptions);
    } catch (error) {
      throw InputError.isInstance(error) && error.fields.option ? new CliError(`--${error.message}`) : error;
    }
    if (!schema.plain)
      reading.push(
        `Inputs, as read (saved with the model):\n${schema
          .describe()
          .map((line) => `  ${line}`)
          .join('\n')}`,
      );
  }
  const inputWidth = schema ? schema.width : (x as Matrix).columns;
  if (flags.plot !== undefined && (inputWidth !== 1 || y.columns !== 1)) {
    throw new CliError(
      `--plot draws a model with 1 input and 1 target; this one would have ${inputWidth} input${inputWidth === 1 ? '' : 's'} and ` +
        `${y.columns} target${y.columns === 1 ? '' : 's'}: leave --plot out`,
    );
  }

  const backend = await selectBackend(flags.backend);
  const log = (line: string) => say(`${line}\n`);
  const interrupts = new TrainingInterrupts(flags.out);
  const options: TrainOptions = {
    ...trainOptions(flags),
    columns: 'data' in x ? { x: xColumns, y: yColumns } : { y: yColumns },
    ...('data' in x ? {} : { inputs: inputOptions }),
    signal: interrupts.signal,
  };
  // The data's own problems (a constant target, …) are named with the file they come from; option errors are not.
  const named = (error: unknown) =>
    InputError.isInstance(error) && error.code === 'invalid-input'
      ? new CliError(`${exampleName === undefined ? source : '--example'}: ${error.message}`)
      : error;
  let plan: TrainPlan;
  try {
    plan = planTraining(x, y, options);
  } catch (error) {
    throw named(error);
  }
  // The progress names the network each line is about when the plan trains several.
  const progress = createProgress(flags.quiet === true, plan.ensemble);
  options.onEpoch = progress.update;
  options.onProgress = progress.within;
  log(
    `Training on ${printable(source)}: ${y.rows} rows; inputs ${columnList(xColumns, SHOWN)}; target ${columnList(yColumns, SHOWN)}.\n` +
      reading.map((line) => `${line}\n`).join('') +
      `Backend ${describeBackend(backend)}. The plan (every setting; saved with the model):\n` +
      describeTrainPlan(plan).replace(/^/gm, '  '),
  );

  // Ctrl-C, a terminal closing (SIGHUP) and a polite kill (SIGTERM) all stop training and save the best model.
  interrupts.install();
  try {
    return withLogChecked(await trainAndSave());
  } finally {
    interrupts.uninstall();
  }

  /** `code`, or 1 when the log could not be written (other than a reader closing its pipe), said on stderr. */
  function withLogChecked(code: number): number {
    const failure = logFailure();
    if (failure === undefined || failure === 'EPIPE') return code;
    process.stderr.write(
      `mdn: error: writing the log to stdout failed (${failure}): it is incomplete` +
        `${flags.out !== undefined ? `; the model was saved to ${flags.out}` : ''}\n`,
    );
    return code === EXIT.ok || code === EXIT.problem ? EXIT.failed : code;
  }

  async function trainAndSave(): Promise<number> {
    let result: TrainResult;
    try {
      result = await train(x, y, options);
    } catch (error) {
      throw named(error);
    } finally {
      progress.stop();
    }
    const { model, stopReason, bestEpoch, epochs, seconds, finalLoss, split, members } = result;
    log(
      members
        ? `\n${stopReason === 'aborted' ? 'Interrupted' : 'Trained'} an ensemble of ${members.length} networks in ${seconds.toFixed(1)} s: ` +
            members.map((m) => `seed ${m.seed} ${m.epochs} epochs (best ${m.bestEpoch})`).join('; ') +
            '.'
        : `\n${stopReason === 'aborted' ? 'Interrupted' : 'Stopped'} after ${epochs} epochs (${stopReason}; best epoch ${bestEpoch}) in ${seconds.toFixed(1)} s.`,
    );
    const search = result.componentSearch;
    if (search) {
      log(
        `Components: K = ${search.chosen}, chosen on validation NLL (${search.tried.map((t) => `K = ${t.components}: ${fixed(t.validationNll, 4)}`).join(', ')}): ${search.reason}.`,
      );
    }
    log(
      `Final NLL per row (nats, ${model.config.discrete ? '−log P(y) of whole numbers' : 'original units'}): train ${fixed(finalLoss.train, 4)}` +
        (finalLoss.validation !== null
          ? `, validation ${fixed(finalLoss.validation, 4)}${members ? ' (means over the members, each on its own rows)' : ''}`
          : ' (no validation rows held out)'),
    );
    // Save first: nothing after this point may cost the user the trained model.
    let savedLine = '';
    if (flags.out !== undefined) {
      const text = saveModel(model);
      try {
        saveModelFile(flags.out, text, '--out', outChecked);
      } finally {
        // Saved where asked or rescued elsewhere (the error says where): a signal from now on ends the command.
        interrupts.markSaved();
      }
      savedLine = `Saved the model to ${flags.out} (${(text.length / 1024).toFixed(0)} kB). Next: mdn eval ${flags.out} DATA`;
    }
    interrupts.markSaved();
    if (interrupts.interrupted && stopReason !== 'aborted') {
      // A signal came after training had ended: the model is saved; skip the diagnosis and the plot.
      if (savedLine) log(`\n${savedLine}`);
      process.stderr.write(`Interrupted after training${savedLine ? '; the model is saved' : ''}.\n`);
      model.dispose();
      return EXIT.interrupted;
    }
    // Held-out rows: a test draw, the validation rows, or an ensemble's out-of-bag rows, each scored by the network
    // that held it out (the ensemble as a whole held out none); the training rows only when nothing was held out.
    const outOfBag = !test && !split.validation && (result.outOfBag?.rows.length ?? 0) >= 10 ? result.outOfBag! : null;
    const checkOn = test ?? split.validation ?? outOfBag ?? split.train;
    const checkName = test
      ? 'a fresh test draw'
      : split.validation
        ? 'the validation rows'
        : outOfBag
          ? `the ${outOfBag.rows.length} rows the networks held out (each scored by the one network that did not train on it, which is a little stricter than the ensemble)`
          : 'the training rows';
    // Let a signal that came during the save be handled now (the model is on disk): it ends the command here.
    await nextTurn();
    let problem = false;
    if (checkOn.x.rows >= 10) {
      log(`\nDiagnosis on ${checkName}:`);
      const diagnosis = await diagnose(model, checkOn.x, checkOn.y, outOfBag ? { networks: outOfBag.networks } : {});
      log(formatDiagnosis(diagnosis));
      problem = diagnosis.status === 'problem';
    } else {
      log(`\nDiagnosis skipped: it needs at least 10 rows and ${checkName} have ${checkOn.x.rows}.`);
    }
    if (test) log(`\n${await exampleReport(model, test)}`);
    if (savedLine) log(`\n${savedLine}`);
    if (flags.plot !== undefined) {
      // One input and one target (checked before training).
      await nextTurn();
      await writePlot(flags.plot, {
        model,
        x: schema ? schema.encode(x as RawColumns).x : (x as Matrix),
        y,
        xName: schema ? schema.features[0]!.name : xColumns[0]!,
        yName: yColumns[0]!,
        title: `Mixture density network fit to ${exampleName ?? source}`,
      });
      log(`Drew the fit to ${flags.plot}.`);
    }
    model.dispose();
    if (stopReason === 'aborted') return EXIT.interrupted;
    if (problem) {
      // As `mdn diagnose` does: scripts see the verdict (the model is saved and the report printed all the same).
      process.stderr.write(
        `The diagnosis found a problem with this model (see its findings above)${savedLine ? '; it is saved all the same' : ''}.\n`,
      );
      return EXIT.problem;
    }
    return EXIT.ok;
  }
}

/**
 * A progress bar on a terminal (stderr), plain lines otherwise: every 10 epochs, and whenever
 * {@link PROGRESS_EVERY_MS} have passed, within an epoch too (a large file's epoch can take minutes).
 * `networks`: the plan's; when it is more than 1 every line names the network it is about ("network 2/5").
 */
function createProgress(
  quiet: boolean,
  networks: number,
): {
  update: (e: EpochEvent) => void;
  within: (p: StepProgress) => void;
  stop: () => void;
} {
  if (quiet) return { update: () => {}, within: () => {}, stop: () => {} };
  const which = (member: number) => (networks > 1 ? `network ${member + 1}/${networks}  ` : '');
  const describeWithin = (p: StepProgress) =>
    `${which(p.member)}step ${p.step}/${p.stepsPerEpoch}  train NLL so far ${fixed(p.trainLoss, 4)}`;
  const describe = (e: EpochEvent) =>
    `${which(e.member)}train NLL ${fixed(e.trainLoss, 4)}  validation NLL ${e.validationLoss === null ? '—' : fixed(e.validationLoss, 4)}  ${e.stepsPerSecond.toFixed(0)} steps/s`;
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
    // The bar starts with the first report (the epoch budget comes with it), then moves to `done` epochs.
    const show = (totalEpochs: number, done: number, status: string) => {
      if (!started) {
        bar.start(totalEpochs, 0, { status: '' });
        started = true;
      }
      bar.update(done, { status });
    };
    return {
      update: (e) => show(e.totalEpochs, e.epoch, describe(e)),
      within: (p) => show(p.totalEpochs, p.epoch - 1, describeWithin(p)),
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  // Without a terminal (a log file, CI): a line at the first epoch, every 10th, and whenever a few seconds have
  // passed since the last one (also within an epoch), so long epochs on big files still show that the run is alive.
  let last = Date.now();
  return {
    update: (e) => {
      if (e.epoch === 1 || e.epoch % 10 === 0 || Date.now() - last >= PROGRESS_EVERY_MS) {
        process.stderr.write(`epoch ${String(e.epoch).padStart(3)}/${e.totalEpochs}  ${describe(e)}\n`);
        last = Date.now();
      }
    },
    within: (p) => {
      if (Date.now() - last >= PROGRESS_EVERY_MS) {
        process.stderr.write(`epoch ${String(p.epoch).padStart(3)}/${p.totalEpochs}  ${describeWithin(p)}\n`);
        last = Date.now();
      }
    },
    stop: () => {},
  };
}

/** Without a terminal, a progress line at least this often (ms); MDN_PROGRESS_MS overrides it (tests use 0). */
const PROGRESS_EVERY_MS = (() => {
  const given = Number(process.env.MDN_PROGRESS_MS);
  return (process.env.MDN_PROGRESS_MS ?? '').trim() !== '' && Number.isFinite(given) && given >= 0 ? given : 5_000;
})();
