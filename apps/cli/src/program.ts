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
