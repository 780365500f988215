/**
 * The input schema: what each input column is (numbers, levels, dates, or nothing to learn from), how it becomes the
 * network's features, and how a missing or unseen cell is filled in. Fitted on the training rows, saved with the
 * model (`metadata.inputSchema`), and applied to every table the model later reads, so a model takes the same raw
 * table at prediction as at training. Nothing here imports TensorFlow.js.
 *
 * - **numeric**: the value. Missing cells are filled with the training median, and when training had any, an
 *   indicator feature (1 where the cell was missing) lets "missing" carry signal. A column of numbers with a few
 *   text cells (`unknown`, `n.a.`) reads the text as missing too, and says so.
 * - **categorical** (text, or named so): one indicator feature per level seen in at least
 *   {@link ENCODING_DEFAULTS}.minLevelRows training rows (at most `maxLevels`, the most frequent); rarer levels
 *   share one "other" feature, so a column of postcodes or product ids does not blow up the input width. A missing
 *   cell is a level of its own. A level never seen in training (or too rare) maps to "other" when there is one and
 *   otherwise to the training frequencies of the levels (the average level); either way it is counted and reported.
 * - **date** (ISO 8601: `2012-01-31`, `2012-01-31T08:00`; or an English month name: `Jun 12 1998`, `12-Jun-1998`):
 *   the number of days since 1970-01-01 (UTC), and the day of the year as an angle (its sine and cosine), so both
 *   trend and season are there to learn.
 * - **ignored**: a column with no values, or whose levels are all too rare, gives no feature; the schema says why.
 *
 * Indicator features stay 0/1 (not standardised): a rare level standardised would feed the network values near
 * √N. A table of complete numeric columns encodes to exactly its numbers, so it trains exactly as before.
 */

import { InputError } from '../errors.js';
import { MISSING_CELLS, type RawColumn, type RawColumns, type RawInput, rawColumns, rowPlace } from './columns.js';
import type { Matrix } from './matrix.js';
import { columnList, printable } from './table.js';

/** How the schema reads columns by default (see the module comment); the reasons in docs/decisions/input-encoding.md. */
export const ENCODING_DEFAULTS = {
  /** A level needs this many training rows for a feature of its own; rarer ones share "other". */
  minLevelRows: 5,
  /** At most this many levels of one column get a feature of their own (the most frequent). */
  maxLevels: 30,
} as const;

/** How many distinct unseen levels of a column a report names. */
const SHOWN_LEVELS = 5;

/** A column read as numbers (see the module comment). */
export interface NumericColumnSchema {
  name: string;
  kind: 'numeric';
  /** The training median: what a missing cell is read as. */
  fill: number;
  /** Whether an indicator feature marks missing cells (training had some). */
  indicator: boolean;
  /** Text cells are read as missing (the column was numbers with a few text cells in training). */
  textAsMissing: boolean;
}

/** A column read as levels: one 0/1 feature per level (and "other"). */
export interface CategoricalColumnSchema {
  name: string;
  kind: 'categorical';
  /** The levels with a feature of their own, most frequent first. A missing cell's level is `null`. */
  levels: (string | null)[];
  /** Whether an "other" feature holds the rare levels (and unseen ones). */
  other: boolean;
  /** The training share of each feature (levels, then other): what an unseen level is read as without "other". */
  frequencies: number[];
}

/** A column of dates: days since 1970-01-01 and the day of the year as an angle. */
export interface DateColumnSchema {
  name: string;
  kind: 'date';
  /** The training median, in days since 1970-01-01 UTC. */
  fill: number;
  indicator: boolean;
}

/** A column that gives no feature, with the reason. */
export interface IgnoredColumnSchema {
  name: string;
  kind: 'ignored';
  /** Why the column gives no feature. */
  reason: string;
}

/** What one input column is, as saved in a model's input schema. */
export type ColumnSchema = NumericColumnSchema | CategoricalColumnSchema | DateColumnSchema | IgnoredColumnSchema;

/** The schema as saved with a model. */
export interface InputSchemaJSON {
  columns: ColumnSchema[];
  /** The cell texts read as missing. */
  missingValues: string[];
}

