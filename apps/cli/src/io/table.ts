import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Matrix } from '@mdn/core';
import { parse } from 'csv-parse/sync';
import { CliError } from '../errors.js';

/** A parsed CSV/TSV file: its header and its cells as text, with the file line of every record. */
export interface Table {
  /** How to name the file in messages (`stdin` for `-`). */
  source: string;
  header: string[];
  /** Cells as text, `rows[r][c]`. */
  rows: string[][];
  /** 1-based line in the file where data row r starts (the header is line 1 in a plain file). */
  lines: number[];
}

/** Values beyond this magnitude overflow float32 once standardised statistics are squared; refuse them early. */
const MAX_MAGNITUDE = 1e150;

function readSource(file: string): { text: string; source: string } {
  if (file === '-') {
    try {
      return { text: readFileSync(0, 'utf8'), source: 'stdin' };
    } catch (error) {
      throw new CliError(`cannot read stdin: ${(error as Error).message}`);
    }
  }
  try {
    return { text: readFileSync(file, 'utf8'), source: file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${file}: no such file; check the path (use - to read stdin)`);
    if (code === 'EISDIR') throw new CliError(`${file}: is a directory; give a CSV or TSV file`);
    throw new CliError(`${file}: cannot be read (${(error as Error).message})`);
  }
}

/** Tab-separated when the name says so or the header line has more tabs than commas; else comma-separated. */
function delimiterOf(file: string, text: string): string {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.tsv' || extension === '.tab') return '\t';
  if (extension === '.csv') return ',';
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const tabs = firstLine.split('\t').length - 1;
  const commas = firstLine.split(',').length - 1;
  return tabs > commas ? '\t' : ',';
}

/** Reads a CSV/TSV file with a header row (or stdin for `-`). Handles a UTF-8 BOM, CRLF line ends, quoted cells. */
export function readTable(file: string): Table {
  const { text, source } = readSource(file);
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    throw new CliError(`${source}: the file is empty; it needs a header row and at least 2 data rows`);
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: delimiterOf(file, text),
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const record = error as Error & { code?: string; lines?: number; record?: unknown[]; columns?: unknown[] };
    if (record.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && Array.isArray(record.record)) {
      const header = text
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/, 1)[0]!
        .split(delimiterOf(file, text)).length;
      throw new CliError(
        `${source}: line ${record.lines} has ${record.record.length} fields but the header has ${header}; ` +
          'fix that row (a stray delimiter or an unquoted comma in a cell?)',
      );
    }
    throw new CliError(
      `${source}: not a readable CSV/TSV file: ${(error as Error).message}; check quoting and delimiters`,
    );
  }
  const [head, ...body] = records;
  const header = head!.record;
  const seen = new Map<string, number>();
  for (const [index, name] of header.entries()) {
    if (name === '') {
      throw new CliError(`${source}: line 1, column ${index + 1} has an empty name; give every column a name`);
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new CliError(
        `${source}: the header names '${name}' twice (columns ${earlier + 1} and ${index + 1}); rename one of them`,
      );
    }
    seen.set(name, index);
  }
  return { source, header, rows: body.map((r) => r.record), lines: body.map((r) => r.info.lines) };
}

/** The index of each named column, or a clear error listing the columns the file has. */
export function columnIndices(table: Table, names: readonly string[], flag: string): number[] {
  return names.map((name) => {
    const index = table.header.indexOf(name);
    if (index === -1) {
      throw new CliError(
        `${table.source}: no column named '${name}' (from ${flag}); the file has ${table.header.map((h) => `'${h}'`).join(', ')}`,
      );
    }
    return index;
  });
}

/** Parses the named columns into a float64 matrix; every cell must be a finite number of sane magnitude. */
export function numericMatrix(table: Table, names: readonly string[], flag: string): Matrix {
  const indices = columnIndices(table, names, flag);
  const data = new Float64Array(table.rows.length * indices.length);
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r]!;
    for (const [c, index] of indices.entries()) {
      const cell = row[index]!;
      const where = `${table.source}: line ${table.lines[r]}, column '${names[c]}'`;
      if (cell === '') throw new CliError(`${where} is empty; fill it in or drop the row`);
      const value = Number(cell);
      if (Number.isNaN(value) || !/^[-+]?(\d|\.\d)/.test(cell)) {
        throw new CliError(`${where} is '${cell}', not a number; every value in ${flag} columns must be numeric`);
      }
      if (!Number.isFinite(value) || Math.abs(value) > MAX_MAGNITUDE) {
        throw new CliError(
          `${where} is ${cell}, too large to train on (|value| must stay below ${MAX_MAGNITUDE}); rescale the column`,
        );
      }
      data[r * indices.length + c] = value;
    }
  }
  return { data, rows: table.rows.length, columns: indices.length };
}
