/**
 * Delimited text (CSV, TSV) with a header row: one parser for the `mdn` command, the web demo and anyone else.
 * Nothing here imports TensorFlow.js.
 *
 * The format is RFC 4180 with the usual leniencies: quoted cells with doubled quotes (`"say ""hi"""`), delimiters
 * and line ends inside quotes, CRLF, LF or CR line ends (mixed too), a leading UTF-8 BOM, cells trimmed of the
 * whitespace around them (not of whitespace inside quotes), and blank lines skipped. Every record must have as many
 * cells as the header. The delimiter is a tab for `.tsv`/`.tab`, a comma or (when the header line has more of them)
 * a semicolon for `.csv` (a tab when the header has only tabs), and sniffed from the header line otherwise; a decimal comma is refused with a message.
 *
 * {@link TableReader} reads incrementally: `push` text in chunks of any size and `end()`; each call returns the
 * records it completed, so a file can be read in memory bounded by its longest record. {@link parseTable} reads a
 * whole text at once. Every problem is an {@link InputError} naming the source, the line (1-based, where the
 * record starts) and the column, and saying what to do; any cell or header text it quotes is clipped and has its
 * control characters escaped, so a hostile file cannot flood or repaint a terminal.
 */

import { type ErrorFields, InputError, MdnError } from '../errors.js';
import type { Matrix } from './matrix.js';

/** A table read from delimited text: its header and its cells as text, with the line every data row starts on. */
export interface Table {
  /** How to name the input in messages (a file name, `stdin`). */
  source: string;
  header: string[];
  /** Cells as text, `rows[r][c]`, trimmed. */
  rows: string[][];
  /** 1-based line of the input where data row r starts (the header is line 1 in a plain file). */
  lines: number[];
}

/** One data record: its cells (as many as the header has) and the 1-based line it starts on. */
export interface TableRecord {
  cells: string[];
  line: number;
}

/** How {@link parseTable} and {@link TableReader} read a table. */
export interface TableOptions {
  /** How to name the input in messages; its extension (`.csv`, `.tsv`, `.tab`) also picks the delimiter. */
  source: string;
  /**
   * One character that separates cells. By default: a tab for a `.tsv` or `.tab` source, a comma for `.csv`,
   * otherwise a tab if the first line has more tabs than commas, else a comma.
   */
  delimiter?: string | undefined;
}

/** Values beyond this magnitude overflow float32 once standardised statistics are squared; refuse them early. */
export const MAX_MAGNITUDE = 1e150;

/** The most characters of a cell or name that a message quotes. */
const CLIP = 40;
/** The most column names a "no column named" message lists. */
const LIST = 20;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;

/** Where the scanner is inside the current cell. */
type State = typeof UNQUOTED | typeof QUOTED | typeof QUOTE_IN_QUOTED | typeof AFTER_QUOTED;
/** In an unquoted cell (or at the start of a cell, before anything but whitespace). */
const UNQUOTED = 0;
/** Inside quotes. */
const QUOTED = 1;
/** Just read a quote inside quotes: a second quote is a literal quote, anything else closes the cell. */
const QUOTE_IN_QUOTED = 2;
/** After the closing quote and some whitespace: only whitespace, a delimiter or a line end may follow. */
const AFTER_QUOTED = 3;

/**
 * Reads delimited text with a header row incrementally. `push` text (decoded; for bytes use a `TextDecoder` with
 * `{ stream: true }`) in chunks split anywhere, then call `end()`. Each call returns the data records completed so
 * far, with the line each starts on; the header is checked (no empty name, no name twice) and kept in `header`.
 * The first error is thrown, and thrown again by any later call.
 */
export class TableReader {
  /** How the input is named in messages. */
  readonly source: string;
  private names: string[] | undefined;
  private separator: number | undefined;
  private readonly named: string;
  /** Text held back until the first line end, to pick the delimiter from the first line. */
  private firstLine = '';
  /** A `.csv` file: the first line decides between a comma and a semicolon (a European spreadsheet's CSV). */
  private commaOrSemicolon = false;
  private started = false;
  private ended = false;
  private failure: InputError | undefined;

