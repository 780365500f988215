import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../mixture/fixtures.test-util.js';
import { columnMoments, inverseSoftplus, logNormalPdf, logSumExp, softplus } from './host-math.js';

/** log Σ exp(v) straight from the definition: fine while no exp overflows or every exp underflows. */
const directLogSumExp = (values: readonly number[]) => Math.log(values.reduce((total, v) => total + Math.exp(v), 0));

describe('logSumExp', () => {
  it('matches the direct formula where that is safe', () => {
    expectClose(logSumExp([1, 2, 3]), Math.log(Math.E + Math.E ** 2 + Math.E ** 3), 1e-15, 0, '[1, 2, 3]');
    fc.assert(
      fc.property(fc.array(fc.double({ min: -40, max: 40, noNaN: true }), { minLength: 1, maxLength: 12 }), (v) => {
        expectClose(logSumExp(v), directLogSumExp(v), 1e-14, 1e-14, `logSumExp(${v})`);
      }),
      { numRuns: 500 },
    );
  });

  it('neither underflows nor overflows', () => {
    // exp(−1e4) and exp(1e3) are 0 and ∞ in float64; the answers are c + log 2.
    expectClose(logSumExp([-1e4, -1e4]), -1e4 + Math.LN2, 1e-16, 0, '[-1e4, -1e4]');
    expectClose(logSumExp([1e3, 1e3]), 1e3 + Math.LN2, 1e-16, 0, '[1e3, 1e3]');
    expectClose(logSumExp([-1e4, -1e4 - Math.LN2]), -1e4 + Math.log(1.5), 1e-16, 0, 'unequal');
    expect(logSumExp([0, -800])).toBe(0);
    expectClose(logSumExp(new Float64Array(1000).fill(-5e3)), -5e3 + Math.log(1000), 1e-15, 0, '1000 × −5e3');
  });

  it('is shift-equivariant: logSumExp(v + c) = logSumExp(v) + c', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: -1e5, max: 1e5, noNaN: true }),
        (v, c) => {
          expectClose(logSumExp(v.map((x) => x + c)), directLogSumExp(v) + c, 1e-14, 1e-9, `shift ${c}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles −∞, +∞, NaN and no values', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(logSumExp([-inf, -inf, -inf])).toBe(-inf);
    expect(logSumExp([])).toBe(-inf);
    expect(logSumExp([-inf, 0, -inf])).toBe(0);
    expectClose(logSumExp([-inf, 2, 2]), 2 + Math.LN2, 1e-16, 0, '[-∞, 2, 2]');
    expect(logSumExp([1, inf, 3])).toBe(inf);
    expect(logSumExp([-inf, inf])).toBe(inf);
    expect(logSumExp([1, Number.NaN, 3])).toBeNaN();
    expect(logSumExp([-inf, Number.NaN])).toBeNaN();
    expect(logSumExp([inf, Number.NaN])).toBeNaN();
  });

  it('reads rows, columns and other strided slices without copying', () => {
    // 3 × 4 row-major
    const m = [0, 1, 2, 3, -1, 5, -7, 0.5, 10, -10, 4, 4];
    const row = (i: number) => m.slice(i * 4, i * 4 + 4);
    const column = (j: number) => [m[j]!, m[4 + j]!, m[8 + j]!];
    for (let i = 0; i < 3; i++) expect(logSumExp(m, i * 4, 4)).toBe(logSumExp(row(i)));
    for (let j = 0; j < 4; j++) {
      expect(logSumExp(m, j, 3, 4)).toBe(logSumExp(column(j)));
      // the default count runs to the end at the stride
      expect(logSumExp(m, j, undefined, 4)).toBe(logSumExp(column(j)));
      expectClose(logSumExp(m, j, 3, 4), directLogSumExp(column(j)), 1e-15, 0, `column ${j}`);
    }
    expect(logSumExp(m, 5)).toBe(logSumExp(m.slice(5)));
    expect(logSumExp(m, 2, 0)).toBe(Number.NEGATIVE_INFINITY);
    expectClose(logSumExp(new Float32Array([0.5, 0.25])), directLogSumExp([0.5, 0.25]), 1e-15, 0, 'float32');
  });
});

describe('logNormalPdf', () => {
  it('matches the density, written out, where the density is representable', () => {
    expect(logNormalPdf(0, 0, 1)).toBeCloseTo(-0.9189385332046727, 15);
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (y, mean, sd) => {
          const density = Math.exp(-((y - mean) ** 2) / (2 * sd * sd)) / Math.sqrt(2 * Math.PI * sd * sd);
          fc.pre(density > 1e-280);
          expectClose(logNormalPdf(y, mean, sd), Math.log(density), 1e-12, 1e-12, `N(${y}; ${mean}, ${sd})`);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('stays exact far in the tails, where the density underflows', () => {
    expectClose(logNormalPdf(1e3, 0, 1), -5e5 - 0.5 * Math.log(2 * Math.PI), 1e-16, 0, 'z = 1000');
    expectClose(
      logNormalPdf(-3, 7, 1e-4),
      -0.5 * 1e5 ** 2 - 0.5 * Math.log(2 * Math.PI) - Math.log(1e-4),
      1e-15,
      0,
      'z = −1e5',
    );
  });

  it('changes by −log a when y, mean and sd are scaled by a', () => {
    expectClose(logNormalPdf(3e6, 1e6, 4e6), logNormalPdf(3, 1, 4) - Math.log(1e6), 1e-14, 0, 'scale 1e6');
    expect(logNormalPdf(1, 1, 0)).toBeNaN(); // 0/0
  });
});

describe('softplus and inverseSoftplus', () => {
  it('softplus matches log1p(exp(x)) and is exact at ±50 and beyond', () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 30, noNaN: true }), (x) => {
        expectClose(softplus(x), Math.log1p(Math.exp(x)), 1e-15, 0, `softplus(${x})`);
      }),
      { numRuns: 1000 },
    );
    expect(softplus(0)).toBe(Math.LN2);
    expect(softplus(50)).toBe(50);
    expectClose(softplus(-50), Math.exp(-50), 1e-15, 0, 'softplus(−50)');
    expect(softplus(-50)).toBeGreaterThan(0);
    expect(softplus(1e3)).toBe(1e3); // log(1 + e¹⁰⁰⁰) would overflow to ∞
    expect(softplus(800)).toBe(800);
    expectClose(softplus(-740), Math.exp(-740), 1e-6, 0, 'subnormal');
    expect(softplus(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(softplus(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(softplus(Number.NaN)).toBeNaN();
  });

  it('inverseSoftplus(softplus(x)) ≈ x from −700 to 700', () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 700, noNaN: true }), (x) => {
        expectClose(inverseSoftplus(softplus(x)), x, 1e-14, 1e-14, `x = ${x}`);
      }),
      { numRuns: 2000 },
    );
    // Just above the switch at 20, softplus(x) − x ≈ e⁻ˣ ≈ 1e-9 must still be taken off.
    for (const x of [19.5, 20, 20.5, 21, 25, 30, 36, 40, 100, 709, 1e4]) {
      expectClose(inverseSoftplus(softplus(x)), x, 0, 4 * Number.EPSILON * x, `x = ${x}`);
    }
    expectClose(softplus(inverseSoftplus(1e-3)), 1e-3, 1e-14, 0, 'softplus(inverseSoftplus(1e-3))');
  });

  it('inverseSoftplus matches log(eᵛ − 1) and its limits', () => {
    expectClose(inverseSoftplus(1), Math.log(Math.E - 1), 1e-15, 0, 'v = 1');
    expectClose(inverseSoftplus(5), Math.log(Math.exp(5) - 1), 1e-15, 0, 'v = 5');
    expectClose(inverseSoftplus(21), 21 + Math.log(1 - Math.exp(-21)), 0, 1e-14, 'v = 21');
    expect(Math.abs(inverseSoftplus(Math.LN2))).toBeLessThan(1e-15);
    expectClose(inverseSoftplus(1e-300), Math.log(1e-300), 1e-15, 0, 'v = 1e-300'); // eᵛ − 1 ≈ v
    expect(inverseSoftplus(1e3)).toBe(1e3);
    expect(inverseSoftplus(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(inverseSoftplus(-1)).toBeNaN();
  });
});

describe('columnMoments', () => {
  /** Welford's one-pass update: a different algorithm from the two-pass one under test. */
  function welford(values: readonly number[]) {
    let mean = 0;
    let m2 = 0;
    values.forEach((v, i) => {
      const delta = v - mean;
      mean += delta / (i + 1);
      m2 += delta * (v - mean);
    });
    return { mean, sd: Math.sqrt(m2 / values.length) };
  }

  it('gives each column its own mean and population sd', () => {
    // columns: 1..4, constant 7, and 10 × (1..4) − 3
    const data = Float64Array.from([1, 7, 7, 2, 7, 17, 3, 7, 27, 4, 7, 37]);
    const { mean, sd } = columnMoments({ data, rows: 4, columns: 3 });
    expect(Array.from(mean)).toEqual([2.5, 7, 22]);
    expectClose(sd[0]!, Math.sqrt(1.25), 1e-15, 0, 'sd 0');
    expect(sd[1]).toBe(0);
    expectClose(sd[2]!, 10 * Math.sqrt(1.25), 1e-15, 0, 'sd 2');
  });

  it('agrees with Welford on random matrices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 4, maxLength: 60 }),
        (columns, values) => {
          const rows = Math.floor(values.length / columns);
          const data = Float64Array.from(values.slice(0, rows * columns));
          const moments = columnMoments({ data, rows, columns });
          for (let c = 0; c < columns; c++) {
            const expected = welford(Array.from({ length: rows }, (_, r) => data[r * columns + c]!));
            expectClose(moments.mean[c]!, expected.mean, 1e-12, 1e-12, `mean ${c}`);
            expectClose(moments.sd[c]!, expected.sd, 1e-10, 1e-10, `sd ${c}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps its accuracy with a large offset (where Σv²/N − mean² fails)', () => {
    const data = Float64Array.from({ length: 1000 }, (_, i) => 1e9 + (i % 2 === 0 ? -1 : 1));
    const { mean, sd } = columnMoments({ data, rows: 1000, columns: 1 });
    expect(mean[0]).toBe(1e9);
    expectClose(sd[0]!, 1, 1e-12, 0, 'sd with offset 1e9');
  });

  it('reads float32 matrices in float64, and gives NaN without rows', () => {
    const data = Float32Array.from([0.1, 0.2, 0.3]);
    const { mean } = columnMoments({ data, rows: 3, columns: 1 });
    expect(mean[0]).toBe((data[0]! + data[1]! + data[2]!) / 3);
    const empty = columnMoments({ data: new Float64Array(0), rows: 0, columns: 2 });
    expect(empty.mean.length).toBe(2);
    expect(empty.mean[0]).toBeNaN();
    expect(empty.sd[1]).toBeNaN();
  });
});
