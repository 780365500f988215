import { CliError } from '../errors.js';
import { checkOutput, writeFileAtomic } from './files.js';

/** Where CSV output goes: stdout, or a file written atomically once complete. */
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
  const chunks: string[] = [];
  return {
    write: (text) => {
      chunks.push(text);
    },
    close: () => writeFileAtomic(out, chunks.join('')),
  };
}
