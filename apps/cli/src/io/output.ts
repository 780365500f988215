import { CliError } from '../errors.js';
import { checkOutput, openAtomic } from './files.js';
import { stdoutDrained, terminalText } from './streams.js';

/**
 * Where CSV output goes: stdout, or a file written atomically once complete (streamed into a temporary beside
 * it, so the output never has to fit in memory).
 */
export interface TextSink {
  write(text: string): void;
  /** Resolves once what was written has been taken (stdout's buffer drained): call between blocks. */
  drained(): Promise<void>;
  close(): void;
}

export function textSink(out: string | undefined, inputs: readonly string[]): TextSink {
  if (out === undefined) {
    // On a terminal, control characters in the data (a column name, a cell) are shown escaped; into a pipe or a
    // file the CSV goes as it is.
    // Lines are handed to stdout in chunks of about 64 KiB, not one by one: a reader slower than the command
    // (or stalled) then holds a few large strings in stdout's queue, not a million small ones.
    const terminal = process.stdout.isTTY === true;
    let buffered = '';
    const flush = () => {
      if (buffered === '') return;
      process.stdout.write(terminal ? terminalText(buffered) : buffered);
      buffered = '';
    };
    return {
      write: (text) => {
        buffered += text;
        if (buffered.length >= 1 << 16) flush();
      },
      drained: () => {
        flush();
        return stdoutDrained();
      },
      close: flush,
    };
  }
  if (out === '-') throw new CliError('--out - is not needed: output goes to stdout when --out is left out');
  checkOutput(out, inputs, { kind: 'any', flag: '--out' });
  let atomic: ReturnType<typeof openAtomic> | undefined;
  let buffered = '';
  const flush = () => {
    atomic ??= openAtomic(out);
    atomic.write(buffered);
    buffered = '';
  };
  return {
    write: (text) => {
      buffered += text;
      if (buffered.length >= 1 << 20) flush();
    },
    drained: () => Promise.resolve(),
    close: () => {
      flush();
      atomic!.commit();
    },
  };
}
