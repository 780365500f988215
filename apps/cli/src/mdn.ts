#!/usr/bin/env node
// The `mdn` command. Errors the user can act on print one line and exit 2 (bad usage/input) or 1 (failed
// run); a stack trace is printed only for internal errors, or for any error with MDN_DEBUG=1.
import { InputError, MdnError } from '@mdn/core/host';
import { CommanderError } from 'commander';
import { CliError, EXIT } from './errors.js';
import { removePendingTemporaries } from './io/files.js';
import { createProgram } from './program.js';

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
      process.stderr.write(`mdn: error: ${error.message}\n`);
      return error.exitCode;
    }
    if (InputError.isInstance(error)) {
      // Bad data, an option or a model file, found by @mdn/core: the message names the place and what to do.
      process.stderr.write(`mdn: error: ${error.message}\n`);
      return EXIT.badInput;
    }
    if (MdnError.isInstance(error)) {
      // A run that could not go on (training diverged, no backend): said plainly, exit 1, not reported as a bug.
      process.stderr.write(
        `mdn: error: ${error.code === 'training-failed' ? 'training failed: ' : ''}${error.message}\n`,
      );
      return EXIT.failed;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `mdn: error: ${message}\n(this looks like a bug in mdn; rerun with MDN_DEBUG=1 for the stack trace and report it)\n`,
    );
    return EXIT.failed;
  }
}

process.on('exit', removePendingTemporaries);
// `mdn predict … | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
    if (stream === process.stdout) {
      // A full disk (ENOSPC) or a failing device behind a redirect: the output is incomplete, say so and fail.
      process.stderr.write(
        `mdn: error: writing the output failed (${error.code ?? error.message}): it is incomplete; ` +
          'free space or write elsewhere (--out FILE where the command has it), then run again\n',
      );
      process.exit(EXIT.failed);
    }
    throw error;
  });
}
process.exitCode = await main();
