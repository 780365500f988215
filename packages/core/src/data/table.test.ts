import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import {
  columnIndices,
  columnList,
  numericMatrix,
  parseTable,
  type Table,
  TableReader,
  type TableRecord,
} from './table.js';

/** The message of the error `read` throws (failing the test if it throws none, or not an InputError). */
function messageOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(InputError.isInstance(error), String(error)).toBe(true);
    return (error as InputError).message;
  }
  throw new Error('expected an InputError');
}

/** Everything a reader gives for `chunks`: header, rows and lines, or the error message. */
function readChunks(chunks: readonly string[], source = 'stdin'): Table | string {
  try {
    const reader = new TableReader({ source });
    const records: TableRecord[] = [];
    for (const chunk of chunks) records.push(...reader.push(chunk));
    records.push(...reader.end());
    return {
      source,
      header: [...reader.header!],
      rows: records.map((r) => r.cells),
      lines: records.map((r) => r.line),
    };
  } catch (error) {
    if (!InputError.isInstance(error)) throw error;
    return error.message;
  }
}

const rowsOf = (text: string, source = 'in.csv') => {
  const table = parseTable(text, { source });
  return [table.header, ...table.rows];
};

describe('parseTable reads RFC 4180 text', () => {
  it('gives the source, header, rows as text and the line each row starts on', () => {
    expect(parseTable('x,y\n1,2\n3,4\n', { source: 'a.csv' })).toEqual({
      source: 'a.csv',
      header: ['x', 'y'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
      lines: [2, 3],
    });
  });

  it('reads quoted cells: doubled quotes, delimiters and line ends inside quotes', () => {
    const table = parseTable('a,b\n"say ""hi""","x,y"\n"two\nlines","cr\r\nlf"\n5,"6"\n', { source: 'q.csv' });
    expect(table.rows).toEqual([
      ['say "hi"', 'x,y'],
      ['two\nlines', 'cr\r\nlf'],
      ['5', '6'],
    ]);
    // A record starting on line 3 spans lines 3 to 5; the next starts on 6.
    expect(table.lines).toEqual([2, 3, 6]);
  });

  it('reads CRLF, LF and CR line ends, also mixed, with or without a final line end', () => {
    const expected = [
      ['x', 'y'],
      ['1', '2'],
      ['3', '4'],
    ];
    for (const text of ['x,y\r\n1,2\r\n3,4\r\n', 'x,y\n1,2\n3,4', 'x,y\r1,2\r3,4\r', 'x,y\r\n1,2\n3,4\r']) {
      expect(rowsOf(text), JSON.stringify(text)).toEqual(expected);
      expect(parseTable(text, { source: 'in.csv' }).lines).toEqual([2, 3]);
    }
  });

  it('drops one leading UTF-8 BOM', () => {
    expect(rowsOf('\uFEFFx,y\n1,2\n')).toEqual([
      ['x', 'y'],
      ['1', '2'],
    ]);
    expect(rowsOf('\uFEFF"x",y\n1,2\n')[0]).toEqual(['x', 'y']);
    // Only at the start: inside a quoted cell a BOM is text.
    expect(rowsOf('x\n"\uFEFF1"\n')[1]).toEqual(['\uFEFF1']);
  });

  it('trims cells, but not whitespace inside quotes, and allows whitespace around quotes', () => {
    expect(rowsOf(' a ,\tb\n  1 ,  2  \n " q " , "r"\t\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      [' q ', 'r'],
    ]);
  });

  it('skips empty and blank lines and counts them in line numbers', () => {
    const table = parseTable('\n\na,b\n\n1,2\n   \n\t\n3,4\r\n\r\n', { source: 'in.csv' });
    expect(table.header).toEqual(['a', 'b']);
    expect(table.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(table.lines).toEqual([5, 8]);
  });

  it('keeps a row of empty cells, and a quoted empty cell in a one-column file', () => {
    expect(rowsOf('a,b,c\n,,\n1,,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['', '', ''],
      ['1', '', '3'],
    ]);
    expect(rowsOf('a\n""\n\n2\n')).toEqual([['a'], [''], ['2']]);
  });

  it('a header with no data rows is a table with no rows', () => {
    expect(parseTable('x,y\n', { source: 'h.csv' })).toEqual({
      source: 'h.csv',
      header: ['x', 'y'],
      rows: [],
      lines: [],
    });
  });
});

describe('the delimiter', () => {
  it('comes from the extension first: .tsv and .tab are tab-separated, .csv comma-separated', () => {
    const text = 'a,b\tc\n1,2\t3\n';
    expect(rowsOf(text, 'data.tsv')[0]).toEqual(['a,b', 'c']);
    expect(rowsOf(text, 'dir.v2/DATA.TAB')[0]).toEqual(['a,b', 'c']);
    expect(rowsOf('a\tb\tc,d\n1\t2\t3,4\n', 'data.csv')[0]).toEqual(['a\tb\tc', 'd']);
    // A TSV file named .csv (a header with tabs and neither commas nor semicolons) is read as TSV.
    expect(rowsOf('a\tb\tc\n1\t2\t3,5\n', 'data.csv')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3,5'],
    ]);
    expect(rowsOf('a;b\tc\n1;2\t3\n', 'data.csv')[0]).toEqual(['a', 'b\tc']);
  });

  it('otherwise is a tab when the first line has more tabs than commas', () => {
    expect(rowsOf('a\tb\tc,d\n1\t2\t3,4\n', 'stdin')[0]).toEqual(['a', 'b', 'c,d']);
    expect(rowsOf('a,b,c\td\n1,2,3\t4\n', 'stdin')[0]).toEqual(['a', 'b', 'c\td']);
    expect(rowsOf('a\tb\n1\t2', 'data.txt')[1]).toEqual(['1', '2']);
    // Only the first line counts (also when lines end with CR alone).
    expect(rowsOf('a,b\r1\t2,3\t4\t5\r', 'stdin')[0]).toEqual(['a', 'b']);
    const reader = new TableReader({ source: 'stdin' });
    expect(reader.delimiter).toBeUndefined();
    reader.push('a\t');
    expect(reader.delimiter).toBeUndefined();
    reader.push('b\n');
    expect(reader.delimiter).toBe('\t');
  });

  it('can be given; a bad one is an option error', () => {
    expect(parseTable('a;b\n1;2\n', { source: 'x.csv', delimiter: ';' }).rows).toEqual([['1', '2']]);
    for (const delimiter of ['', ';;', '"', '\n']) {
      try {
        new TableReader({ source: 'x.csv', delimiter });
        expect.unreachable();
      } catch (error) {
        expect(InputError.isInstance(error) && error.code).toBe('invalid-option');
      }
    }
  });
});

describe('errors name the source, line and column and say what to do', () => {
  it('a row with too many or too few fields', () => {
    expect(messageOf(() => parseTable('x,y,z\n1,2,3\n4,5\n', { source: 'r.csv' }))).toBe(
      'r.csv: line 3 has 2 fields but the header has 3; fix that row (a stray delimiter or an unquoted comma in a cell?)',
    );
    expect(messageOf(() => parseTable('x,y\n1,2\n2,3,4\n', { source: 'ragged.csv' }))).toContain(
      'ragged.csv: line 3 has 3 fields but the header has 2',
    );
    expect(messageOf(() => parseTable('x\ty\n1\n', { source: 'r.tsv' }))).toContain(
      'r.tsv: line 2 has 1 field but the header has 2; fix that row (a stray delimiter or an unquoted tab in a cell?)',
    );
    // The line a multi-line record starts on.
    expect(messageOf(() => parseTable('x,y\n"a\nb",2,3\n', { source: 'm.csv' }))).toContain('m.csv: line 2 has 3');
  });

  it('a quote that is never closed names the line where the quoted cell starts', () => {
    const message = messageOf(() => parseTable('a,b\n1,2\n3,"oops\n5,6\n7,8\n', { source: 'u.csv' }));
    expect(message).toBe(
      'u.csv: line 3, column 2 opens a quoted cell that is never closed; add the closing quote ' +
        '(a quote inside a quoted cell is written twice: "")',
    );
  });

  it('a quote inside an unquoted cell, and text after a closing quote', () => {
    expect(messageOf(() => parseTable('a,b\n1,5"\n', { source: 'q.csv' }))).toBe(
      `q.csv: line 2, column 2 has a quote inside an unquoted cell ('5"'); put the whole cell in quotes and write each quote inside it twice ("")`,
    );
    expect(messageOf(() => parseTable('a,b\n\n"x"y,2\n', { source: 'q.csv' }))).toContain(
      "q.csv: line 3, column 1 has text after the closing quote of 'x'",
    );
  });

  it('an empty file, or one with only blank lines or a BOM', () => {
    for (const text of ['', '\uFEFF', '\n\n  \r\n\t\n']) {
      expect(messageOf(() => parseTable(text, { source: 'e.csv' }))).toBe(
        'e.csv: the file is empty; it needs a header row and at least one data row',
      );
    }
  });

  it('an empty or repeated header name', () => {
    expect(messageOf(() => parseTable('x,,y\n1,2,3\n', { source: 'n.csv' }))).toBe(
      'n.csv: line 1, column 2 has an empty name; give every column a name',
    );
    expect(messageOf(() => parseTable('\n\nx, ""\n', { source: 'n.csv' }))).toContain('n.csv: line 3, column 2 has');
    expect(messageOf(() => parseTable('x,y,x\n1,2,3\n', { source: 'd.csv' }))).toBe(
      "d.csv: the header names 'x' twice (columns 1 and 3); rename one of them",
    );
  });

  it('a wide header with a repeat is checked in linear time', () => {
    const names = Array.from({ length: 200_000 }, (_, i) => `c${i}`);
    const started = performance.now();
    const message = messageOf(() => parseTable(`${names.join(',')},c5\n`, { source: 'w.csv' }));
    expect(message).toContain("the header names 'c5' twice (columns 6 and 200001)");
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('messages quote cells clipped and with control characters escaped', () => {
  const ESC = '\u001b';
  const huge = `${ESC}[2J${ESC}]0;pwned\u0007${'9'.repeat(10_000_000)}`;
  const numeric = (text: string) => {
    const table = parseTable(text, { source: 'n.csv' });
    return numericMatrix(table, table.header, 'data');
  };

  it('a 10 MB cell with terminal escapes', () => {
    const table = parseTable(`x,y\n1,"${huge}"\n`, { source: 'h.csv' });
    const message = messageOf(() => numericMatrix(table, ['y'], '--y'));
    expect(message.length).toBeLessThan(300);
    expect([...message].filter((ch) => ch < ' ' || (ch >= '\u007f' && ch <= '\u009f'))).toEqual([]);
    expect(message).toContain("h.csv: line 2, column 'y' is '\\x1b[2J\\x1b]0;pwned\\x07999");
    expect(message).toContain("…', not a number");
  });

  it('in the header, the column list, the source, and quote errors', () => {
    const name = `a\r\n${ESC}[31m${'z'.repeat(100)}`;
    const duplicate = messageOf(() => parseTable(`"${name}","${name}"\n`, { source: 'd.csv' }));
    expect(duplicate).toMatch(/^d\.csv: the header names 'a\\r\\n\\x1b\[31mzzz+…' twice/);
    expect(duplicate.length).toBeLessThan(200);
    const table = parseTable(`"${name}",b\n1,2\n`, { source: `bad${ESC}[0m.csv` });
    const missing = messageOf(() => columnIndices(table, [`q${ESC}`], '--y'));
    expect(missing).toMatch(/^bad\\x1b\[0m\.csv: no column named 'q\\x1b' \(from --y\); the file has 'a\\r\\n\\x1b/);
    expect(missing).not.toContain(ESC);
    const quote = messageOf(() => parseTable(`a\n${'x'.repeat(1000)}${ESC}"\n`, { source: 'q.csv' }));
    expect(quote).not.toContain(ESC);
    expect(quote.length).toBeLessThan(250);
    // Unicode that reorders text is escaped too; a surrogate pair is not cut in half.
    const bidi = messageOf(() => numeric('x,y\n1,\u202eevil\n'));
    expect(bidi).toContain("'\\u202eevil'");
    const emoji = messageOf(() => numeric(`x\n${'a'.repeat(39)}😀tail\n`));
    expect(emoji).toContain(`'${'a'.repeat(39)}…'`);
  });
});

describe('chunk boundaries do not matter', () => {
  const texts = [
    'x,y\n1,2\n3,4\n',
    '\uFEFFx,y\r\n1,2\r\n\r\n3,4',
    'a\tb\n"q\t""r"""\t2\r3\t4\r',
    'a,b\n"he said ""hi""","x,y"\n"multi\r\nline",2\n\n  \n 5 , "6" \n',
    'a , b\n  1 ,  2  \n " q " , "r"  \r\n',
    'a\n1\n\n""\n',
    'a,b\n1,2\n3,"oops\n5,6\n',
    'a,b\n1,2\n3,4,5\n',
    'a,b\n1,x"y\n',
    'a,"b""\n',
    'x,,y\n',
    '',
    '\r\n\r\n',
  ];

  it.each(texts.map((text) => [JSON.stringify(text), text]))(
    '%s split at every position, and in one-character chunks',
    (_, text) => {
      const whole = readChunks([text]);
      expect(readChunks([text.slice(0, 0), text])).toEqual(whole);
      for (let i = 0; i <= text.length; i++) {
        expect(readChunks([text.slice(0, i), text.slice(i)]), `split at ${i}`).toEqual(whole);
      }
      for (let i = 1; i < text.length; i++) {
        const j = Math.min(text.length, i + 2);
        expect(readChunks([text.slice(0, i), text.slice(i, j), text.slice(j)]), `split at ${i}, ${j}`).toEqual(whole);
      }
      expect(readChunks([...text])).toEqual(whole);
      if (typeof whole !== 'string') expect(whole).toEqual(parseTable(text, { source: 'stdin' }));
    },
  );

  it('every row comes out of the push that completes it, so a stream is read in bounded memory', () => {
    const reader = new TableReader({ source: 'stdin' });
    expect(reader.push('x,y\n1,')).toEqual([]);
    expect(reader.header).toEqual(['x', 'y']);
    expect(reader.push('2\n3,"4\n')).toEqual([{ cells: ['1', '2'], line: 2 }]);
    expect(reader.push('4"\r')).toEqual([{ cells: ['3', '4\n4'], line: 3 }]);
    expect(reader.push('\n5,6')).toEqual([]);
    expect(reader.end()).toEqual([{ cells: ['5', '6'], line: 5 }]);
    expect(reader.end()).toEqual([]);
    expect(() => reader.push('7,8\n')).toThrow('push() after end()');

    let count = 0;
    let sum = 0;
    const streamed = new TableReader({ source: 'big.csv' });
    for (let chunk = 0; chunk < 200; chunk++) {
      const lines: string[] = chunk === 0 ? ['i,v'] : [];
      for (let i = 0; i < 1000; i++) lines.push(`${chunk * 1000 + i},${i % 7}`);
      const text = `${lines.join('\n')}\n`;
      // Split the chunk mid-row so rows straddle chunks.
      for (const part of [text.slice(0, 4321), text.slice(4321)]) {
        for (const record of streamed.push(part)) {
          count++;
          sum += Number(record.cells[1]);
          if (count === 123_456) expect(record.line).toBe(123_457);
        }
      }
    }
    streamed.end();
    expect(count).toBe(200_000);
    expect(sum).toBe(200 * (142 * 21 + 15));
  });

  it('after an error every later call throws it again', () => {
    const reader = new TableReader({ source: 'r.csv' });
    reader.push('a,b\n');
    expect(() => reader.push('1,2,3\n')).toThrow('r.csv: line 2 has 3 fields');
    expect(() => reader.push('4,5\n')).toThrow('r.csv: line 2 has 3 fields');
    expect(() => reader.end()).toThrow('r.csv: line 2 has 3 fields');
  });
});

describe('the same results as the csv-parse reading the mdn command used before', () => {
  // Records and lines from csv-parse 7.0.3 with the CLI's options (bom, trim, skip_empty_lines, info). csv-parse
  // reports the line a record ends on; these inputs have no record that spans lines.
  const cases: [string, string[][], number[]][] = [
    [
      'x,y\n1,2\n3,4\n',
      [
        ['x', 'y'],
        ['1', '2'],
        ['3', '4'],
      ],
      [2, 3],
    ],
    [
      'x,y\r\n1,2\r\n3,4',
      [
        ['x', 'y'],
        ['1', '2'],
        ['3', '4'],
      ],
      [2, 3],
    ],
    [
      'x,y\r1,2\r3,4\r',
      [
        ['x', 'y'],
        ['1', '2'],
        ['3', '4'],
      ],
      [2, 3],
    ],
    [
      '\uFEFF"x","y"\r\n1,2\r\n\r\n3,4\r\n\r\n',
      [
        ['x', 'y'],
        ['1', '2'],
        ['3', '4'],
      ],
      [2, 4],
    ],
    [
      'a,b\n"he said ""hi""","x,y"\n3,4\n',
      [
        ['a', 'b'],
        ['he said "hi"', 'x,y'],
        ['3', '4'],
      ],
      [2, 3],
    ],
    [
      'a , b\n  1 ,  2  \n " q " , "r"  \n',
      [
        ['a', 'b'],
        ['1', '2'],
        [' q ', 'r'],
      ],
      [2, 3],
    ],
    [
      'a,b\n\n\n1,2\n   \n3,4\n\n',
      [
        ['a', 'b'],
        ['1', '2'],
        ['3', '4'],
      ],
      [4, 6],
    ],
    [
      'a,b,c\n,,\n1,,3\n"",2,""\n',
      [
        ['a', 'b', 'c'],
        ['', '', ''],
        ['1', '', '3'],
        ['', '2', ''],
      ],
      [2, 3, 4],
    ],
    ['a\n1\n\n2\n', [['a'], ['1'], ['2']], [2, 4]],
    [
      'a\tb\n1\t" 2"\n',
      [
        ['a', 'b'],
        ['1', ' 2'],
      ],
      [2],
    ],
  ];
  it.each(cases)('%j', (text, records, lines) => {
    const table = parseTable(text, { source: 'stdin' });
    expect([table.header, ...table.rows]).toEqual(records);
    expect(table.lines).toEqual(lines);
  });
});

describe('columnList', () => {
  it('escapes, clips, quotes and counts what it leaves out', () => {
    expect(columnList(['a', 'b\u001b[2J'])).toBe('a, b\\x1b[2J');
    expect(columnList(['a', 'b'], { quote: true })).toBe("'a', 'b'");
    expect(columnList(['x'.repeat(50)], { clip: 4 })).toBe('xxxx…');
    const many = Array.from({ length: 25 }, (_, i) => `c${i}`);
    expect(columnList(many)).toBe(`${many.slice(0, 20).join(', ')} and 5 more`);
    expect(columnList(many, { limit: 30 })).toBe(many.join(', '));
  });
});

describe('columnIndices and numericMatrix', () => {
  const table = parseTable('a,b,c\n1,-2.5,3e2\n.5,+4,-1E-3\n', { source: 't.csv' });

  it('read the named columns, in the order named, as float64', () => {
    expect(columnIndices(table, ['c', 'a'], '--x')).toEqual([2, 0]);
    const matrix = numericMatrix(table, ['c', 'a', 'b'], '--x');
    expect(matrix.rows).toBe(2);
    expect(matrix.columns).toBe(3);
    expect(matrix.data).toBeInstanceOf(Float64Array);
    expect(Array.from(matrix.data)).toEqual([300, 1, -2.5, -0.001, 0.5, 4]);
    expect(numericMatrix(parseTable('a\n', { source: 'x' }), ['a'], 'y')).toEqual({
      data: new Float64Array(0),
      rows: 0,
      columns: 1,
    });
  });

  it('a missing column lists the columns there are (the first 20 of a wide file)', () => {
    expect(messageOf(() => columnIndices(table, ['a', 'price'], '--y'))).toBe(
      "t.csv: no column named 'price' (from --y); the file has 'a', 'b', 'c'",
    );
    // A name with a comma, given unquoted, arrives split: the message says how to quote it.
    const comma = parseTable('"income, net",age\n1,2\n', { source: 'c.csv' });
    expect(messageOf(() => columnIndices(comma, ['income'], '--x'))).toBe(
      "c.csv: no column named 'income' (from --x); the file has 'income, net', 'age'; a name with a comma goes in " +
        `double quotes inside the list: --x '"income, net"'`,
    );
    // Only whole pieces of the name match, and only for names from a flag's list.
    expect(messageOf(() => columnIndices(comma, ['inc'], '--x'))).not.toContain('double quotes');
    expect(messageOf(() => columnIndices(comma, ['income'], 'input'))).not.toContain('double quotes');
    const wide = parseTable(`${Array.from({ length: 5000 }, (_, i) => `c${i}`).join(',')}\n`, { source: 'w.csv' });
    const message = messageOf(() => columnIndices(wide, ['z'], 'input'));
    expect(message).toMatch(/the file has 'c0', 'c1', .*'c19' and 4980 more$/);
  });

  const cell = (value: string) => parseTable(`x,y\n1,2\n2,${value}\n3,4\n`, { source: 'v.csv' });

  it('errors carry their place in fields: a missing column has no line, a bad cell has its line, row and column', () => {
    let missing: InputError | undefined;
    try {
      columnIndices(table, ['price'], '--y');
    } catch (error) {
      missing = error as InputError;
    }
    expect(missing?.fields).toEqual({ source: 't.csv', column: 'price' });
    let bad: InputError | undefined;
    try {
      numericMatrix(cell('oops'), ['x', 'y'], '--y');
    } catch (error) {
      bad = error as InputError;
    }
    expect(bad?.fields).toEqual({ source: 'v.csv', line: 3, row: 1, column: 'y' });
  });

  it('an empty cell is an error, not 0', () => {
    expect(messageOf(() => numericMatrix(cell(''), ['x', 'y'], '--y'))).toBe(
      "v.csv: line 3, column 'y' is empty; fill it in or drop the row",
    );
    expect(messageOf(() => numericMatrix(cell('""'), ['y'], '--y'))).toContain('is empty');
  });

  it.each(['NaN', 'Infinity', '-Infinity', 'three', '0x10', '1 5', '1.2.3', '1e', '-', '.', 'e5', '" 1"'])(
    '%s is not a number',
    (value) => {
      expect(messageOf(() => numericMatrix(cell(value), ['y'], '--y'))).toMatch(
        /^v\.csv: line 3, column 'y' is '.*', not a number; every value in --y columns must be numeric$/,
      );
    },
  );

  it('a long run of digits ending in a stray character is refused at once (no quadratic backtracking)', () => {
    // 400 000 digits: the old pattern backtracked quadratically (minutes here); the message is clipped.
    const message = messageOf(() => numericMatrix(cell(`${'9'.repeat(400_000)}a`), ['y'], '--y'));
    expect(message).toMatch(/^v\.csv: line 3, column 'y' is '9+…', not a number/);
    expect(message.length).toBeLessThan(400);
    expect(Array.from(numericMatrix(cell('9'.repeat(100)), ['y'], '--y').data)).toContain(1e100);
  });

  it('a decimal comma (a European spreadsheet export) is named as such, never guessed at', () => {
    // Such spreadsheets separate cells with semicolons, also in files named .csv: the header line says which.
    const semicolons = parseTable('x;y\n1;2.5\n', { source: 'eu.csv' });
    expect(Array.from(numericMatrix(semicolons, ['x', 'y'], '--y').data)).toEqual([1, 2.5]);
    const table = parseTable('x;y\n1;2,5\n', { source: 'eu.csv' });
    expect(messageOf(() => numericMatrix(table, ['y'], '--y'))).toBe(
      "eu.csv: line 2, column 'y' is '2,5', not a number; every value in --y columns must be numeric. It looks like " +
        "a decimal comma: write numbers with a decimal point (1.5, not 1,5), for instance by exporting the file with '.' " +
        'as the decimal separator',
    );
  });

  it('|value| up to 1e150 is read; beyond is too large', () => {
    expect(numericMatrix(cell('-1e150'), ['y'], '--y').data[1]).toBe(-1e150);
    expect(numericMatrix(cell('1E-300'), ['y'], '--y').data[1]).toBe(1e-300);
    for (const value of ['1e200', '-2e151', '1e400']) {
      expect(messageOf(() => numericMatrix(cell(value), ['y'], '--y'))).toBe(
        `v.csv: line 3, column 'y' is ${value}, too large to train on (|value| must stay below 1e+150); rescale the column`,
      );
    }
  });
});
