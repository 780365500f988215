import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { loadModel, saveModel } from '../model/model-file.js';
import { createRandom } from '../random/rng.js';
import { planTraining, type TrainOptions, train } from '../train/train.js';
import { readTrainingTable, TrainingTableReader } from './columns.js';
import { dateDays, InputSchema, isoDays } from './input-schema.js';
import { parseTable } from './table.js';

const csv = (text: string) => parseTable(text, { source: 'data.csv' });

describe('InputSchema', () => {
  it('tells numbers, levels, dates and columns with nothing to learn from apart', () => {
    const rows = ['n,c,d,empty,id,same,mostly'];
    for (let i = 0; i < 40; i++) {
      rows.push(
        [
          i % 7 === 0 ? 'NA' : String(i),
          ['red', 'green', 'blue'][i % 3],
          `2020-0${1 + (i % 9)}-1${i % 10}`,
          '',
          `id${i}`,
          'x',
          i === 3 ? 'unknown' : String(i / 2),
        ].join(','),
      );
    }
    const schema = InputSchema.fit(csv(rows.join('\n')));
    expect(schema.columns.map((c) => c.kind)).toEqual([
      'numeric',
      'categorical',
      'date',
      'ignored',
      'ignored',
      'ignored',
      'numeric',
    ]);
    expect(schema.features.map((f) => f.name)).toEqual([
      'n',
      'n (missing)',
      'c=red',
      'c=green',
      'c=blue',
      'd (days)',
      'd (year sin)',
      'd (year cos)',
      'mostly',
      'mostly (missing)',
    ]);
    expect(schema.indicatorFeatures).toEqual([1, 2, 3, 4, 9]);
    expect(schema.plain).toBe(false);
    const n = schema.columns[0]!;
    expect(n.kind === 'numeric' && n.fill).toBe(19.5); // the median of 1..39 without multiples of 7
    expect(schema.describe().join('\n')).toMatch(/'id': ignored \(every level is in fewer than 5 rows/);
  });

  it('encodes one-hot levels, filled-in cells with an indicator, dates, and counts unseen levels', () => {
    const train = csv(
      ['a,c', '1,x', '2,x', '3,x', '4,x', '5,x', '6,y', '7,y', '8,y', '9,y', '10,y', 'NA,y'].join('\n'),
    );
    const schema = InputSchema.fit(train);
    const { x, report } = schema.encode(csv(['c,a,extra', 'x,2,q', 'y,,q', 'z,3,q', 'NA,4,q'].join('\n')));
    // Columns by name in any order, extra columns ignored; y is the most frequent level (6 rows) so it comes first.
    expect(Array.from(x.data)).toEqual([
      2,
      0,
      0,
      1, // a, a (missing), c=y, c=x
      5.5,
      1,
      1,
      0, // a missing: the training median, and the indicator
      3,
      0,
      6 / 11,
      5 / 11, // an unseen level: the training shares of the levels
      4,
      0,
      6 / 11,
      5 / 11, // a missing level never seen missing in training: the same
    ]);
    expect(report.imputed.get('a')).toBe(1);
    expect(report.imputed.get('c')).toBe(1);
    expect(report.unknown.get('c')).toEqual({ count: 1, levels: ['z'] });
    expect(report.describe().join('\n')).toMatch(/'c' 1 \('z'\)/);
  });

  it('keeps rare levels in one "other" feature, which unseen levels join', () => {
    const lines = ['c'];
    for (let i = 0; i < 30; i++) lines.push('common');
    for (let i = 0; i < 12; i++) lines.push(`rare${i}`);
    const schema = InputSchema.fit(csv(lines.join('\n')));
    expect(schema.features.map((f) => f.name)).toEqual(['c=common', 'c=(other)']);
    const { x, report } = schema.encode([{ c: 'rare3' }, { c: 'never' }, { c: 'common' }]);
    expect(Array.from(x.data)).toEqual([0, 1, 0, 1, 1, 0]);
    expect(report.unknown.size).toBe(0); // "other" holds them: nothing was guessed
    expect(InputSchema.fit(csv(lines.join('\n')), { maxLevels: 0 }).columns[0]!.kind).toBe('ignored');
  });

  it('reads columns named categorical or numeric so, and names a text cell in a numeric one', () => {
    const table = csv(['code,v', '1,1', '2,2', '1,3', '2,4', '1,5', '2,6', '1,7', '2,8', '1,9', '2,x'].join('\n'));
    const forced = InputSchema.fit(table, { categorical: ['code'], numeric: [] });
    expect(forced.features.map((f) => f.name).slice(0, 2)).toEqual(['code=1', 'code=2']);
    expect(() => InputSchema.fit(table, { numeric: ['v'] })).toThrow(
      /data\.csv: line 11, column 'v' is 'x', not a number/,
    );
    const error = (() => {
      try {
        InputSchema.fit(table, { numeric: ['v'] });
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(error?.fields).toMatchObject({ line: 11, column: 'v' });
    expect(() => InputSchema.fit(table, { categorical: ['nope'] })).toThrow(InputError);
  });

  it('refuses a cell its model cannot read, naming it', () => {
    const schema = InputSchema.fit(csv(['a,d', '1,2020-01-01', '2,2020-02-01'].join('\n')));
    expect(() => schema.encode(csv(['a,d', '1,2020-01-01', 'abc,2020-01-01'].join('\n')))).toThrow(
      /line 3, column 'a' is 'abc', not a number/,
    );
    expect(() => schema.encode(csv(['a,d', '1,soon'].join('\n')))).toThrow(/line 2, column 'd' is 'soon', not a date/);
    expect(() => schema.encode(csv(['a', '1'].join('\n')))).toThrow(/no column named 'd'/);
    // A column never missing in training is filled in at prediction, and counted.
    const { x, report } = schema.encode([{ a: null, d: '2020-01-01' }]);
    expect(x.data[0]).toBe(1.5);
    expect(report.imputed.get('a')).toBe(1);
  });

  it('reads ISO dates as UTC days, with the day of the year', () => {
    expect(isoDays('1970-01-02')).toBe(1);
    expect(isoDays('1970-01-01T12:00')).toBe(0.5);
    expect(isoDays('1970-01-01T12:00:00+12:00')).toBe(0);
    expect(isoDays('2012-02-30')).toBeNaN();
    expect(isoDays('2012-1-3')).toBeNaN();
    // Month names, as US data sets and spreadsheets write dates.
    for (const text of ['Jun 12 1998', 'June 12, 1998', '12-Jun-1998', '12 jun 1998']) {
      expect(dateDays(text), text).toBe(isoDays('1998-06-12'));
    }
    expect(dateDays('Jux 12 1998')).toBeNaN();
    expect(dateDays('Junk 12 1998')).toBeNaN();
    const schema = InputSchema.fit(csv(['d', '2020-01-01', '2020-07-01'].join('\n')));
    const { x } = schema.encode(csv(['d', '2021-01-01'].join('\n')));
    expect(x.data[0]).toBe(isoDays('2021-01-01'));
    expect(x.data[2]).toBeCloseTo(Math.cos((2 * Math.PI * 0) / 365.2425), 12);
  });

  it('saves as JSON and refuses a damaged one', () => {
    const schema = InputSchema.fit(
      csv(['a,c', '1,x', '2,y', 'NA,x', '4,y', '5,x', '6,y', '7,x', '8,y', '9,x', '1,y'].join('\n')),
    );
    const again = InputSchema.fromJSON(JSON.parse(JSON.stringify(schema.toJSON())));
    expect(again.toJSON()).toEqual(schema.toJSON());
    const json = schema.toJSON();
    const broken = { ...json, columns: [{ ...json.columns[1]!, frequencies: [0.5] }] };
    expect(() => InputSchema.fromJSON(broken)).toThrow(/not a valid categorical column/);
    expect(() => InputSchema.fromJSON({ columns: [{ name: 'a', kind: 'text' }], missingValues: [] })).toThrow(
      /unknown kind/,
    );
  });
});

describe('TrainingTableReader', () => {
  it('leaves rows with a missing target out, counting them with their lines', () => {
    const table = csv(['y,a', '1,2', 'NA,3', '2,', ',5', '3,6'].join('\n'));
    const data = readTrainingTable(table, { y: ['y'] });
    expect(Array.from(data.y.data)).toEqual([1, 2, 3]);
    expect(data.dropped).toEqual({ count: 2, lines: [3, 5] });
    expect(data.x.rows).toBe(3);
    expect(data.x.columns[0]!.kind(1)).toBe('missing');
    expect(() => readTrainingTable(table, { y: ['y'], missingTarget: 'error' })).toThrow(
      /data\.csv: line 3, column 'y' is missing/,
    );
    expect(() => readTrainingTable(csv(['y,a', '1,2', 'high,3'].join('\n')), { y: ['y'] })).toThrow(
      /line 3, column 'y' is 'high', not a number/,
    );
  });

  it('reads a file in blocks as one table', () => {
    const reader = new TrainingTableReader({ y: ['y'], source: 'f.csv' });
    reader.push({ header: ['a', 'y'], rows: [['p', '1']], lines: [2] });
    reader.push({
      header: ['a', 'y'],
      rows: [
        ['q', 'NA'],
        ['p', '2'],
      ],
      lines: [3, 4],
    });
    const data = reader.finish();
    expect(data.x.lines).toEqual([2, 4]);
    expect(data.dropped).toEqual({ count: 1, lines: [3] });
    expect(data.x.columns[0]!.texts).toEqual(['p']);
  });
});

describe('training on raw tables', () => {
  it('a table of complete numbers trains exactly as its matrix does: same plan, same weights', async () => {
    const random = createRandom(4);
    const lines = ['a,b,y'];
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = Math.round(random.uniform() * 1000) / 100;
      const b = Math.round(random.normal() * 100) / 100;
      const t = Math.round((a + b * b + random.normal()) * 1000) / 1000;
      lines.push(`${a},${b},${t}`);
      x.push([a, b]);
      y.push(t);
    }
    const data = readTrainingTable(csv(lines.join('\n')), { y: ['y'] });
    const options: TrainOptions = { epochs: 3, ensemble: 1, model: { hidden: [16] }, seed: 2 };
    expect(planTraining(data.x, data.y, options)).toEqual(planTraining(x, y, options));
    const fromTable = await train(data.x, data.y, options);
    const fromMatrix = await train(x, y, { ...options, columns: { x: ['a', 'b'], y: ['y'] } });
    expect(fromTable.model.getWeights()).toEqual(fromMatrix.model.getWeights());
    expect(fromTable.model.metadata.inputColumns).toEqual(['a', 'b']);
    expect(Array.from(fromTable.model.inputStandardiser.mean)).toEqual(
      Array.from(fromMatrix.model.inputStandardiser.mean),
    );
    fromTable.model.dispose();
    fromMatrix.model.dispose();
  });

  it('learns from a text column and a missing indicator, predicts on records with missing and unseen cells, and saves the schema', async () => {
    const random = createRandom(9);
    const records: Record<string, string | number | null>[] = [];
    const y: number[] = [];
    const shift: Record<string, number> = { low: 0, mid: 4, high: 8 };
    for (let i = 0; i < 600; i++) {
      const level = ['low', 'mid', 'high'][i % 3]!;
      const hidden = random.uniform() < 0.3; // a missing v means a larger y: missingness carries signal
      const v = random.normal();
      records.push({ level, v: hidden ? null : v });
      y.push(shift[level]! + (hidden ? 3 : v) + 0.3 * random.normal());
    }
    const result = await train(records, y, { epochs: 40, ensemble: 1, seed: 1 });
    const { model } = result;
    expect(model.config.inputDimension).toBe(5); // v, v (missing), three levels
    const host = await model.predictHost([
      { level: 'low', v: 0 },
      { level: 'high', v: 0 },
      { level: 'mid', v: null },
      { level: 'unheard-of', v: 0 },
    ]);
    const mean = host.mean();
    expect(mean[0]!).toBeCloseTo(0, 0);
    expect(mean[1]!).toBeCloseTo(8, 0);
    expect(Math.abs(mean[2]! - 7)).toBeLessThan(0.6);
    expect(Number.isFinite(mean[3]!)).toBe(true);
    const { report } = model.encodeInputs([{ level: 'unheard-of', v: null }]);
    expect(report.unknown.get('level')?.count).toBe(1);
    expect(report.imputed.get('v')).toBe(1);
    const saved = saveModel(model);
    const loaded = loadModel(saved);
    expect(loaded.inputSchema?.toJSON()).toEqual(model.inputSchema?.toJSON());
    expect(JSON.parse(saved).formatVersion).toBe(6);
    // An older version cannot hold a schema: a file that says otherwise was edited.
    expect(() => loadModel(saved.replace('"formatVersion":6', '"formatVersion":5'))).toThrow(
      /a version-5 file has no input schema/,
    );
    const again = await loaded.predictHost([{ v: 0, level: 'high' }]);
    expect(again.mean()[0]).toBe(mean[1]);
    model.dispose();
    loaded.dispose();
  });
});
