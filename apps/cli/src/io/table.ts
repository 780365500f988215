import { closeSync, openSync, readSync } from 'node:fs';
import {
  createRandom,
  type MissingTarget,
  numericMatrix,
  printable,
  type Table,
  TableReader,
  type TrainingTable,
  TrainingTableReader,
} from '@mdn/core/host';
import { CliError } from '../errors.js';
import { nextTurn } from './signals.js';

/** A parsed CSV/TSV file, and its named columns as a checked float64 matrix (errors name line and column). */
export { numericMatrix, type Table };

/** Bytes read at a time: no file is ever held as one string (V8 caps strings near 512 MB). */
const CHUNK_BYTES = 1 << 20;
/** Bytes decoded and parsed at a time (a block of rows is cut from what they complete). */
const PIECE_BYTES = 1 << 16;

/**
 * The text encoding from the first bytes: a UTF-16 byte-order mark picks UTF-16, anything else is UTF-8 (checked:
 * bytes that are not UTF-8 are an error naming the line, see {@link notUtf8}). NUL bytes near the start of a file
 * without a byte-order mark are named: at every second or fourth byte they are UTF-16/UTF-32 text without one;
 * elsewhere the file is binary or corrupt.
 */
function decoderFor(first: Uint8Array, source: string): TextDecoder {
  if (first[0] === 0xff && first[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true });
  if (first[0] === 0xfe && first[1] === 0xff) return new TextDecoder('utf-16be', { fatal: true });
  const head = first.subarray(0, 4096);
  const nul = head.indexOf(0);
  if (nul >= 0) {
    // Text in UTF-16 or UTF-32 without a byte-order mark has a NUL in most odd (or even) positions.
    let odd = 0;
    let even = 0;
    for (let i = 0; i < head.length; i++) if (head[i] === 0) i % 2 === 0 ? even++ : odd++;
    const wide = Math.max(odd, even) >= 0.4 * (head.length / 2);
    const line = 1 + countLines(head.subarray(0, nul));
    throw new CliError(
      wide
        ? `${source}: holds NUL bytes near the start: it looks like UTF-16 or UTF-32 text without a byte-order mark, ` +
            'or a binary file; save it as UTF-8 CSV/TSV text'
        : `${source}: holds a NUL byte at byte ${nul + 1} (line ${line}): it is not CSV/TSV text (a binary or damaged ` +
            'file?); check that this is the right file',
    );
  }
  return new TextDecoder('utf-8', { fatal: true });
}

/** Line ends (LF) in `bytes`. */
function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) lines++;
  return lines;
}

/**
 * Where `bytes` first breaks UTF-8 (an index), ignoring a sequence cut off at the end (the next chunk completes
 * it); -1 when it does not.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    for (let j = 1; j < length; j++) {
      if (i + j >= bytes.length) return -1;
      const c = bytes[i + j]!;
      const low = j === 1 && b === 0xe0 ? 0xa0 : j === 1 && b === 0xf0 ? 0x90 : 0x80;
      const high = j === 1 && b === 0xed ? 0x9f : j === 1 && b === 0xf4 ? 0x8f : 0xbf;
      if (c < low || c > high) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * The error for text that is not UTF-8: the line and byte, the byte's value, and the likely encoding (a spreadsheet's
 * "CSV" in Windows-1252 or Latin-1 writes é as the single byte 0xE9).
 */
function notUtf8(source: string, chunk: Uint8Array, linesBefore: number, bytesBefore: number): CliError {
  const at = Math.max(0, firstInvalidUtf8(chunk));
  const line = linesBefore + 1 + countLines(chunk.subarray(0, at));
  const byte = chunk[at] ?? 0;
  return new CliError(
    `${source}: line ${line} holds bytes that are not UTF-8 (0x${byte.toString(16).toUpperCase().padStart(2, '0')} at byte ` +
      `${bytesBefore + at + 1}): the file looks like Windows-1252 or Latin-1 text (é as one byte); save it as UTF-8 ` +
      '(in a spreadsheet: CSV UTF-8), or convert it: iconv -f WINDOWS-1252 -t UTF-8',
  );
}

function openFailure(file: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CliError(`${file}: no such file; check the path (use - to read stdin)`);
  if (code === 'EISDIR') return new CliError(`${file}: is a directory; give a CSV or TSV file`);
  return new CliError(`${file}: cannot be read (${(error as Error).message})`);
}

/** Blocks the thread for `ms` milliseconds (between retries of a read that would block). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The file's (or stdin's) bytes, a chunk at a time: stdin too, so a stream of any length is read in bounded memory
 * (`yes 1,2,3 | mdn predict …` streams; it was once read whole, 11 GB in 45 s).
 */
function* byteChunks(file: string): Generator<Uint8Array> {
  const stdin = file === '-';
  let fd: number;
  if (stdin) fd = 0;
  else {
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      throw openFailure(file, error);
    }
  }
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A non-blocking stdin (a socket, or a terminal another program set so): wait for data. Windows ends a pipe so.
        if (code === 'EAGAIN') {
          pause(10);
          continue;
        }
        if (code === 'EOF') break;
        if (stdin) throw new CliError(`cannot read stdin: ${(error as Error).message}`);
        throw openFailure(file, error);
      }
      if (read === 0) break;
      yield buffer.subarray(0, read);
    }
  } finally {
    if (!stdin) closeSync(fd);
  }
}

