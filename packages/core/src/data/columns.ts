/**
 * Raw data columns as people have them: numbers, text (species, island, region), ISO dates and missing cells, read
 * once into a compact store ({@link RawColumn}: numbers as float64, text as codes into the column's distinct values),
 * and the training rows of a table ({@link TrainingTableReader}: targets as numbers, rows whose target is missing
 * left out and counted). The input schema (input-schema.ts) decides from these what each column is and encodes it.
 * Nothing here imports TensorFlow.js.
 */

import { InputError } from '../errors.js';
import type { Matrix } from './matrix.js';
import { columnIndices, DECIMAL, MAX_MAGNITUDE, notANumber, printable, type Table, tooLarge } from './table.js';

/** A cell as an API caller may give it; a parsed file's cells are strings. */
export type Cell = string | number | boolean | Date | null | undefined;

/**
 * Cell texts read as missing (after trimming): what pandas' `read_csv` treats as missing by default, R's `NA`, and
 * `?` (the UCI repository's convention). Numbers that are not finite (`NaN`) and `null`/`undefined` from an API
 * caller are missing too.
 */
export const MISSING_CELLS: readonly string[] = [
  '',
  'NA',
  'N/A',
  'n/a',
  'NaN',
  'nan',
  '-NaN',
  '-nan',
  'NULL',
  'null',
  'Null',
  'None',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '<NA>',
  '-1.#IND',
  '-1.#QNAN',
  '1.#IND',
  '1.#QNAN',
  '?',
];

/** A table given by an API caller: a header and rows of cells (a parsed {@link Table} is one). */
export interface RawTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** 1-based lines of a text source, for messages (a parsed file has them). */
  readonly lines?: readonly number[];
  /** How to name the input in messages. */
  readonly source?: string;
}

/** Rows as objects keyed by column name (what `JSON.parse` of a records file or a database driver gives). */
export type RawRecords = readonly Readonly<Record<string, Cell>>[];

/** Anything read as raw input columns: a store built by a reader, a table, or records. */
export type RawInput = RawColumns | RawTable | RawRecords;

const NUMBER = 0;
const MISSING = 1;
const TEXT = 2;

/** Infinity as numeric programs write it (`inf`, `-Infinity`, `+INF`). */
const INFINITE = /^[-+]?(?:inf|infinity)$/i;

/** What a cell is once read. */
export type CellKind = 'number' | 'missing' | 'text';

/**
 * A cell read: a finite number, missing, or text (an ISO date is text here; the schema decides). A number beyond
 * {@link MAX_MAGNITUDE} or an infinite one is an error for the caller to place (`'too-large'`).
 */
export function readCell(
  cell: Cell,
  missing: ReadonlySet<string>,
):
  | { kind: 'number'; value: number }
  | { kind: 'missing' }
  | { kind: 'text'; text: string }
  | { kind: 'too-large'; text: string } {
  if (cell === null || cell === undefined) return { kind: 'missing' };
  if (typeof cell === 'number') {
    if (Number.isNaN(cell)) return { kind: 'missing' };
    return Number.isFinite(cell) && Math.abs(cell) <= MAX_MAGNITUDE
      ? { kind: 'number', value: cell }
      : { kind: 'too-large', text: String(cell) };
  }
  if (typeof cell === 'boolean') return { kind: 'text', text: String(cell) };
  if (cell instanceof Date) {
    return Number.isNaN(cell.getTime()) ? { kind: 'missing' } : { kind: 'text', text: cell.toISOString() };
  }
  const text = String(cell).trim();
  if (missing.has(text)) return { kind: 'missing' };
  if (DECIMAL.test(text)) {
    const value = Number(text);
    return Number.isFinite(value) && Math.abs(value) <= MAX_MAGNITUDE
      ? { kind: 'number', value }
      : { kind: 'too-large', text };
  }
  // An infinite number as spreadsheets and pandas write it is a number too large to train on, not a level.
  if (INFINITE.test(text)) return { kind: 'too-large', text };
  return { kind: 'text', text };
}

/**
 * One column's cells, read once: numbers as float64, text as a code into its distinct values (with their counts),
 * missing cells marked. Memory is 9 bytes a cell plus the distinct texts.
 */
export class RawColumn {
  readonly name: string;
  private values = new Float64Array(256);
  private kinds = new Uint8Array(256);
  /** Cells read. */
  length = 0;
  /** Distinct texts in the order first seen, and how often each occurs. */
  readonly texts: string[] = [];
  readonly textCounts: number[] = [];
  private readonly textCodes = new Map<string, number>();
  /** Cells of each kind. */
  numbers = 0;
  missing = 0;
  /** The first text cell: its row (0-based) and text, for messages. */
  firstText: { row: number; text: string } | undefined;

  constructor(name: string) {
    this.name = name;
  }