  private state: State = UNQUOTED;
  /** The current cell's text from earlier chunks (for a quoted cell, without its quotes). */
  private cell = '';
  private quoted = false;
  private cells: string[] = [];
  /** 1-based line of the scan position, and whether the last character was a CR (so an LF after it ends no line). */
  private line = 1;
  private afterCR = false;
  private recordLine = 1;
  private quoteLine = 1;

  constructor(options: TableOptions) {
    this.source = options.source;
    this.named = printable(options.source);
    if (options.delimiter !== undefined) {
      const d = options.delimiter;
      if (d.length !== 1 || d === '"' || d === '\r' || d === '\n') {
        throw new InputError(
          `${this.named}: the delimiter must be one character other than a quote or a line end, not '${printable(d, CLIP)}'`,
          'invalid-option',
        );
      }
      this.separator = d.charCodeAt(0);
    } else {
      const named = byExtension(options.source);
      if (named === '\t') this.separator = TAB;
      this.commaOrSemicolon = named === ',';
    }
  }

  /** The header's names, once its line has been read. */
  get header(): readonly string[] | undefined {
    return this.names;
  }

  /** The delimiter, once known (given, from the source's extension, or from the first line). */
  get delimiter(): string | undefined {
    return this.separator === undefined ? undefined : String.fromCharCode(this.separator);
  }

