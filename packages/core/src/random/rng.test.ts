import { describe, expect, it } from 'vitest';
import { createRandom } from './rng.js';

describe('createRandom', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xs);
  });
  it('gives uniform and normal draws with the right moments', () => {
    const random = createRandom(7);
    const n = 200_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = random.uniform();
      su += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
      const z = random.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sn / n)).toBeLessThan(0.01);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.015);
  });
  it('rejects non-finite seeds', () => {
    expect(() => createRandom(Number.NaN)).toThrow(/seed/);
  });
});
