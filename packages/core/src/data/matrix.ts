import { InputError } from '../errors.js';

/** A dense row-major matrix of numbers: `rows × columns` values in `data`. */
export interface Matrix {
  readonly data: Float64Array | Float32Array;
  readonly rows: number;
  readonly columns: number;
}

/**
 * Anything that can be read as a matrix: an array of equal-length rows (arrays or typed arrays), a flat array or
 * typed array of 1-column values, or a Matrix.
 */
export type MatrixInput =
  | Matrix
  | readonly (readonly number[] | Float64Array | Float32Array)[]
  | readonly number[]
  | Float64Array
  | Float32Array;

/** Reads `input` into a float64 row-major matrix, checking that rows have equal lengths. */
export function toMatrix(input: MatrixInput, name = 'matrix'): Matrix {
  if (typeof input !== 'object' || input === null) {
    throw new InputError(
      `${name}: expected rows of numbers (an array of equal-length arrays, a flat array or typed array for one ` +
        `column, or { data, rows, columns }), got ${describeValue(input)}`,
    );
  }
  if (isMatrix(input)) {
    if (!(input.data instanceof Float64Array || input.data instanceof Float32Array) && !Array.isArray(input.data)) {
      throw new InputError(`${name}: data must be a Float64Array, Float32Array or array of numbers`);
    }
    if (
      !Number.isSafeInteger(input.rows) ||
      input.rows < 0 ||
      !Number.isSafeInteger(input.columns) ||
      input.columns < 0
    ) {
      throw new InputError(
        `${name}: rows and columns must be whole numbers ≥ 0, got ${describeValue(input.rows)} and ${describeValue(input.columns)}`,
      );
    }
    if (input.data.length !== input.rows * input.columns) {
      throw new InputError(
        `${name}: data holds ${input.data.length} values, expected rows × columns = ${input.rows * input.columns}`,
      );
    }
    if (Array.isArray(input.data)) {
      const values = input.data as readonly unknown[];
      const data = Float64Array.from(values, (v, i) => cell(v, Math.floor(i / input.columns), i % input.columns));
      return { data, rows: input.rows, columns: input.columns };
    }
    return input;
  }
  if (input instanceof Float64Array || input instanceof Float32Array) {
    return { data: Float64Array.from(input), rows: input.length, columns: 1 };
  }
  if (!Array.isArray(input)) {
    throw new InputError(
      `${name}: expected rows of numbers (an array of equal-length arrays, a flat array or typed array for one ` +
        `column, or { data, rows, columns }), got ${describeValue(input)}`,
    );
  }
  const rows = input.length;
  if (rows === 0) return { data: new Float64Array(0), rows: 0, columns: 0 };
  /** Only numbers become values: null, '' or text would silently turn into 0 or NaN. */
  function cell(value: unknown, r: number, c: number | null): number {
    if (typeof value === 'number') return value;
    throw new InputError(
      `${name}: row ${r}${c === null ? '' : `, column ${c}`} is ${describeValue(value)}, not a number; give numbers only`,
      { row: r, ...(c === null ? {} : { column: c }) },
    );
  }
  const isRow = (value: unknown): value is ArrayLike<unknown> => Array.isArray(value) || isNumberArray(value);
  if (!isRow(input[0])) {
    const flat = input as readonly unknown[];
    return { data: Float64Array.from(flat, (v, r) => cell(v, r, null)), rows, columns: 1 };
  }
  // Rows may be arrays or typed arrays (a Float32Array per row, as a tensor's rows come back).
  const list = input as readonly unknown[];
  const columns = (list[0] as ArrayLike<unknown>).length;
  const data = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const row = list[r];
    if (!isRow(row) || row.length !== columns) {
      throw new InputError(
        `${name}: row ${r} has ${isRow(row) ? `${row.length} values` : `no values (it is ${describeValue(row)})`}, expected ${columns}`,
        { row: r },
      );
    }
    for (let c = 0; c < columns; c++) data[r * columns + c] = cell(row[c], r, c);
  }
  return { data, rows, columns };
}

/** A typed array of numbers (not a DataView, not a BigInt array). */
function isNumberArray(value: unknown): value is ArrayLike<number> {
  return (
    ArrayBuffer.isView(value) &&
    !(value instanceof DataView) &&
    !(value instanceof BigInt64Array) &&
    !(value instanceof BigUint64Array)
  );
}

/** A value for a message: its kind, and a short form of it. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return value === '' ? "''" : `the text '${value.slice(0, 40)}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'function') return 'a function';
  return 'an object';
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
      throw new InputError(`${name}: row ${row}, column ${label} is ${data[i]}; every value must be a finite number`, {
        row,
        column: columnNames?.[column] ?? column,
      });
    }
  }
}

/** Reads `input` as a matrix of `columns` finite values per row; an InputError names the row and column otherwise. */
export function checkedMatrix(
  input: MatrixInput,
  name: string,
  columns: number,
  columnNames?: readonly string[],
): Matrix {
  const matrix = toMatrix(input, name);
  if (matrix.rows > 0 && matrix.columns !== columns) {
    throw new InputError(`${name} must have ${columns} column${columns === 1 ? '' : 's'}, got ${matrix.columns}`);
  }
  assertFinite(matrix, name, columnNames);
  return matrix;
}