  /** Appends a cell already read (see {@link readCell}). */
  push(read: { kind: 'number'; value: number } | { kind: 'missing' } | { kind: 'text'; text: string }): void {
    if (this.length === this.values.length) {
      const values = new Float64Array(2 * this.length);
      values.set(this.values);
      this.values = values;
      const kinds = new Uint8Array(2 * this.length);
      kinds.set(this.kinds);
      this.kinds = kinds;
    }
    const at = this.length++;
    if (read.kind === 'number') {
      this.values[at] = read.value;
      this.kinds[at] = NUMBER;
      this.numbers++;
    } else if (read.kind === 'missing') {
      this.values[at] = Number.NaN;
      this.kinds[at] = MISSING;
      this.missing++;
    } else {
      let code = this.textCodes.get(read.text);
      if (code === undefined) {
        code = this.texts.length;
        this.textCodes.set(read.text, code);
        this.texts.push(read.text);
        this.textCounts.push(0);
      }
      this.textCounts[code]!++;
      this.values[at] = code;
      this.kinds[at] = TEXT;
      this.firstText ??= { row: at, text: read.text };
    }
  }

  /** Cell `row`'s kind. */
  kind(row: number): CellKind {
    const kind = this.kinds[row];
    return kind === NUMBER ? 'number' : kind === MISSING ? 'missing' : 'text';
  }

  /** Cell `row`'s number (NaN unless it is a number). */
  number(row: number): number {
    return this.kinds[row] === NUMBER ? this.values[row]! : Number.NaN;
  }

  /**
   * Cell `row` as a level: its text, or a number's shortest form (`01` and `1.0` are the level `1`); null when
   * missing.
   */
  level(row: number): string | null {
    const kind = this.kinds[row];
    return kind === NUMBER ? String(this.values[row]!) : kind === TEXT ? this.texts[this.values[row]!]! : null;
  }

  /** Cell `row`'s text (undefined unless it is text). */
  text(row: number): string | undefined {
    return this.kinds[row] === TEXT ? this.texts[this.values[row]!] : undefined;
  }

  /** The numbers of the column, in row order (missing and text cells left out). */
  numberValues(): Float64Array {
    const out = new Float64Array(this.numbers);
    let n = 0;
    for (let r = 0; r < this.length; r++) if (this.kinds[r] === NUMBER) out[n++] = this.values[r]!;
    return out;
  }
}

/** Raw input columns of equal length, with the lines their rows came from (for messages). */
export interface RawColumns {
  readonly kind: 'raw-columns';
  readonly columns: readonly RawColumn[];
  readonly rows: number;
  /** How the source is named in messages. */
  readonly source?: string;
  /** 1-based lines of a text source where each row starts. */
  readonly lines?: readonly number[];
}

/** True for the raw inputs {@link rawColumns} reads (a store, a table, records), false for numbers. */
export function isRawInput(input: unknown): input is RawInput {
  if (typeof input !== 'object' || input === null) return false;
  if ((input as RawColumns).kind === 'raw-columns') return true;
  if (Array.isArray((input as RawTable).header) && Array.isArray((input as RawTable).rows)) return true;
  if (!Array.isArray(input) || input.length === 0) return false;
  const first = input[0] as unknown;
  return (
    typeof first === 'object' &&
    first !== null &&
    !Array.isArray(first) &&
    !ArrayBuffer.isView(first) &&
    !(first instanceof Date)
  );
}

/** The missing-cell texts to use: the given list, or {@link MISSING_CELLS}. */
export function missingSet(missingValues?: readonly string[]): ReadonlySet<string> {
  return new Set(missingValues ?? MISSING_CELLS);
}

/** Where row `r` of a raw input is, for a message: its line in a file, or its 0-based row. */
export function rowPlace(source: string | undefined, lines: readonly number[] | undefined, r: number, column: string) {
  const line = lines?.[r];
  const where = `${source ? `${printable(source)}: ` : ''}${line !== undefined ? `line ${line}` : `row ${r}`}, column '${printable(column, 40)}'`;
  return {
    where,
    place: { ...(source ? { source } : {}), ...(line !== undefined ? { line } : {}), row: r, column },
  };
}

/**
 * The named columns of a raw input (every column when `names` is omitted) as {@link RawColumns}. A table's cells
 * are found by its header (a missing column is an error listing the table's), records' by key (a key missing from
 * a record is a missing cell; a name no record has is an error).
 */
