import { CliError } from '../errors.js';
import { checkOutput, openAtomic } from './files.js';

/**
 * Where CSV output goes: stdout, or a file written atomically once complete (streamed into a temporary beside
 * it, so the output never has to fit in memory).
 */
export interface TextSink {
  write(text: string): void;
  close(): void;
}

export function textSink(out: string | undefined, inputs: readonly string[]): TextSink {
  if (out === undefined) {
    return {
      write: (text) => {
        process.stdout.write(text);
      },
      close: () => {},
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
    close: () => {
      flush();
      atomic!.commit();
    },
  };
}
