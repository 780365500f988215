#!/usr/bin/env node
// The `mdn` command. Errors the user can act on print one line and exit 2 (bad usage/input) or 1 (failed
// run); a stack trace is printed only for internal errors, or for any error with MDN_DEBUG=1.
import { InputError, MdnError, printable } from '@mdn/core/host';
import { CommanderError } from 'commander';
import { CliError, EXIT } from './errors.js';
import { flagMessage } from './flags.js';
import { pendingTargets, removePendingTemporaries } from './io/files.js';
import { installStopHandling } from './io/signals.js';
import { guardStandardStreams } from './io/streams.js';
import { createProgram } from './program.js';

/** One line on stderr: control characters escaped (a message may quote a file's column names or a model's text). */
const report = (message: string) => process.stderr.write(`mdn: error: ${printable(message)}\n`);

async function main(): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    removePendingTemporaries();
    if (error instanceof CommanderError) {
      // Help and --version "exit" with 0; every other parse error is bad usage (commander printed it).
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (process.env.MDN_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    if (error instanceof CliError) {
      report(error.message);
      return error.exitCode;
    }
    if (InputError.isInstance(error)) {
      // Bad data, an option or a model file, found by @mdn/core: the message names the place and what to do; an
      // option is named by the flag that sets it.
      report(flagMessage(error));
      return EXIT.badInput;
    }
    if (MdnError.isInstance(error)) {
      // A run that could not go on (training diverged, no backend): said plainly, exit 1, not reported as a bug.
      report(`${error.code === 'training-failed' ? 'training failed: ' : ''}${error.message}`);
      return EXIT.failed;
    }
    const message = error instanceof Error ? error.message : String(error);
    report(message);
    process.stderr.write('(this looks like a bug in mdn; rerun with MDN_DEBUG=1 for the stack trace and report it)\n');
    return EXIT.failed;
  }
}

process.on('exit', removePendingTemporaries);
guardStandardStreams();
// Every command ends on Ctrl-C, SIGTERM or SIGHUP with 130 and a line saying so, removing any partial output
// (`mdn train` puts its own handler on top while it trains: see commands/train).
installStopHandling((signal) => {
  const targets = pendingTargets();
  removePendingTemporaries();
  process.stderr.write(
    `\nInterrupted (${signal})${targets.length > 0 ? `; ${targets.map((t) => printable(t, 200)).join(', ')} ${targets.length === 1 ? 'was' : 'were'} not written (the partial output is removed)` : ''}.\n`,
  );
  process.exit(EXIT.interrupted);
});
process.exitCode = await main();
