import { describe, expect, it } from 'vitest';
import { readTableBlocks, readTableSample } from '../src/io/table.js';
import { temporaryDirectory, write } from './run-cli.js';

describe('readTableSample (diagnose and plot read at most a bounded sample of a file)', () => {
  const dir = temporaryDirectory();
  const rows = 5000;
  const file = write(dir, 'rows.csv', `i,v\n${Array.from({ length: rows }, (_, i) => `${i},${i * 2}`).join('\n')}\n`);

  it('keeps every row of a file no longer than the limit, in order, with their lines', async () => {
    const { table, totalRows } = await readTableSample(file, rows);
    expect(totalRows).toBe(rows);
    expect(table.rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: rows }, (_, i) => i));
    expect(table.lines[0]).toBe(2);
    expect(table.header).toEqual(['i', 'v']);
  });

  it('a longer file gives a uniform sample of the limit, in file order, the same every run', async () => {
    const { table, totalRows } = await readTableSample(file, 500);
    expect(totalRows).toBe(rows);
    expect(table.rows).toHaveLength(500);
    const kept = table.rows.map((r) => Number(r[0]));
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(new Set(kept).size).toBe(500);
    // Each row's line is its own (data row i is on line i + 2).
    for (const [j, i] of kept.entries()) expect(table.lines[j]).toBe(i + 2);
    // Uniform: about a tenth of each fifth of the file (binomial sd ≈ 9; allow 5 sd).
    for (let part = 0; part < 5; part++) {
      const count = kept.filter((i) => i >= part * 1000 && i < (part + 1) * 1000).length;
      expect(Math.abs(count - 100)).toBeLessThan(45);
    }
    expect((await readTableSample(file, 500)).table.rows).toEqual(table.rows);
    expect((await readTableSample(file, 500, 7)).table.rows).not.toEqual(table.rows);
  });

  it('still reads and checks every row: a bad row after the sample is full is reported with its line', async () => {
    const bad = write(dir, 'bad.csv', `a,b\n${'1,2\n'.repeat(50)}1,2,3\n`);
    await expect(readTableSample(bad, 10)).rejects.toThrow(/line 52/);
    // Blocks of exactly the size asked for (the last one fewer).
    expect([...readTableBlocks(file, 1000)].map((block) => block.rows.length)).toEqual([
      1000, 1000, 1000, 1000, 1000, 0,
    ]);
  });
});
