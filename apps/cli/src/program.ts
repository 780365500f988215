import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerDiagnose } from './commands/diagnose/index.js';
import { registerEval } from './commands/eval/index.js';
import { registerInfo } from './commands/info/index.js';
import { registerPlot } from './commands/plot/index.js';
import { registerPredict } from './commands/predict/index.js';
import { registerSample } from './commands/sample/index.js';
import { registerTrain } from './commands/train/index.js';

// dist/mdn.js sits one folder below package.json (src/program.ts too, for tests run from source).
const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** The flags that take a comma-separated list. */
const LIST_FLAGS = ['--x', '--y', '--quantiles', '--given', '--hidden'];

/** The `mdn` program: one sub-command per folder under commands/. */
export function createProgram(): Command {
  const program = new Command('mdn');
  program
    .description('Mixture density networks from the command line: predict a whole distribution p(y | x).')
    .version(version, '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 failed run, 2 bad usage or bad input, 3 mdn diagnose found a problem,\n130 interrupted (Ctrl-C).\n' +
        '\nStart with:\n  $ mdn train --example --out forum-toy.mdn.json --plot forum-toy.svg\n',
    );
  // A list flag given twice would keep only its last list without a word (`--x a --x b` trains on b alone, not on
  // both). A scalar flag given again overrides, as in most commands (`--epochs 5 … --epochs 10`).
  program.hook('preAction', (_program, command) => {
    const given = new Map<string, number>();
    for (const arg of process.argv.slice(2)) {
      if (arg === '--') break;
      for (const name of LIST_FLAGS) {
        if (arg === name || arg.startsWith(`${name}=`)) given.set(name, (given.get(name) ?? 0) + 1);
      }
    }
    for (const [name, count] of given) {
      if (count > 1) {
        command.error(
          `error: ${name} is given ${count} times; give its list once, comma-separated (like ${name} a,b)`,
          { exitCode: 2, code: 'mdn.repeatedOption' },
        );
      }
    }
  });
  for (const register of [
    registerTrain,
    registerEval,
    registerPredict,
    registerSample,
    registerDiagnose,
    registerPlot,
    registerInfo,
  ]) {
    register(program);
  }
  return program;
}
