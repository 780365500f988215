import { referencePhi } from '@mdn/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../mixture/fixtures.test-util.js';
import { normalCdf, normalPdf, normalQuantile } from './normal.js';

describe('standard normal', () => {
  it('Φ matches the series/continued-fraction reference (1e-11 relative, 1e-15 absolute)', () => {
    fc.assert(
      fc.property(fc.double({ min: -37, max: 37, noNaN: true }), (z) => {
        const expected = referencePhi(z);
        // relative accuracy in the lower tail, absolute near 1
        expectClose(normalCdf(z), expected, 1e-11, 1e-15, `Φ(${z})`);
      }),
      { numRuns: 3000 },
    );
  });
  it('Φ⁻¹ inverts Φ, including the far tails', () => {
    fc.assert(
      fc.property(fc.double({ min: -37, max: 8, noNaN: true }), (z) => {
        const p = normalCdf(z);
        // p itself carries a rounding error of about ε·p, which moves z by ε·p/φ(z).
        const tolerance = 1e-11 * (1 + Math.abs(z)) + (4 * Number.EPSILON * p) / normalPdf(z);
        expectClose(normalQuantile(p), z, 0, tolerance, `Φ⁻¹(Φ(${z}))`);
      }),
      { numRuns: 3000 },
    );
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(1.5)).toBeNaN();
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
  });
});