  /** Reads the next piece of text; returns the data records it completed. */
  push(chunk: string): TableRecord[] {
    this.check();
    if (this.ended) throw new MdnError('invalid-state', 'TableReader: push() after end()');
    const out: TableRecord[] = [];
    this.guard(() => {
      if (!this.started) {
        if (chunk === '') return;
        this.started = true;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      if (this.separator === undefined) {
        const end = firstLineEnd(chunk);
        if (end === -1) {
          this.firstLine += chunk;
          return;
        }
        this.separator = bySniffing(this.firstLine + chunk.slice(0, end), this.commaOrSemicolon).charCodeAt(0);
        chunk = this.firstLine + chunk;
        this.firstLine = '';
      }
      this.scan(chunk, out);
    });
    return out;
  }

  /** Ends the input; returns the last data records. Throws if the input had no header or ends inside quotes. */
  end(): TableRecord[] {
    this.check();
    if (this.ended) return [];
    this.ended = true;
    const out: TableRecord[] = [];
    this.guard(() => {
      if (this.separator === undefined) {
        this.separator = bySniffing(this.firstLine, this.commaOrSemicolon).charCodeAt(0);
        const text = this.firstLine;
        this.firstLine = '';
        this.scan(text, out);
      }
      if (this.state === QUOTED) {
        throw new InputError(
          `${this.named}: line ${this.quoteLine}, column ${this.cells.length + 1} opens a quoted cell that is never ` +
            'closed; add the closing quote (a quote inside a quoted cell is written twice: "")',
        );
      }
      this.endRecord(out);
      if (this.names === undefined) {
        throw new InputError(`${this.named}: the file is empty; it needs a header row and at least one data row`);
      }
    });
    return out;
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private guard(read: () => void): void {
    try {
      read();
    } catch (error) {
      if (error instanceof InputError) this.failure = error;
      throw error;
    }
  }

  /** Scans `text`, which continues the input, pushing completed data records to `out`. */
  private scan(text: string, out: TableRecord[]): void {
    const delimiter = this.separator!;
    const n = text.length;
    let from = 0; // where the current cell's text in `text` starts
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      // CRLF, LF and CR each end one line, inside quotes too; the LF of a CRLF ends nothing more.
      const crlfTail = c === LF && this.afterCR;
      this.afterCR = c === CR;
      if (crlfTail) {
        if (this.state === UNQUOTED) from = i + 1;
        continue;
      }
      switch (this.state) {
        case UNQUOTED:
          if (c === delimiter) {
            this.endCell(this.cell + text.slice(from, i));
            from = i + 1;
          } else if (c === CR || c === LF) {
            this.cell += text.slice(from, i);
            this.endRecord(out);
            from = i + 1;
          } else if (c === QUOTE) {
            const before = this.cell + text.slice(from, i);
            if (before.trim() !== '') {
              throw new InputError(
                `${this.named}: line ${this.line}, column ${this.cells.length + 1} has a quote inside an unquoted ` +
                  `cell ('${printable(`${before}"`, CLIP)}'); put the whole cell in quotes and write each quote ` +
                  'inside it twice ("")',
              );
            }
            this.state = QUOTED;
            this.quoted = true;
            this.quoteLine = this.line;
            this.cell = '';
            from = i + 1;
          }
          break;
        case QUOTED:
          if (c === QUOTE) {
            this.cell += text.slice(from, i);
            this.state = QUOTE_IN_QUOTED;
          }
          break;
        case QUOTE_IN_QUOTED:
          if (c === QUOTE) {
            this.cell += '"';
            this.state = QUOTED;
          } else {
            this.afterQuoted(c, delimiter, out);
          }
          from = i + 1;
          break;
        case AFTER_QUOTED:
          this.afterQuoted(c, delimiter, out);
          from = i + 1;
          break;
      }
      if (c === CR || c === LF) {
        this.line++;
        if (this.state === UNQUOTED && this.cells.length === 0 && this.cell === '' && !this.quoted) {
          this.recordLine = this.line;
        }
      }
    }
    if (this.state === UNQUOTED || this.state === QUOTED) this.cell += text.slice(from, n);
  }

  /** After a closing quote (and maybe whitespace): a delimiter, a line end or more whitespace. */
  private afterQuoted(c: number, delimiter: number, out: TableRecord[]): void {
    if (c === delimiter) {
      this.endCell(this.cell);
    } else if (c === CR || c === LF) {
      this.endRecord(out);
    } else if (c === SPACE || c === TAB) {
      this.state = AFTER_QUOTED;
    } else {
      throw new InputError(
        `${this.named}: line ${this.line}, column ${this.cells.length + 1} has text after the closing quote of ` +
          `'${printable(this.cell, CLIP)}'; put the whole cell in quotes and write each quote inside it twice ("")`,
      );
    }
  }

  /** Ends the current cell with `text` (trimmed unless it was quoted). */
  private endCell(text: string): void {
    this.cells.push(this.quoted ? text : text.trim());
    this.state = UNQUOTED;
    this.cell = '';
    this.quoted = false;
  }

  /** Ends the record at the scan position (its last cell is in `cell`); a blank line is no record. */
  private endRecord(out: TableRecord[]): void {
    const blank = this.cells.length === 0 && !this.quoted && this.cell.trim() === '';
    if (blank) {
      this.cell = '';
      return;
    }
    this.endCell(this.cell);
    const cells = this.cells;
    const line = this.recordLine;
    this.cells = [];
    if (this.names === undefined) {
      checkHeader(this.named, cells, line);
      this.names = cells;
    } else if (cells.length !== this.names.length) {
      const what = this.separator === COMMA ? 'comma' : this.separator === TAB ? 'tab' : 'delimiter';
      throw new InputError(
        `${this.named}: line ${line} has ${cells.length} field${cells.length === 1 ? '' : 's'} but the header has ` +
          `${this.names.length}; fix that row (a stray delimiter or an unquoted ${what} in a cell?)`,
      );
    } else {
      out.push({ cells, line });
    }
  }
}

/** Reads a whole text of delimited cells with a header row; see {@link TableReader} for the format and errors. */
export function parseTable(text: string, options: TableOptions): Table {
  const reader = new TableReader(options);
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const records of [reader.push(text), reader.end()]) {
    for (const record of records) {
      rows.push(record.cells);
      lines.push(record.line);
    }
  }
  return { source: options.source, header: [...reader.header!], rows, lines };
}