export function rawColumns(input: RawInput, names?: readonly string[], missingValues?: readonly string[]): RawColumns {
  if ((input as RawColumns).kind === 'raw-columns') {
    const store = input as RawColumns;
    if (names === undefined) return store;
    const byName = new Map(store.columns.map((c) => [c.name, c]));
    const columns = names.map((name) => {
      const found = byName.get(name);
      if (!found) {
        throw new InputError(`no input column named '${printable(name, 40)}'`, { column: name });
      }
      return found;
    });
    return { ...store, columns };
  }
  const missing = missingSet(missingValues);
  if (Array.isArray(input)) {
    const records = input as RawRecords;
    const chosen = names ?? [...new Set(records.flatMap((record) => Object.keys(record)))];
    for (const name of chosen) {
      if (!records.some((record) => Object.hasOwn(record, name))) {
        throw new InputError(`no record has a field named '${printable(name, 40)}'`, { column: name });
      }
    }
    const columns = chosen.map((name) => new RawColumn(name));
    for (let r = 0; r < records.length; r++) {
      const record = records[r]!;
      for (const column of columns) {
        const cell = Object.hasOwn(record, column.name) ? record[column.name] : undefined;
        column.push(checkedCell(readCell(cell, missing), undefined, undefined, r, column.name));
      }
    }
    return { kind: 'raw-columns', columns, rows: records.length };
  }
  const table = input as RawTable;
  const source = table.source ?? 'table';
  const chosen = names ?? [...table.header];
  const indices = columnIndices(
    { source, header: [...table.header], rows: [], lines: [] },
    chosen,
    table.source ? 'input' : 'the schema',
  );
  const columns = chosen.map((name) => new RawColumn(name));
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r]!;
    for (let c = 0; c < columns.length; c++) {
      columns[c]!.push(checkedCell(readCell(row[indices[c]!], missing), table.source, table.lines, r, chosen[c]!));
    }
  }
  return {
    kind: 'raw-columns',
    columns,
    rows: table.rows.length,
    ...(table.source ? { source: table.source } : {}),
    ...(table.lines ? { lines: table.lines } : {}),
  };
}

/** A cell read, or an InputError naming its place when it is a number too large to train on. */
export function checkedCell(
  read: ReturnType<typeof readCell>,
  source: string | undefined,
  lines: readonly number[] | undefined,
  r: number,
  column: string,
): { kind: 'number'; value: number } | { kind: 'missing' } | { kind: 'text'; text: string } {
  if (read.kind !== 'too-large') return read;
  const { where, place } = rowPlace(source, lines, r, column);
  throw tooLarge(where, read.text, place);
}

/** The rows `rows` (0-based, in that order) of raw columns: a split of a raw table. */
export function rawRows(raw: RawColumns, rows: ArrayLike<number>): RawColumns {
  const columns = raw.columns.map((column) => {
    const out = new RawColumn(column.name);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const kind = column.kind(r);
      out.push(
        kind === 'number'
          ? { kind, value: column.number(r) }
          : kind === 'text'
            ? { kind, text: column.text(r)! }
            : { kind: 'missing' },
      );
    }
    return out;
  });
  const lines = raw.lines ? Array.from(rows, (r) => raw.lines![r]!) : undefined;
  return {
    kind: 'raw-columns',
    columns,
    rows: rows.length,
    ...(raw.source ? { source: raw.source } : {}),
    ...(lines ? { lines } : {}),
  };
}

/** What to do with a row whose target is missing. */
export type MissingTarget = 'drop' | 'error';

/** Options of {@link TrainingTableReader} and {@link readTrainingTable}. */
export interface TrainingTableOptions {
  /** The target columns. */
  y: readonly string[];
  /** The input columns (default: every column that is not a target). */
  x?: readonly string[] | undefined;
  /** Cell texts read as missing (default {@link MISSING_CELLS}). */
  missingValues?: readonly string[] | undefined;
  /** 'drop' (default): rows with a missing target are left out and counted; 'error': refused. */
  missingTarget?: MissingTarget | undefined;
  /** How to name the input in messages. */
  source?: string | undefined;
  /** `--x`, `--y` or `x`, `y`: how the column lists are named in messages. */
  labels?: { x: string; y: string } | undefined;
}

/** The training rows of a table: raw input columns, numeric targets, and the rows left out. */
export interface TrainingTable {
  x: RawColumns;
  y: Matrix;
  xColumns: string[];
  yColumns: string[];
  /** Rows left out because a target cell was missing: how many, and the first lines (or 0-based rows). */
  dropped: { count: number; lines: number[] };
}

/** How many lines of left-out rows a {@link TrainingTable} keeps. */
const DROPPED_LINES = 5;

/**
 * Reads the training rows of a table a block at a time (a file streamed by the `mdn` command, or one table): the
 * targets must be numbers (a text target cell is an error naming it; a missing one leaves the row out, or is an
 * error with `missingTarget: 'error'`); the inputs are kept raw for the schema to decide on.
 */
