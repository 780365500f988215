/**
 * What happens when stdout or stderr cannot be written: a pipe its reader closed (`mdn … | head`), a full disk or
 * a failing device behind a redirect (`> /dev/full`).
 *
 * Where stdout is the command's product (predict's CSV, eval's scores, info, diagnose), a closed pipe is the reader's
 * choice: the command stops with 0; any other failure leaves the product incomplete: it says so and exits 1. Where
 * stdout is a log beside the product (train: the model goes to --out), a failure to write the log must never cost
 * the product: the stream is silenced, the command goes on, and at its end {@link logFailure} says what failed.
 * stderr (progress, messages) never stops a command: once it fails it is silenced.
 */
import { printable } from '@mdn/core/host';
import { EXIT } from '../errors.js';

/** What stdout carries for the running command. */
let stdoutRole: 'product' | 'log' = 'product';
/** The first failure of a stream that was silenced, by stream. */
const failures = new Map<NodeJS.WriteStream, string>();

/** Declares stdout a log (the command's product goes elsewhere): a failure to write it never ends the command. */
export function stdoutIsLog(): void {
  stdoutRole = 'log';
}

/** The failure that silenced stdout while it was a log (its error code), if any; undefined when it was written. */
export function logFailure(): string | undefined {
  return failures.get(process.stdout);
}

/** Writes nothing from now on: every later write to `stream` is dropped (and reports success). */
function silence(stream: NodeJS.WriteStream, code: string): void {
  if (failures.has(stream)) return;
  failures.set(stream, code);
  stream.write = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as NodeJS.WriteStream['write'];
}

/** Installs the handlers described above on stdout and stderr (once, at start). */
export function guardStandardStreams(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      if (stream === process.stderr || stdoutRole === 'log') {
        silence(stream, code);
        return;
      }
      if (code === 'EPIPE') process.exit(EXIT.ok);
      silence(process.stdout, code);
      process.stderr.write(
        `mdn: error: writing the output failed (${code}): it is incomplete; ` +
          'free space or write elsewhere (--out FILE where the command has it), then run again\n',
      );
      process.exit(EXIT.failed);
    });
  }
}

/** `text` with every control character but the line end escaped (`\x1b`), line by line (see `printable`). */
export function terminalText(text: string): string {
  return text
    .split('\n')
    .map((line) => printable(line))
    .join('\n');
}

/**
 * Writes text meant for people to stdout (reports, "Saved …" lines): file names, column names and any text from a
 * file or a model reach the terminal with their control characters escaped. JSON needs no escaping (JSON.stringify
 * escapes them); CSV goes through the command's text sink.
 */
export function say(text: string): void {
  process.stdout.write(terminalText(text));
}

/**
 * Waits until stdout has taken what was written (its buffer drained): a reader that stops reading (a stalled
 * pipe) then stops the command instead of letting its output pile up in memory.
 */
export function stdoutDrained(): Promise<void> {
  if (!process.stdout.writableNeedDrain || failures.has(process.stdout)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('close', done);
      resolve();
    };
    process.stdout.on('drain', done);
    process.stdout.on('close', done);
  });
}
