/** Exit codes of the `mdn` command (a stable contract). */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** The run failed (training diverged, an internal error). */
  failed: 1,
  /** Bad usage or bad input: a flag, a file, a column, a cell, a model file. */
  badInput: 2,
  /** `mdn diagnose`, or `mdn train`'s closing diagnosis, found a problem (status "problem"); the report is printed and the model saved as usual. */
  problem: 3,
  /** Stopped by Ctrl-C (SIGINT); `mdn train` still saves the best model first. */
  interrupted: 130,
} as const;

/** An error the user can act on: its message names the file/column/row and says what to do. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.badInput,
  ) {
    super(message);
  }
}
