import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mdn, temporaryDirectory, write } from './run-cli.js';

// Palmer penguins as vega-datasets ships it (344 rows): three text columns, 'NA' cells in every column but the
// species and island, a '.' in Sex once. The commands of the issue, with no flags and no editing of the file.
const dir = temporaryDirectory();
const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/penguins.csv');
const TARGET = 'Body Mass (g)';
let trainRun: ReturnType<typeof mdn>;

beforeAll(() => {
  copyFileSync(FIXTURE, path.join(dir, 'penguins.csv'));
  trainRun = mdn(['train', 'penguins.csv', '--y', TARGET, '--epochs', '60'], { cwd: dir });
});

describe('mdn on a real table: text columns, missing cells', () => {
  it('trains on the raw file: rows without a target left out and counted, text read as levels, the model saved by name', () => {
    expect(trainRun.code).toBe(0);
    expect(trainRun.stdout).toContain('Training on penguins.csv: 342 rows;');
    expect(trainRun.stdout).toContain('2 rows left out: the target is missing (lines 5, 341)');
    expect(trainRun.stdout).toContain("'Species': categorical, 3 levels ('Adelie', 'Gentoo', 'Chinstrap')");
    expect(trainRun.stdout).toMatch(/'Sex': categorical, 3 levels \('MALE', 'FEMALE', \(missing\)\) and 'other'/);
    expect(trainRun.stdout).toContain('Saved the model to penguins.mdn.json');
    expect(existsSync(path.join(dir, 'penguins.mdn.json'))).toBe(true);
    // The default name is never written over: the earlier model is kept.
    const again = mdn(['train', 'penguins.csv', '--y', TARGET, '--epochs', '1'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('penguins.mdn.json (the default name of the model for penguins.csv) exists');
  });

  it('trains on the file with its NA rows removed by hand too (the second command of the issue)', () => {
    const text = readFileSync(FIXTURE, 'utf8')
      .split('\n')
      .filter((line) => !line.includes(',NA'))
      .join('\n');
    write(dir, 'p2.csv', text);
    const run = mdn(['train', 'p2.csv', '--y', TARGET, '--epochs', '5', '--ensemble', '1'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("'Island': categorical, 3 levels");
    expect(run.stdout).not.toContain('left out');
  });

  it('predicts rows with missing cells, an unseen level and columns in another order, and says what it filled in', () => {
    write(
      dir,
      'new.csv',
      [
        `Sex,Flipper Length (mm),Island,extra,Species,Beak Depth (mm),Beak Length (mm)`,
        'MALE,190,Biscoe,1,Adelie,18,NA',
        'MALE,200,Dream,2,Emperor,17,45',
        'FEMALE,,Biscoe,3,Gentoo,15,47',
      ].join('\n'),
    );
    const run = mdn(['predict', 'penguins.mdn.json', 'new.csv'], { cwd: dir });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'Species,Island,Beak Length (mm),Beak Depth (mm),Flipper Length (mm),Sex,mean,std,mode,q0.05,q0.5,q0.95',
    );
    expect(lines).toHaveLength(4);
    expect(lines[2]!.startsWith('Emperor,Dream,45,17,200,MALE,')).toBe(true);
    expect(lines[3]!.startsWith('Gentoo,Biscoe,47,15,,FEMALE,')).toBe(true);
    for (const line of lines.slice(1)) {
      const mean = Number(line.split(',')[6]);
      expect(mean).toBeGreaterThan(2500);
      expect(mean).toBeLessThan(6500);
    }
    expect(run.stderr).toContain(
      "missing input cells filled in as in training: 'Beak Length (mm)' 1, 'Flipper Length (mm)' 1",
    );
    expect(run.stderr).toContain("levels not seen in training, read as an unseen level: 'Species' 1 ('Emperor')");
    // A column the model reads is named when it is missing from the file.
    write(dir, 'short.csv', 'Species,Island\nAdelie,Dream\n');
    const short = mdn(['predict', 'penguins.mdn.json', 'short.csv'], { cwd: dir });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("no column named 'Beak Length (mm)'");
  });

  it('evaluates, diagnoses and samples the raw file, leaving rows without a target out', () => {
    const evaluated = mdn(['eval', 'penguins.mdn.json', 'penguins.csv'], { cwd: dir });
    expect(evaluated.code).toBe(0);
    expect(evaluated.stdout).toContain('penguins.csv: 342 rows scored');
    expect(evaluated.stderr).toContain('2 rows left out: the target is missing (lines 5, 341)');
    const diagnosed = mdn(['diagnose', 'penguins.mdn.json', 'penguins.csv'], { cwd: dir });
    expect([0, 3]).toContain(diagnosed.code);
    expect(diagnosed.stdout).toMatch(/NLL [\d.]+ nats\/row on 342 rows/);
    const sampled = mdn(['sample', 'penguins.mdn.json', 'penguins.csv', '-n', '2'], { cwd: dir });
    expect(sampled.code).toBe(0);
    expect(sampled.stdout.trim().split('\n')).toHaveLength(1 + 2 * 344);
  });

  it('mdn info shows how each column is read', () => {
    const run = mdn(['info', 'penguins.mdn.json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('format version 6');
    expect(run.stdout).toContain("'Species': categorical, 3 levels");
    // The two rows with no measurement at all were left out with their missing target: no numeric column had gaps.
    expect(run.stdout).toContain("'Beak Length (mm)': numeric\n");
    expect(run.stdout).toMatch(/input {2}Species=Adelie +mean +0\.0000 +scale +1\.0000/);
    const json = JSON.parse(mdn(['info', 'penguins.mdn.json', '--json'], { cwd: dir }).stdout);
    expect(json.inputSchema.columns.map((c: { kind: string }) => c.kind)).toEqual([
      'categorical',
      'categorical',
      'numeric',
      'numeric',
      'numeric',
      'categorical',
    ]);
  });

  it('--missing-target error, --numeric on a text column and a text target are refused, naming the cell', () => {
    const strict = mdn(['train', 'penguins.csv', '--y', TARGET, '--missing-target', 'error', '--out', 'm.mdn.json'], {
      cwd: dir,
    });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain("penguins.csv: line 5, column 'Body Mass (g)' is missing ('NA')");
    const numeric = mdn(['train', 'penguins.csv', '--y', TARGET, '--numeric', 'Species', '--out', 'm.mdn.json'], {
      cwd: dir,
    });
    expect(numeric.code).toBe(2);
    expect(numeric.stderr).toContain("penguins.csv: line 2, column 'Species' is 'Adelie', not a number");
    const textTarget = mdn(['train', 'penguins.csv', '--y', 'Island', '--out', 'm.mdn.json'], { cwd: dir });
    expect(textTarget.code).toBe(2);
    expect(textTarget.stderr).toContain("penguins.csv: line 2, column 'Island' is 'Torgersen', not a number");
    expect(existsSync(path.join(dir, 'm.mdn.json'))).toBe(false);
  });

  it('--categorical reads a numeric column as levels; --missing-values sets the missing texts', () => {
    const rows = ['rating,size,y'];
    for (let i = 0; i < 120; i++)
      rows.push(`${1 + (i % 3)},${i % 10 === 0 ? '-' : i % 7},${(i % 3) * 2 + (i % 7) / 10}`);
    write(dir, 'codes.csv', rows.join('\n'));
    const run = mdn(
      [
        'train',
        'codes.csv',
        '--y',
        'y',
        '--categorical',
        'rating',
        '--missing-values',
        '-,NA',
        '--epochs',
        '3',
        '--ensemble',
        '1',
        '--out',
        'codes.mdn.json',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("'rating': categorical, 3 levels ('1', '2', '3')");
    expect(run.stdout).toMatch(/'size': numeric; missing cells read as \d+ \(the median\), with a missing indicator/);
  });
});
