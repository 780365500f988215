import { InputError } from '../errors.js';

/** A dense row-major matrix of numbers: `rows × columns` values in `data`. */
export interface Matrix {
  readonly data: Float64Array | Float32Array;
  readonly rows: number;
  readonly columns: number;
}

/** Anything that can be read as a matrix: an array of equal-length rows, a flat array of 1-column values, or a Matrix. */
export type MatrixInput = Matrix | readonly (readonly number[])[] | readonly number[] | Float64Array | Float32Array;

/** Reads `input` into a float64 row-major matrix, checking that rows have equal lengths. */
export function toMatrix(input: MatrixInput, name = 'matrix'): Matrix {
  if (isMatrix(input)) {
    if (input.data.length !== input.rows * input.columns) {
      throw new InputError(
        `${name}: data holds ${input.data.length} values, expected rows × columns = ${input.rows * input.columns}`,
      );
    }
    return input;
  }
  if (input instanceof Float64Array || input instanceof Float32Array) {
    return { data: Float64Array.from(input), rows: input.length, columns: 1 };
  }
  const rows = input.length;
  if (rows === 0) return { data: new Float64Array(0), rows: 0, columns: 0 };
  /** Only numbers become values: null, '' or text would silently turn into 0 or NaN. */
  const cell = (value: unknown, r: number, c: number | null): number => {
    if (typeof value === 'number') return value;
    throw new InputError(
      `${name}: row ${r}${c === null ? '' : `, column ${c}`} is ${value === '' ? "''" : typeof value === 'string' ? `the text '${value.slice(0, 40)}'` : String(value)}, not a number; give numbers only`,
    );
  };
  if (!Array.isArray(input[0])) {
    const flat = input as readonly unknown[];
    return { data: Float64Array.from(flat, (v, r) => cell(v, r, null)), rows, columns: 1 };
  }
  const list = input as readonly (readonly number[])[];
  const columns = list[0]!.length;
  const data = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const row = list[r]!;
    if (!Array.isArray(row) || row.length !== columns) {
      throw new InputError(
        `${name}: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${columns}`,
      );
    }
    for (let c = 0; c < columns; c++) data[r * columns + c] = cell(row[c], r, c);
  }
  return { data, rows, columns };
}

function isMatrix(input: MatrixInput): input is Matrix {
  return typeof input === 'object' && input !== null && 'data' in input && 'rows' in input && 'columns' in input;
}

/** Throws a clear error naming the first non-finite cell (row and column, 0-based). */
export function assertFinite(matrix: Matrix, name: string, columnNames?: readonly string[]): void {
  const { data, columns } = matrix;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const row = Math.floor(i / columns);
      const column = i % columns;
      const label = columnNames?.[column] !== undefined ? `'${columnNames[column]}'` : `${column}`;
      throw new InputError(`${name}: row ${row}, column ${label} is ${data[i]}; every value must be a finite number`);
    }
  }
}
