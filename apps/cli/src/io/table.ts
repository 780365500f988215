import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { type Table, TableReader } from '@mdn/core/host';
import { CliError } from '../errors.js';

/** A parsed CSV/TSV file, and its named columns as a checked float64 matrix (errors name line and column). */
export { numericMatrix, type Table } from '@mdn/core/host';

/** Bytes read and decoded at a time: no file is ever held as one string (V8 caps strings near 512 MB). */
const CHUNK_BYTES = 1 << 20;

/** The text encoding from the first bytes: a UTF-16 byte-order mark picks UTF-16, anything else is UTF-8. */
function decoderFor(first: Uint8Array): TextDecoder {
  if (first[0] === 0xff && first[1] === 0xfe) return new TextDecoder('utf-16le');
  if (first[0] === 0xfe && first[1] === 0xff) return new TextDecoder('utf-16be');
  return new TextDecoder('utf-8');
}

function openFailure(file: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CliError(`${file}: no such file; check the path (use - to read stdin)`);
  if (code === 'EISDIR') return new CliError(`${file}: is a directory; give a CSV or TSV file`);
  return new CliError(`${file}: cannot be read (${(error as Error).message})`);
}

/** Calls `onBytes` with the file's (or stdin's) bytes a chunk at a time. */
function readChunks(file: string, onBytes: (bytes: Uint8Array) => void): void {
  if (file === '-') {
    let all: Buffer;
    try {
      all = readFileSync(0);
    } catch (error) {
      throw new CliError(`cannot read stdin: ${(error as Error).message}`);
    }
    for (let at = 0; at < all.length; at += CHUNK_BYTES) onBytes(all.subarray(at, at + CHUNK_BYTES));
    return;
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw openFailure(file, error);
  }
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      } catch (error) {
        throw openFailure(file, error);
      }
      if (read === 0) break;
      onBytes(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a CSV/TSV file with a header row (or stdin for `-`) with @mdn/core's parser, a megabyte at a time: a UTF-8
 * BOM, UTF-16 with a byte-order mark, CRLF line ends and quoted cells are fine; a ragged row, a bad quote or a bad
 * header is an InputError naming line and column.
 */
export function readTable(file: string): Table {
  const source = file === '-' ? 'stdin' : file;
  const reader = new TableReader({ source });
  const rows: string[][] = [];
  const lines: number[] = [];
  const keep = (records: ReturnType<TableReader['push']>) => {
    for (const record of records) {
      rows.push(record.cells);
      lines.push(record.line);
    }
  };
  let decoder: TextDecoder | undefined;
  readChunks(file, (bytes) => {
    decoder ??= decoderFor(bytes);
    keep(reader.push(decoder.decode(bytes, { stream: true })));
  });
  if (decoder) keep(reader.push(decoder.decode()));
  keep(reader.end());
  return { source, header: [...(reader.header ?? [])], rows, lines };
}
