import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mdn, temporaryDirectory, toyCsv, write } from './run-cli.js';

/** CSV rows as numbers (header dropped). */
const rows = (text: string) =>
  text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map(Number));

describe('targets with a large offset', () => {
  it('predict and eval on y = 1e8 + … match the same run on y, shifted back (float64 on the host)', () => {
    const dir = temporaryDirectory();
    const base = toyCsv(400, 21);
    const shifted = base
      .trim()
      .split('\n')
      .map((line, i) => {
        if (i === 0) return line;
        const [x, y] = line.split(',');
        return `${x},${(1e8 + Number(y)).toFixed(4)}`;
      })
      .join('\n');
    write(dir, 'base.csv', base);
    write(dir, 'shifted.csv', `${shifted}\n`);
    write(dir, 'new.csv', 'x\n0.5\n5\n9.5\n');
    const predictions: number[][][] = [];
    const evaluations: Record<string, number>[] = [];
    for (const name of ['base', 'shifted']) {
      const train = mdn(
        ['train', `${name}.csv`, '--y', 'y', '--out', `${name}.mdn.json`, '--epochs', '12', '--seed', '4', '--quiet'],
        {
          cwd: dir,
        },
      );
      expect(train.code, train.stderr).toBe(0);
      const predict = mdn(['predict', `${name}.mdn.json`, 'new.csv', '--quantiles', '0.05,0.5,0.95'], { cwd: dir });
      expect(predict.code, predict.stderr).toBe(0);
      expect(predict.stdout.split('\n')[0]).toBe('x,mean,std,mode,q0.05,q0.5,q0.95');
      predictions.push(rows(predict.stdout));
      const evaluation = mdn(['eval', `${name}.mdn.json`, `${name}.csv`, '--json'], { cwd: dir });
      expect(evaluation.code, evaluation.stderr).toBe(0);
      evaluations.push(JSON.parse(evaluation.stdout));
    }
    const [plain, offset] = predictions as [number[][], number[][]];
    for (const [r, row] of plain.entries()) {
      // mean, mode and the three quantiles move by exactly 1e8; the std does not move.
      for (const c of [1, 3, 4, 5, 6])
        expect(Math.abs(offset[r]![c]! - 1e8 - row[c]!), `row ${r} column ${c}`).toBeLessThan(0.01);
      expect(Math.abs(offset[r]![2]! - row[2]!)).toBeLessThan(0.01);
      // and they are not all the same number (the float32 answer was 100000000 for every column)
      expect(offset[r]![6]! - offset[r]![4]!).toBeGreaterThan(0.5);
    }
    expect(Math.abs(evaluations[1]!.coverage90! - evaluations[0]!.coverage90!)).toBeLessThan(0.01);
    expect(evaluations[1]!.coverage90!).toBeGreaterThan(0.8);
    expect(Math.abs(evaluations[1]!.nll! - evaluations[0]!.nll!)).toBeLessThan(0.01);
    expect(JSON.parse(readFileSync(path.join(dir, 'shifted.mdn.json'), 'utf8')).metadata.plan.epochs).toBe(12);
  });
});