/** Options of {@link InputSchema.fit}. */
export interface InputSchemaOptions {
  /** Columns read as levels even when they hold numbers (codes, ratings used as labels). */
  categorical?: readonly string[] | undefined;
  /** Columns read as numbers: a text cell in one is an error naming it. */
  numeric?: readonly string[] | undefined;
  /** Cell texts read as missing (default {@link MISSING_CELLS}). */
  missingValues?: readonly string[] | undefined;
  minLevelRows?: number | undefined;
  maxLevels?: number | undefined;
}

/** One feature the schema writes: its name and whether it is a 0/1 indicator (kept unstandardised). */
export interface Feature {
  name: string;
  indicator: boolean;
}

/** What encoding a table did beside reading numbers: cells filled in and levels never seen in training. */
export class EncodingReport {
  rows = 0;
  /** Missing input cells filled in, by column. */
  readonly imputed = new Map<string, number>();
  /** Cells with a level not seen (or too rare) in training, by column: the count and the first few levels. */
  readonly unknown = new Map<string, { count: number; levels: string[] }>();

  /** Counts one missing cell of `column` that was filled in. */
  addImputed(column: string): void {
    this.imputed.set(column, (this.imputed.get(column) ?? 0) + 1);
  }

  /** Counts one cell of `column` whose level training never saw (or saw too rarely). */
  addUnknown(column: string, level: string): void {
    const entry = this.unknown.get(column) ?? { count: 0, levels: [] };
    entry.count++;
    if (entry.levels.length < SHOWN_LEVELS && !entry.levels.includes(level)) entry.levels.push(level);
    this.unknown.set(column, entry);
  }

  /** Adds another report's counts (of a later block of the same table). */
  merge(other: EncodingReport): void {
    this.rows += other.rows;
    for (const [column, count] of other.imputed) this.imputed.set(column, (this.imputed.get(column) ?? 0) + count);
    for (const [column, entry] of other.unknown) {
      const mine = this.unknown.get(column) ?? { count: 0, levels: [] };
      mine.count += entry.count;
      for (const level of entry.levels) {
        if (mine.levels.length < SHOWN_LEVELS && !mine.levels.includes(level)) mine.levels.push(level);
      }
      this.unknown.set(column, mine);
    }
  }

  /** Whether any cell was filled in or unseen. */
  get empty(): boolean {
    return this.imputed.size === 0 && this.unknown.size === 0;
  }

  /** One line per kind of event, for a person (empty when nothing happened). */
  describe(): string[] {
    const lines: string[] = [];
    if (this.imputed.size > 0) {
      const parts = [...this.imputed].map(([column, count]) => `'${printable(column, 40)}' ${count}`);
      lines.push(`missing input cells filled in as in training: ${parts.join(', ')}`);
    }
    if (this.unknown.size > 0) {
      const parts = [...this.unknown].map(
        ([column, entry]) =>
          `'${printable(column, 40)}' ${entry.count} (${entry.levels.map((level) => `'${printable(level, 30)}'`).join(', ')}${entry.count > entry.levels.length ? ', …' : ''})`,
      );
      lines.push(`levels not seen in training, read as an unseen level: ${parts.join(', ')}`);
    }
    return lines;
  }