/**
 * A CSV/TSV file (or stdin for `-`) as tables of `blockRows` data rows each (the last one fewer), in order, read and
 * parsed with @mdn/core's `TableReader` a megabyte at a time: memory stays bounded whatever the file's size. Each
 * block has the header and the lines its rows start on. A UTF-8 BOM, UTF-16 with a byte-order mark, CRLF line ends
 * and quoted cells are fine; a ragged row, a bad quote or a bad header is an InputError naming line and column.
 */
export function* readTableBlocks(file: string, blockRows: number): Generator<Table> {
  const source = file === '-' ? 'stdin' : file;
  const reader = new TableReader({ source });
  let rows: string[][] = [];
  let lines: number[] = [];
  /** The first `count` rows kept (all of them by default) as a table. */
  const block = (count = rows.length): Table => {
    const table = {
      source,
      header: [...(reader.header ?? [])],
      rows: rows.slice(0, count),
      lines: lines.slice(0, count),
    };
    rows = rows.slice(count);
    lines = lines.slice(count);
    return table;
  };
  const keep = (records: ReturnType<TableReader['push']>) => {
    for (const record of records) {
      rows.push(record.cells);
      lines.push(record.line);
    }
  };
  let decoder: TextDecoder | undefined;
  let linesRead = 0;
  let bytesRead = 0;
  const decode = (bytes?: Uint8Array): string => {
    try {
      return bytes === undefined ? decoder!.decode() : decoder!.decode(bytes, { stream: true });
    } catch {
      throw decoder!.encoding === 'utf-8'
        ? notUtf8(printable(source), bytes ?? new Uint8Array([0xff]), linesRead, bytesRead)
        : new CliError(
            `${printable(source)}: is not valid ${decoder!.encoding.toUpperCase()} text near byte ${bytesRead + 1}; save it as UTF-8`,
          );
    }
  };
  for (const chunk of byteChunks(file)) {
    decoder ??= decoderFor(chunk, printable(source));
    // A piece at a time, and blocks of exactly `blockRows` rows: a megabyte of short rows is 250 000 of them, and
    // the text cells of a block are what a reader holds at once.
    for (let at = 0; at < chunk.length; at += PIECE_BYTES) {
      const piece = chunk.subarray(at, at + PIECE_BYTES);
      keep(reader.push(decode(piece)));
      linesRead += countLines(piece);
      bytesRead += piece.length;
      while (rows.length >= blockRows) yield block(blockRows);
    }
  }
  if (decoder) keep(reader.push(decode()));
  keep(reader.end());
  while (rows.length > blockRows) yield block(blockRows);
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
export async function readTableSample(file: string, maxRows: number, seed = 0): Promise<SampledTable> {
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
    await nextTurn(); // a stop signal is handled between blocks
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

/** The first name in `names` that appears twice, or undefined when each appears once. */
export function distinctNames(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/**
 * The most values (rows × columns) `mdn train` reads: training holds every row in memory (8 bytes a value here,
 * more on the backend), so a larger file, or an endless stream on stdin, is refused once it passes this.
 */
export const MAX_TRAINING_VALUES = 50_000_000;

/**
 * The training data of a CSV/TSV file (or stdin): the `yColumns` as numbers and the input columns (`xColumns`, or
 * every other column) raw, for the input schema to read (see @mdn/core's `TrainingTableReader`: rows with a missing
 * target are left out and counted), read a block of rows at a time (no table of text cells is held). Refuses more
 * than {@link MAX_TRAINING_VALUES} values.
 */
export async function readTrainingData(
  file: string,
  xColumns: readonly string[] | undefined,
  yColumns: readonly string[],
  options: { missingValues?: readonly string[] | undefined; missingTarget?: MissingTarget | undefined } = {},
): Promise<TrainingTable & { source: string }> {
  const source = file === '-' ? 'stdin' : file;
  const reader = new TrainingTableReader({
    y: yColumns,
    x: xColumns,
    missingValues: options.missingValues,
    missingTarget: options.missingTarget,
    source,
    labels: { x: '--x', y: '--y' },
  });
  for (const block of readTableBlocks(file, 65_536)) {
    reader.push(block);
    if (reader.values > MAX_TRAINING_VALUES) {
      const columns = reader.values / reader.rowCount;
      throw new CliError(
        `${printable(source)}: more than ${MAX_TRAINING_VALUES.toExponential(0)} values (${reader.rowCount.toLocaleString('en-US')} rows × ` +
          `${columns} columns so far): training holds every row in memory; train on a random ` +
          'sample of the rows (shuf -n 1000000 on the rows keeps a million)',
      );
    }
    await nextTurn(); // a stop signal is handled between blocks
  }
  return { ...reader.finish(), source };
}