/**
 * Column names for a one-line message: each {@link printable} and clipped to `clip` characters (default 40), quoted
 * with `quote`, at most `limit` of them (default 20) and then "and N more".
 */
export function columnList(
  names: readonly string[],
  options: { quote?: boolean; limit?: number; clip?: number } = {},
): string {
  const { quote = false, limit = LIST, clip = CLIP } = options;
  const shown = names.slice(0, limit).map((name) => (quote ? `'${printable(name, clip)}'` : printable(name, clip)));
  return `${shown.join(', ')}${names.length > limit ? ` and ${names.length - limit} more` : ''}`;
}

/**
 * The index of each named column in `table.header`, or an InputError naming the first missing one and listing
 * the columns the table has (its fields: `source` and `column`, no `line`). `label` says where the names came from
 * (`--x`, `input`).
 */
export function columnIndices(table: Table, names: readonly string[], label: string): number[] {
  const index = new Map<string, number>();
  for (const [i, name] of table.header.entries()) if (!index.has(name)) index.set(name, i);
  return names.map((name) => {
    const found = index.get(name);
    if (found === undefined) {
      // 'income, net' given unquoted arrives as 'income' and 'net': say how to name a column with a comma.
      // Only where the names came from a comma-separated flag (--x, --y): an API caller passes whole names.
      const part = name.trim();
      const withComma =
        label.startsWith('--') &&
        part !== '' &&
        table.header.find((h) => h.includes(',') && h.split(',').some((piece) => piece.trim() === part));
      const hint = withComma
        ? `; a name with a comma goes in double quotes inside the list: ${label} '"${printable(withComma, CLIP)}"'`
        : '';
      throw new InputError(
        `${printable(table.source)}: no column named '${printable(name, CLIP)}' (from ${label}); the file has ` +
          `${columnList(table.header, { quote: true })}${hint}`,
        { source: table.source, column: name },
      );
    }
    return found;
  });
}

/**
 * The named columns as a float64 row-major matrix. Every cell must be a decimal number (`12`, `-0.5`, `1e-3`)
 * with |value| ≤ {@link MAX_MAGNITUDE}; an empty cell, text, `NaN` or `Infinity` is an InputError naming the line
 * and column. `label` names the columns in messages (`--y`, `input`).
 */
export function numericMatrix(table: Table, names: readonly string[], label: string): Matrix {
  const indices = columnIndices(table, names, label);
  const columns = indices.length;
  const data = new Float64Array(table.rows.length * columns);
  const source = printable(table.source);
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r]!;
    for (let c = 0; c < columns; c++) {
      const cell = row[indices[c]!] ?? '';
      const value = DECIMAL.test(cell) ? Number(cell) : Number.NaN;
      if (Number.isFinite(value) && Math.abs(value) <= MAX_MAGNITUDE) {
        data[r * columns + c] = value;
        continue;
      }
      const where = `${source}: line ${table.lines[r]}, column '${printable(names[c]!, CLIP)}'`;
      const place = { source: table.source, line: table.lines[r]!, row: r, column: names[c]! };
      if (cell === '') throw new InputError(`${where} is empty; fill it in or drop the row`, place);
      if (Number.isNaN(value)) throw notANumber(where, cell, label, place);
      throw tooLarge(where, cell, place);
    }
  }
  return { data, rows: table.rows.length, columns };
}

/**
 * Whether a cell that is not a number looks like one written with a decimal comma ("1,5": a European spreadsheet's
 * export). Not guessed at: "1,234" may as well mean a thousand and more.
 */
export function looksLikeDecimalComma(cell: string): boolean {
  return /^[+-]?\d+,\d+$/.test(cell.trim());
}