export class TrainingTableReader {
  private readonly options: TrainingTableOptions;
  private readonly missing: ReadonlySet<string>;
  private xNames: string[] | undefined;
  private xIndex: number[] = [];
  private yIndex: number[] = [];
  private columns: RawColumn[] = [];
  private targets = new Float64Array(1024);
  private rows = 0;
  private lines: number[] = [];
  private readonly dropped = { count: 0, lines: [] as number[] };
  private source: string | undefined;

  constructor(options: TrainingTableOptions) {
    this.options = options;
    this.missing = missingSet(options.missingValues);
    this.source = options.source;
  }

  /** Values held so far (rows × columns). */
  get values(): number {
    return this.rows * (this.columns.length + this.options.y.length);
  }

  /** Rows kept so far. */
  get rowCount(): number {
    return this.rows;
  }

  /** Reads a block of rows (every block of a file has the same header). */
  push(table: RawTable): void {
    const source = table.source ?? this.source;
    this.source = source;
    const labels = this.options.labels ?? { x: 'x', y: 'y' };
    const named = { source: source ?? 'table', header: [...table.header], rows: [], lines: [] };
    if (this.xNames === undefined) {
      this.yIndex = columnIndices(named, this.options.y, labels.y);
      const inputs = this.options.x
        ? [...this.options.x]
        : table.header.filter((name) => !this.options.y.includes(name));
      if (inputs.length === 0) {
        throw new InputError(
          `${source ? `${printable(source)}: ` : ''}no input columns left once ${labels.y} ${this.options.y.map((name) => printable(name, 80)).join(',')} is taken; add input columns`,
        );
      }
      this.xIndex = columnIndices(named, inputs, labels.x);
      this.xNames = inputs;
      this.columns = inputs.map((name) => new RawColumn(name));
    }
    const d = this.yIndex.length;
    const target = new Float64Array(d);
    for (let r = 0; r < table.rows.length; r++) {
      const row = table.rows[r]!;
      const line = table.lines?.[r];
      let missingTarget = false;
      for (let c = 0; c < d; c++) {
        const name = this.options.y[c]!;
        const read = readCell(row[this.yIndex[c]!], this.missing);
        if (read.kind === 'number') {
          target[c] = read.value;
          continue;
        }
        const { where, place } = rowPlace(source, table.lines, r, name);
        const at = line === undefined ? { ...place, row: this.rows + this.dropped.count } : place;
        if (read.kind === 'missing') {
          if (this.options.missingTarget === 'error') {
            throw new InputError(
              `${where} is missing ('${printable(String(row[this.yIndex[c]!] ?? ''), 40)}'); every target cell must be a number ` +
                '(or leave rows with a missing target out: the default)',
              at,
            );
          }
          missingTarget = true;
          break;
        }
        if (read.kind === 'too-large') throw tooLarge(where, read.text, at);
        throw notANumber(where, read.text, labels.y, at);
      }
      if (missingTarget) {
        this.dropped.count++;
        if (this.dropped.lines.length < DROPPED_LINES) {
          this.dropped.lines.push(line ?? this.rows + this.dropped.count - 1);
        }
        continue;
      }
      for (let c = 0; c < this.columns.length; c++) {
        const name = this.xNames[c]!;
        this.columns[c]!.push(checkedCell(readCell(row[this.xIndex[c]!], this.missing), source, table.lines, r, name));
      }
      if ((this.rows + 1) * d > this.targets.length) {
        const grown = new Float64Array(Math.max((this.rows + 1) * d, 2 * this.targets.length));
        grown.set(this.targets);
        this.targets = grown;
      }
      this.targets.set(target, this.rows * d);
      if (line !== undefined) this.lines.push(line);
      this.rows++;
    }
  }

  /** The rows read. */
  finish(): TrainingTable {
    if (this.xNames === undefined) throw new InputError('no table was read');
    const d = this.options.y.length;
    return {
      x: {
        kind: 'raw-columns',
        columns: this.columns,
        rows: this.rows,
        ...(this.source ? { source: this.source } : {}),
        ...(this.lines.length === this.rows ? { lines: this.lines } : {}),
      },
      y: { data: this.targets.slice(0, this.rows * d), rows: this.rows, columns: d },
      xColumns: [...this.xNames],
      yColumns: [...this.options.y],
      dropped: { count: this.dropped.count, lines: [...this.dropped.lines] },
    };
  }
}

/**
 * The training rows of one table (or records): see {@link TrainingTableReader}. `train(data.x, data.y)` then fits
 * the input schema on `data.x`.
 */
export function readTrainingTable(input: RawTable | RawRecords, options: TrainingTableOptions): TrainingTable {
  const reader = new TrainingTableReader(options);
  if (Array.isArray(input)) {
    const records = input as RawRecords;
    const header = [...new Set(records.flatMap((record) => Object.keys(record)))];
    reader.push({ header, rows: records.map((record) => header.map((name) => record[name])) });
  } else {
    reader.push(input as RawTable);
  }
  return reader.finish();
}
