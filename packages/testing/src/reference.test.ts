import { describe, expect, it } from 'vitest';
import { referenceCdf, referenceErf, referencePhi, referenceQuantile, simpson } from './reference.js';

// The reference itself is checked against published constants, so a broken reference cannot pass silently.
describe('float64 reference', () => {
  it('matches tabulated erf and Φ values', () => {
    expect(referenceErf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(referenceErf(2)).toBeCloseTo(0.9953222650189527, 14);
    expect(referencePhi(-1.959963984540054)).toBeCloseTo(0.025, 14);
    expect(referencePhi(-5) / 2.866515718791939e-7).toBeCloseTo(1, 10);
    expect(referencePhi(-10) / 7.619853024160527e-24).toBeCloseTo(1, 8);
    expect(referencePhi(3.5)).toBeCloseTo(0.9997673709209645, 14);
  });
  it('integrates and inverts a known mixture', () => {
    const mixture = { logits: [0, Math.log(3)], means: [[-1], [2]], scales: [[0.5], [1.5]] };
    expect(simpson((x) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI), -10, 10)).toBeCloseTo(1, 12);
    expect(referenceCdf(mixture, 2)).toBeCloseTo(0.25 * referencePhi(6) + 0.75 * 0.5, 14);
    expect(referenceCdf(mixture, referenceQuantile(mixture, 0.3))).toBeCloseTo(0.3, 12);
  });
});