  /** The counts as plain data (for `--json` output). */
  toJSON(): {
    rows: number;
    imputed: Record<string, number>;
    unknown: Record<string, { count: number; levels: string[] }>;
  } {
    return {
      rows: this.rows,
      imputed: Object.fromEntries(this.imputed),
      unknown: Object.fromEntries(this.unknown),
    };
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const DAY_MS = 86_400_000;
const YEAR_DAYS = 365.2425;

/** Days since 1970-01-01 UTC of an ISO date or date-time (a time without a zone is read as UTC), or NaN. */
export function isoDays(text: string): number {
  const match = ISO_DATE.exec(text);
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second, zone] = match;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1 || d > 31) return Number.NaN;
  let ms = Date.UTC(y, m - 1, d);
  if (new Date(ms).getUTCDate() !== d) return Number.NaN; // 2012-02-30
  if (hour !== undefined) {
    const iso = `${year}-${month}-${day}T${hour}:${minute}:${second ?? '00'}${zone === undefined ? 'Z' : zone.includes(':') || zone === 'Z' ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`}`;
    ms = Date.parse(iso);
    if (!Number.isFinite(ms)) return Number.NaN;
  }
  return ms / DAY_MS;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** `Jun 12 1998`, `June 12, 1998`: a month's name (English, 3 letters or more), the day, the year. */
const MONTH_DAY_YEAR = /^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$/;
/** `12 Jun 1998`, `12-Jun-1998`. */
const DAY_MONTH_YEAR = /^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{4})$/;

/**
 * Days since 1970-01-01 UTC of a date: ISO 8601 (see {@link isoDays}), or a day, an English month name and a year
 * (`Jun 12 1998`, `June 12, 1998`, `12-Jun-1998`: what spreadsheets and US data sets write); NaN otherwise.
 */
export function dateDays(text: string): number {
  const iso = isoDays(text);
  if (!Number.isNaN(iso)) return iso;
  const named = MONTH_DAY_YEAR.exec(text);
  const [month, day, year] = named
    ? [named[1]!, named[2]!, named[3]!]
    : (() => {
        const m = DAY_MONTH_YEAR.exec(text);
        return m ? [m[2]!, m[1]!, m[3]!] : [undefined, undefined, undefined];
      })();
  if (month === undefined) return Number.NaN;
  const index = MONTHS.indexOf(month.slice(0, 3).toLowerCase());
  const full = [
    'january',
    'february',
    'march',
    'april',
    'may',
    'june',
    'july',
    'august',
    'september',
    'october',
    'november',
    'december',
  ][index];
  if (index < 0 || !(month.length === 3 || full?.startsWith(month.toLowerCase()))) return Number.NaN;
  const iso2 = `${year}-${String(index + 1).padStart(2, '0')}-${day!.padStart(2, '0')}`;
  return isoDays(iso2);
}

/** The day of the year (0 on 1 January, fractional) of a date in days since 1970-01-01 UTC. */
function dayOfYear(days: number): number {
  const date = new Date(days * DAY_MS);
  return (days * DAY_MS - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS;
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

const levelName = (level: string | null) => (level === null ? '(missing)' : level);

/** The features a column writes, in order. */
function columnFeatures(column: ColumnSchema): Feature[] {
  switch (column.kind) {
    case 'numeric':
      return [
        { name: column.name, indicator: false },
        ...(column.indicator ? [{ name: `${column.name} (missing)`, indicator: true }] : []),
      ];
    case 'date':
      return [
        { name: `${column.name} (days)`, indicator: false },
        { name: `${column.name} (year sin)`, indicator: false },
        { name: `${column.name} (year cos)`, indicator: false },
        ...(column.indicator ? [{ name: `${column.name} (missing)`, indicator: true }] : []),
      ];
    case 'categorical':
      return [
        ...column.levels.map((level) => ({ name: `${column.name}=${levelName(level)}`, indicator: true })),
        ...(column.other ? [{ name: `${column.name}=(other)`, indicator: true }] : []),
      ];
    case 'ignored':
      return [];
  }
}

/**
 * What each input column is and how it becomes features; see the module comment. Build one with
 * {@link InputSchema.fit} (training does) or {@link InputSchema.numeric} (a model saved before schemas existed).
 */
export class InputSchema {
  readonly columns: readonly ColumnSchema[];
  readonly missingValues: readonly string[];
  /** The features, in the order the network reads them. */
  readonly features: readonly Feature[];
  private readonly levelIndex: (Map<string, number> | undefined)[];

  constructor(json: InputSchemaJSON) {
    this.columns = json.columns;
    this.missingValues = json.missingValues;
    this.features = json.columns.flatMap(columnFeatures);
    this.levelIndex = json.columns.map((column) =>
      column.kind === 'categorical'
        ? new Map(column.levels.flatMap((level, i) => (level === null ? [] : [[level, i] as const])))
        : undefined,
    );
  }

  /** Complete numeric columns named `names`, nothing filled in (what a model without a saved schema reads). */
  static numeric(names: readonly string[]): InputSchema {
    return new InputSchema({
      columns: names.map((name) => ({
        name,
        kind: 'numeric',
        fill: Number.NaN,
        indicator: false,
        textAsMissing: false,
      })),
      missingValues: [...MISSING_CELLS],
    });
  }

  /** The schema of raw training columns (see the module comment for what each kind becomes). */
  static fit(input: RawInput, options: InputSchemaOptions = {}): InputSchema {
    const raw = rawColumns(input, undefined, options.missingValues);
    const minLevelRows = options.minLevelRows ?? ENCODING_DEFAULTS.minLevelRows;
    const maxLevels = options.maxLevels ?? ENCODING_DEFAULTS.maxLevels;
    for (const [flag, list] of [
      ['categorical', options.categorical],
      ['numeric', options.numeric],
    ] as const) {
      for (const name of list ?? []) {
        if (!raw.columns.some((column) => column.name === name)) {
          throw new InputError(
            `${flag} names '${printable(name, 40)}', which is not an input column (the inputs are ${columnList(
              raw.columns.map((c) => c.name),
              { quote: true },
            )})`,
            { option: flag, column: name },
          );
        }
        if (flag === 'numeric' && options.categorical?.includes(name)) {
          throw new InputError(`'${printable(name, 40)}' is named both categorical and numeric; pick one`, {
            option: flag,
            column: name,
          });
        }
      }
    }
    const columns = raw.columns.map((column) => {
      if (options.categorical?.includes(column.name)) return levelsOf(column, raw.rows, minLevelRows, maxLevels);
      if (options.numeric?.includes(column.name)) {
        if (column.firstText) {
          const { where, place } = rowPlace(raw.source, raw.lines, column.firstText.row, column.name);
          throw new InputError(
            `${where} is '${printable(column.firstText.text, 40)}', not a number, in a column named numeric; fix the cell, ` +
              `or add '${printable(column.firstText.text, 40)}' to the texts read as missing`,
            place,
          );
        }
        return numericOf(column, false);
      }
      return inferred(column, raw.rows, minLevelRows, maxLevels);
    });
    return new InputSchema({ columns, missingValues: [...(options.missingValues ?? MISSING_CELLS)] });
  }

  /** A schema from its saved form, checked (a damaged file is an InputError naming the field). */
  static fromJSON(json: unknown): InputSchema {
    return new InputSchema(checkSchemaJSON(json));
  }

  /** The schema as saved with a model (`metadata.inputSchema`). */
  toJSON(): InputSchemaJSON {
    return { columns: this.columns.map((column) => ({ ...column })), missingValues: [...this.missingValues] };
  }

  /** The input columns' names, in order. */
  get names(): string[] {
    return this.columns.map((column) => column.name);
  }

  /** How many features the network reads. */
  get width(): number {
    return this.features.length;
  }

  /** Indices of the 0/1 indicator features (kept unstandardised). */
  get indicatorFeatures(): number[] {
    return this.features.flatMap((feature, i) => (feature.indicator ? [i] : []));
  }

  /** Whether this schema reads complete numbers and nothing else (features = columns). */
  get plain(): boolean {
    return this.columns.every((column) => column.kind === 'numeric' && !column.indicator && !column.textAsMissing);
  }

  /**
   * The features of a raw input's rows, `[N, width]` float64, and a report of the cells filled in or unseen. The
   * schema's columns are found by name (any order, other columns ignored); `names` gives, for each schema column,
   * the input's own name for it when the two differ.
   */
  encode(input: RawInput, names?: readonly string[]): { x: Matrix; report: EncodingReport } {
    const wanted = names ?? this.names;
    if (wanted.length !== this.columns.length) {
      throw new InputError(`names ${wanted.length} columns but the schema has ${this.columns.length}`);
    }
    const raw = rawColumns(input, wanted, this.missingValues);
    const rows = raw.rows;
    const width = this.width;
    const data = new Float64Array(rows * width);
    const report = new EncodingReport();
    report.rows = rows;
    let at = 0;
    for (const [c, column] of this.columns.entries()) {
      const cells = raw.columns[c]!;
      const features = columnFeatures(column).length;
      this.encodeColumn(column, c, cells, raw, data, at, width, report);
      at += features;
    }
    return { x: { data, rows, columns: width }, report };
  }

  private encodeColumn(
    column: ColumnSchema,
    c: number,
    cells: RawColumn,
    raw: RawColumns,
    data: Float64Array,
    at: number,
    width: number,
    report: EncodingReport,
  ): void {
    const refuse = (r: number, what: string) => {
      const { where, place } = rowPlace(raw.source, raw.lines, r, cells.name);
      throw new InputError(`${where} is '${printable(cells.text(r) ?? '', 40)}', ${what}`, place);
    };
    for (let r = 0; r < raw.rows; r++) {
      const out = r * width + at;
      const kind = cells.kind(r);
      switch (column.kind) {
        case 'ignored':
          break;
        case 'numeric': {
          if (kind === 'number') {
            data[out] = cells.number(r);
            break;
          }
          if (kind === 'text' && !column.textAsMissing) {
            refuse(r, `not a number; the model reads '${printable(column.name, 40)}' as numbers`);
          }
          if (Number.isNaN(column.fill)) {
            const { where, place } = rowPlace(raw.source, raw.lines, r, cells.name);
            throw new InputError(
              `${where} is empty; this model (saved without an input schema) needs every input cell: fill it in or drop the row`,
              place,
            );
          }
          data[out] = column.fill;
          if (column.indicator) data[out + 1] = 1;
          report.addImputed(column.name);
          break;
        }
        case 'date': {
          let days = Number.NaN;
          if (kind === 'text') {
            days = dateDays(cells.text(r)!);
            if (Number.isNaN(days))
              refuse(r, `not a date (2012-01-31); the model reads '${printable(column.name, 40)}' as dates`);
          } else if (kind === 'number') {
            const { where, place } = rowPlace(raw.source, raw.lines, r, cells.name);
            throw new InputError(
              `${where} is ${cells.number(r)}, not a date (2012-01-31); the model reads '${printable(column.name, 40)}' as dates`,
              place,
            );
          }
          const missing = Number.isNaN(days);
          if (missing) {
            days = column.fill;
            report.addImputed(column.name);
          }
          const angle = (2 * Math.PI * dayOfYear(days)) / YEAR_DAYS;
          data[out] = days;
          data[out + 1] = Math.sin(angle);
          data[out + 2] = Math.cos(angle);
          if (column.indicator && missing) data[out + 3] = 1;
          break;
        }
        case 'categorical': {
          const key = cells.level(r);
          let level = key === null ? column.levels.indexOf(null) : this.levelIndex[c]!.get(key);
          if (level === -1) level = undefined;
          if (level !== undefined) {
            data[out + level] = 1;
            break;
          }
          if (key === null) report.addImputed(column.name);
          else if (!column.other) report.addUnknown(column.name, key);
          if (column.other) data[out + column.levels.length] = 1;
          else for (let j = 0; j < column.levels.length; j++) data[out + j] = column.frequencies[j]!;
          break;
        }
      }
    }
  }

  /** One line per column, for a person: what it is and what it became. */
  describe(): string[] {
    return this.columns.map((column) => {
      const name = `'${printable(column.name, 40)}'`;
      switch (column.kind) {
        case 'numeric':
          return (
            `${name}: numeric` +
            (column.indicator
              ? `; missing cells read as ${round(column.fill)} (the median), with a missing indicator`
              : '') +
            (column.textAsMissing ? '; its few text cells are read as missing' : '')
          );
        case 'date':
          return (
            `${name}: dates, as days since 1970-01-01 and the day of the year (sine, cosine)` +
            (column.indicator
              ? `; missing cells read as ${new Date(column.fill * DAY_MS).toISOString().slice(0, 10)}, with a missing indicator`
              : '')
          );
        case 'categorical': {
          const shown = column.levels
            .slice(0, 8)
            .map((level) => (level === null ? '(missing)' : `'${printable(level, 24)}'`));
          return (
            `${name}: categorical, ${column.levels.length} level${column.levels.length === 1 ? '' : 's'} (${shown.join(', ')}${column.levels.length > 8 ? ', …' : ''})` +
            (column.other ? ` and 'other' for the rarer ones` : '') +
            '; one indicator each'
          );
        }
        default:
          return `${name}: ignored (${column.reason})`;
      }
    });
  }
}

const round = (value: number) => Number(value.toPrecision(6));

/** A column with no text: numbers (or nothing). */
function numericOf(column: RawColumn, textAsMissing: boolean): NumericColumnSchema | IgnoredColumnSchema {
  if (column.numbers === 0) return { name: column.name, kind: 'ignored', reason: 'no cell holds a number' };
  const missing = column.missing + (textAsMissing ? column.length - column.numbers - column.missing : 0);
  return {
    name: column.name,
    kind: 'numeric',
    fill: median(column.numberValues()),
    indicator: missing > 0,
    textAsMissing,
  };
}

/** What a column is when nobody said: numbers, dates or levels (see the module comment). */
function inferred(column: RawColumn, rows: number, minLevelRows: number, maxLevels: number): ColumnSchema {
  const textCells = column.length - column.numbers - column.missing;
  if (textCells === 0) return numericOf(column, false);
  // Numbers with a few text cells ('unknown', 'n.a.'): numbers, the text read as missing.
  if (column.numbers >= 4 * textCells && column.texts.length <= 3) return numericOf(column, true);
  if (column.numbers === 0 && column.texts.every((text) => !Number.isNaN(dateDays(text)))) {
    const days = new Float64Array(column.length - column.missing);
    let n = 0;
    for (let r = 0; r < column.length; r++) if (column.kind(r) === 'text') days[n++] = dateDays(column.text(r)!);
    return { name: column.name, kind: 'date', fill: median(days), indicator: column.missing > 0 };
  }
  return levelsOf(column, rows, minLevelRows, maxLevels);
}

/** A column of levels: the frequent ones get a feature each, the rest share "other". */
function levelsOf(column: RawColumn, rows: number, minLevelRows: number, maxLevels: number): ColumnSchema {
  const counts = new Map<string | null, number>();
  for (let r = 0; r < column.length; r++) {
    const key = column.level(r);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  // Most frequent first; ties in the order first seen (a Map keeps it).
  const ordered = [...counts].sort((a, b) => b[1] - a[1]);
  const kept = ordered.filter(([, count], i) => count >= minLevelRows && i < maxLevels);
  const rare = rows - kept.reduce((sum, [, count]) => sum + count, 0);
  const other = rare > 0;
  if (kept.length === 0) {
    return {
      name: column.name,
      kind: 'ignored',
      reason: `every level is in fewer than ${minLevelRows} rows (${counts.size} levels)`,
    };
  }
  if (kept.length === 1 && !other) {
    return { name: column.name, kind: 'ignored', reason: 'the same level in every row' };
  }
  const share = (count: number) => count / rows;
  return {
    name: column.name,
    kind: 'categorical',
    levels: kept.map(([level]) => level),
    other,
    frequencies: [...kept.map(([, count]) => share(count)), ...(other ? [share(rare)] : [])],
  };
}

/** The saved schema, checked field by field. */
function checkSchemaJSON(json: unknown): InputSchemaJSON {
  const bad = (what: string): never => {
    throw new InputError(`the input schema ${what}; the model file is damaged — re-save or retrain it`, 'model-format');
  };
  if (typeof json !== 'object' || json === null) return bad('is not an object');
  const { columns, missingValues } = json as Partial<InputSchemaJSON>;
  if (!Array.isArray(missingValues) || !missingValues.every((v) => typeof v === 'string')) {
    return bad('has no list of missing-cell texts');
  }
  if (!Array.isArray(columns) || columns.length === 0) return bad('has no columns');
  const seen = new Set<string>();
  for (const [i, column] of columns.entries()) {
    if (typeof column !== 'object' || column === null || typeof column.name !== 'string') {
      return bad(`column ${i} has no name`);
    }
    if (seen.has(column.name)) bad(`names '${printable(column.name, 40)}' twice`);
    seen.add(column.name);
    const finite = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
    const flag = (value: unknown) => typeof value === 'boolean';
    switch (column.kind) {
      case 'numeric':
        if (!finite(column.fill) || !flag(column.indicator) || !flag(column.textAsMissing)) {
          bad(`column '${printable(column.name, 40)}' is not a valid numeric column`);
        }
        break;
      case 'date':
        if (!finite(column.fill) || !flag(column.indicator))
          bad(`column '${printable(column.name, 40)}' is not a valid date column`);
        break;
      case 'categorical': {
        const { levels, other, frequencies } = column;
        const valid =
          Array.isArray(levels) &&
          levels.length > 0 &&
          levels.every((level) => level === null || typeof level === 'string') &&
          new Set(levels).size === levels.length &&
          flag(other) &&
          Array.isArray(frequencies) &&
          frequencies.length === levels.length + (other ? 1 : 0) &&
          frequencies.every((f) => finite(f) && f >= 0 && f <= 1);
        if (!valid) bad(`column '${printable(column.name, 40)}' is not a valid categorical column`);
        break;
      }
      case 'ignored':
        if (typeof column.reason !== 'string') bad(`column '${printable(column.name, 40)}' has no reason`);
        break;
      default:
        bad(`column '${printable(String((column as { name: string }).name), 40)}' has an unknown kind`);
    }
  }
  return { columns: columns as ColumnSchema[], missingValues: missingValues as string[] };
}
