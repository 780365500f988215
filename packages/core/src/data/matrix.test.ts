import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { toMatrix } from './matrix.js';

/** The InputError `read` throws. */
function refusal(read: () => unknown): InputError {
  try {
    read();
  } catch (error) {
    expect(InputError.isInstance(error)).toBe(true);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('toMatrix', () => {
  it('reads rows given as typed arrays (as a tensor hands them back) like arrays of numbers', () => {
    const rows = [Float32Array.from([1, 2]), Float64Array.from([3, 4]), [5, 6]];
    expect(toMatrix(rows)).toEqual({ data: Float64Array.from([1, 2, 3, 4, 5, 6]), rows: 3, columns: 2 });
    expect(toMatrix(Float32Array.from([1, 2]))).toEqual({ data: Float64Array.from([1, 2]), rows: 2, columns: 1 });
    expect(toMatrix({ data: [1, 2, 3, 4] as never, rows: 2, columns: 2 }).data).toEqual(
      Float64Array.from([1, 2, 3, 4]),
    );
  });

  it('refuses what is not rows of numbers with an InputError saying what it got, and where', () => {
    for (const [input, said] of [
      [null, 'got null'],
      [5, 'got number 5'],
      ['1,2', "got the text '1,2'"],
      [{ rows: 2 }, 'got an object'],
    ] as const) {
      expect(refusal(() => toMatrix(input as never, 'inputs')).message).toContain(`inputs: expected rows of numbers`);
      expect(refusal(() => toMatrix(input as never, 'inputs')).message).toContain(said);
    }
    const cell = refusal(() =>
      toMatrix(
        [
          [1, 2],
          [3, '4'],
        ] as never,
        'inputs',
      ),
    );
    expect(cell.fields).toEqual({ row: 1, column: 1 });
    expect(cell.message).toBe("inputs: row 1, column 1 is the text '4', not a number; give numbers only");
    const ragged = refusal(() => toMatrix([[1, 2], Float32Array.from([3])], 'inputs'));
    expect(ragged.fields).toEqual({ row: 1 });
    expect(refusal(() => toMatrix([[1], null] as never)).message).toContain('row 1 has no values (it is null)');
    expect(refusal(() => toMatrix({ data: new Float64Array(3), rows: 2, columns: 2 })).message).toContain(
      'data holds 3 values, expected rows × columns = 4',
    );
    expect(refusal(() => toMatrix({ data: new Float64Array(4), rows: 2.5, columns: 2 } as never)).message).toContain(
      'rows and columns must be whole numbers',
    );
  });
});
