import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRandom, type Table, TableReader } from '@mdn/core/host';
import { CliError } from '../errors.js';

/** A parsed CSV/TSV file, and its named columns as a checked float64 matrix (errors name line and column). */
export { numericMatrix, type Table } from '@mdn/core/host';

/** Bytes read and decoded at a time: no file is ever held as one string (V8 caps strings near 512 MB). */
const CHUNK_BYTES = 1 << 20;

/**
 * The text encoding from the first bytes: a UTF-16 byte-order mark picks UTF-16, anything else is UTF-8. NUL bytes
 * near the start of a file without one mean UTF-16/UTF-32 without a byte-order mark (or a binary file): named, so
 * the message is not a puzzling one about fields or columns.
 */
function decoderFor(first: Uint8Array, source: string): TextDecoder {
  if (first[0] === 0xff && first[1] === 0xfe) return new TextDecoder('utf-16le');
  if (first[0] === 0xfe && first[1] === 0xff) return new TextDecoder('utf-16be');
  if (first.subarray(0, 4096).includes(0)) {
    throw new CliError(
      `${source}: holds NUL bytes near the start: it looks like UTF-16 or UTF-32 text without a byte-order mark, ` +
        'or a binary file; save it as UTF-8 CSV/TSV text',
    );
  }
  return new TextDecoder('utf-8');
}

function openFailure(file: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CliError(`${file}: no such file; check the path (use - to read stdin)`);
  if (code === 'EISDIR') return new CliError(`${file}: is a directory; give a CSV or TSV file`);
  return new CliError(`${file}: cannot be read (${(error as Error).message})`);
}

/** The file's (or stdin's) bytes, a chunk at a time. */
function* byteChunks(file: string): Generator<Uint8Array> {
  if (file === '-') {
    let all: Buffer;
    try {
      all = readFileSync(0);
    } catch (error) {
      throw new CliError(`cannot read stdin: ${(error as Error).message}`);
    }
    for (let at = 0; at < all.length; at += CHUNK_BYTES) yield all.subarray(at, at + CHUNK_BYTES);
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
      yield buffer.subarray(0, read);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A CSV/TSV file (or stdin for `-`) as tables of at most about `blockRows` data rows each, in order, read and
 * parsed with @mdn/core's `TableReader` a megabyte at a time: memory stays bounded whatever the file's size. Each
 * block has the header and the lines its rows start on. A UTF-8 BOM, UTF-16 with a byte-order mark, CRLF line ends
 * and quoted cells are fine; a ragged row, a bad quote or a bad header is an InputError naming line and column.
 */
export function* readTableBlocks(file: string, blockRows: number): Generator<Table> {
  const source = file === '-' ? 'stdin' : file;
  const reader = new TableReader({ source });
  let rows: string[][] = [];
  let lines: number[] = [];
  const block = (): Table => {
    const table = { source, header: [...(reader.header ?? [])], rows, lines };
    rows = [];
    lines = [];
    return table;
  };
  const keep = (records: ReturnType<TableReader['push']>) => {
    for (const record of records) {
      rows.push(record.cells);
      lines.push(record.line);
    }
  };
  let decoder: TextDecoder | undefined;
  for (const bytes of byteChunks(file)) {
    decoder ??= decoderFor(bytes, source);
    keep(reader.push(decoder.decode(bytes, { stream: true })));
    if (rows.length >= blockRows) yield block();
  }
  if (decoder) keep(reader.push(decoder.decode()));
  keep(reader.end());
  yield block();
}

/** A uniform random sample of a file's rows (all of them when the file has no more than asked for). */
export interface SampledTable {
  /** The rows kept, in file order. */
  table: Table;
  /** Data rows in the file. */
  totalRows: number;
}

/**
 * At most `maxRows` data rows of a CSV/TSV file (or stdin), a uniform random sample when it has more (reservoir
 * sampling over {@link readTableBlocks}, seeded: the same file gives the same sample), kept in file order with
 * their lines. Memory is bounded by `maxRows` whatever the file's size; every row is still read and checked.
 */
export function readTableSample(file: string, maxRows: number, seed = 0): SampledTable {
  const random = createRandom(seed);
  let header: string[] = [];
  let source = file;
  const kept: { index: number; cells: string[]; line: number }[] = [];
  let seen = 0;
  for (const block of readTableBlocks(file, 65_536)) {
    header = block.header;
    source = block.source;
    for (let r = 0; r < block.rows.length; r++) {
      const row = { index: seen, cells: block.rows[r]!, line: block.lines[r]! };
      if (kept.length < maxRows) kept.push(row);
      else {
        // Algorithm R: the row replaces a kept one with probability maxRows / (rows seen so far).
        const slot = Math.floor(random.uniform() * (seen + 1));
        if (slot < maxRows) kept[slot] = row;
      }
      seen++;
    }
  }
  kept.sort((a, b) => a.index - b.index);
  return {
    table: { source, header, rows: kept.map((row) => row.cells), lines: kept.map((row) => row.line) },
    totalRows: seen,
  };
}

/**
 * Reads a whole CSV/TSV file with a header row (or stdin for `-`); see {@link readTableBlocks}. For commands that
 * need every row at once (train).
 */
export function readTable(file: string): Table {
  const blocks = [...readTableBlocks(file, Number.POSITIVE_INFINITY)];
  return blocks[0]!;
}