/** The error for a cell at `where` that is text where a number must be, with the hint for a decimal comma. */
export function notANumber(where: string, cell: string, label: string, place: ErrorFields): InputError {
  return new InputError(
    `${where} is '${printable(cell, CLIP)}', not a number; every value in ${label} columns must be numeric` +
      (looksLikeDecimalComma(cell)
        ? ". It looks like a decimal comma: write numbers with a decimal point (1.5, not 1,5), for instance by exporting the file with '.' as the decimal separator"
        : ''),
    place,
  );
}

/** The error for a number at `where` beyond {@link MAX_MAGNITUDE} (or infinite). */
export function tooLarge(where: string, cell: string, place: ErrorFields): InputError {
  return new InputError(
    `${where} is ${printable(cell, CLIP)}, too large to train on (|value| must stay below ${MAX_MAGNITUDE}); ` +
      'rescale the column',
    place,
  );
}

/**
 * A plain decimal number: sign, digits with an optional point (or a point and digits), an optional exponent.
 * Written so that no digit can be matched two ways: a long run of digits followed by a stray character fails in
 * linear time (`\d+\.?\d*` backtracked quadratically: a 10 MB cell of digits ending in a letter took hours).
 */
export const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Control characters, and the Unicode ones that reorder or break lines, as escapes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` safe to put in a one-line message: control characters escaped (`\n`, `\x1b`) and, with `max`, clipped to
 * that many characters with '…'.
 */
export function printable(text: string, max = Number.POSITIVE_INFINITY): string {
  let shown = text;
  if (text.length > max) {
    shown = text.slice(0, max);
    const last = shown.charCodeAt(shown.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) shown = shown.slice(0, -1);
    shown += '…';
  }
  return shown.replace(UNPRINTABLE, (ch) => {
    const code = ch.charCodeAt(0);
    return NAMED[ch] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
  });
}

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

function checkHeader(source: string, header: readonly string[], line: number): void {
  const seen = new Map<string, number>();
  for (const [index, name] of header.entries()) {
    if (name === '') {
      throw new InputError(`${source}: line ${line}, column ${index + 1} has an empty name; give every column a name`);
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new InputError(
        `${source}: the header names '${printable(name, CLIP)}' twice (columns ${earlier + 1} and ${index + 1}); ` +
          'rename one of them',
      );
    }
    seen.set(name, index);
  }
}

/** A tab for `.tsv`/`.tab`, a comma for `.csv` (or a semicolon: see bySniffing), else undefined. */
function byExtension(source: string): string | undefined {
  const slash = Math.max(source.lastIndexOf('/'), source.lastIndexOf('\\'));
  const dot = source.lastIndexOf('.');
  if (dot <= slash + 1) return undefined;
  const extension = source.slice(dot).toLowerCase();
  if (extension === '.tsv' || extension === '.tab') return '\t';
  if (extension === '.csv') return ',';
  return undefined;
}

/**
 * The delimiter from the header line: a tab if it has more tabs than commas and semicolons, a semicolon if it has
 * more semicolons than commas (spreadsheets in locales with a decimal comma write such CSV files), else a comma.
 * For a `.csv` file a comma or a semicolon, or a tab when the header has tabs and neither (a TSV file named .csv).
 */
function bySniffing(firstLine: string, commaOrSemicolon = false): string {
  let tabs = 0;
  let commas = 0;
  let semicolons = 0;
  for (let i = 0; i < firstLine.length; i++) {
    const c = firstLine.charCodeAt(i);
    if (c === TAB) tabs++;
    else if (c === COMMA) commas++;
    else if (c === SEMICOLON) semicolons++;
  }
  // A `.csv` file is comma- or semicolon-separated, unless its header has tabs and neither (a TSV file named .csv).
  if ((!commaOrSemicolon || commas + semicolons === 0) && tabs > commas && tabs > semicolons) return '\t';
  return semicolons > commas ? ';' : ',';
}

function firstLineEnd(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) return i;
  }
  return -1;
}
