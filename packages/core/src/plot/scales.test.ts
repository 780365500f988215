import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { niceTicks, viridis } from './scales.js';

describe('viridis', () => {
  it('hits the stops and interpolates between them', () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(0.25)).toEqual([59, 82, 139]);
    expect(viridis(0.5)).toEqual([33, 145, 140]);
    expect(viridis(0.75)).toEqual([94, 201, 98]);
    expect(viridis(1)).toEqual([253, 231, 37]);
    // halfway between the last two stops: (94 + 253) / 2 = 173.5 → 174, (201 + 231) / 2 = 216, (98 + 37) / 2 = 67.5 → 68
    expect(viridis(0.875)).toEqual([174, 216, 68]);
    expect(viridis(0.125)).toEqual([64, 42, 112]);
  });

  it('clamps outside [0, 1] and maps NaN to the low end', () => {
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(7)).toEqual(viridis(1));
    expect(viridis(Number.POSITIVE_INFINITY)).toEqual(viridis(1));
    expect(viridis(Number.NaN)).toEqual(viridis(0));
  });

  it('gives integer channels in 0–255, brighter (green) as t grows', () => {
    let previousGreen = -1;
    for (let i = 0; i <= 100; i++) {
      const colour = viridis(i / 100);
      for (const channel of colour) {
        expect(Number.isInteger(channel)).toBe(true);
        expect(channel).toBeGreaterThanOrEqual(0);
        expect(channel).toBeLessThanOrEqual(255);
      }
      expect(colour[1]).toBeGreaterThanOrEqual(previousGreen);
      previousGreen = colour[1];
    }
  });
});

describe('niceTicks', () => {
  it('uses 1, 2 or 5 × 10^k steps', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 10, 6)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3.7, 12.2, 6)).toEqual([0, 5, 10]);
    expect(niceTicks(-3.7, 12.2, 5)).toEqual([0, 5, 10]);
    expect(niceTicks(0.013, 0.0171, 5)).toEqual([0.013, 0.014, 0.015, 0.016, 0.017]);
    expect(niceTicks(0.013, 0.0171, 4)).toEqual([0.014, 0.016]); // 0.0041 / 4 > 0.001, so the step is 0.002
    expect(niceTicks(-250, 250, 5)).toEqual([-200, -100, 0, 100, 200]);
    expect(niceTicks(1e6, 1e6 + 3, 3)).toEqual([1e6, 1e6 + 1, 1e6 + 2, 1e6 + 3]);
  });

  it('keeps ends that are ticks up to round-off, and rounds away float noise', () => {
    // 0.1 + 0.2 = 0.30000000000000004: the end 0.3 is still a tick, printed as 0.3
    expect(niceTicks(0, 0.1 + 0.2, 4)).toEqual([0, 0.1, 0.2, 0.3]);
    // (0.1 + 0.2) / 3 = 0.10000000000000002 still gets the step 0.1, and 2e-4 the step 2e-4 (10 ** -4 < 1e-4)
    expect(niceTicks(0, 0.1 + 0.2, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(-0.0002, 0, 1)).toEqual([-0.0002, 0]);
    expect(niceTicks(0, 2e-4, 2)).toEqual([0, 1e-4, 2e-4]);
    // 0.7 / 0.1 = 6.999999999999999 and 0.3 / 0.1 = 2.9999999999999996: both ends are still ticks
    expect(niceTicks(0.3, 0.7, 4)).toEqual([0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(niceTicks(0.30000000000000004, 0.7, 4)).toEqual([0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(niceTicks(-0.7, -0.1, 6)).toEqual([-0.7, -0.6, -0.5, -0.4, -0.3, -0.2, -0.1]);
  });

  it('treats a zero-width range as one unit wide, and gives nothing for bad input', () => {
    expect(niceTicks(0.4, 0.4, 5)).toEqual([0.4]);
    expect(niceTicks(0.5, 0.5, 5)).toEqual([]);
    expect(niceTicks(2, 1, 5)).toEqual([]);
    expect(niceTicks(0, Number.POSITIVE_INFINITY, 5)).toEqual([]);
    expect(niceTicks(Number.NaN, 1, 5)).toEqual([]);
    expect(niceTicks(0, 1, 0)).toEqual([]);
  });

  it('gives evenly spaced round ticks inside the range, about count of them', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 12 }),
        (lo, span, count) => {
          // ticks carry 12 significant digits: ranges narrower than ~1e-9 of their size are out of scope
          fc.pre(span >= 1e-6 * Math.max(1, Math.abs(lo)));
          const hi = lo + span;
          const ticks = niceTicks(lo, hi, count);
          const step = 10 ** Math.floor(Math.log10((hi - lo) / count) - 1e-12);
          // the ends are ticks up to 1e-9 of a step (≤ 10 (hi − lo) / count), plus 12-digit rounding
          const slack = 1e-8 * (hi - lo) + 1e-11 * Math.max(Math.abs(lo), Math.abs(hi));
          // The step is below 2.5 (hi − lo) / count, so from count = 3 it is below the width: at least one tick.
          // At most 2.5 × count + 1 ticks (a step of 2 or 5 over a range just above it).
          if (count >= 3) expect(ticks.length).toBeGreaterThanOrEqual(1);
          expect(ticks.length).toBeLessThanOrEqual(Math.ceil(2.5 * count) + 1);
          for (const t of ticks) {
            expect(t).toBeGreaterThanOrEqual(lo - slack);
            expect(t).toBeLessThanOrEqual(hi + slack);
          }
          if (ticks.length > 1) {
            const gap = ticks[1]! - ticks[0]!;
            const mantissa = Number((gap / 10 ** Math.floor(Math.log10(gap) + 1e-12)).toPrecision(6));
            expect([1, 2, 5, 10]).toContain(mantissa);
            expect(gap).toBeGreaterThanOrEqual(step * (1 - 1e-9));
            for (let i = 2; i < ticks.length; i++) {
              expect(Math.abs(ticks[i]! - ticks[i - 1]! - gap)).toBeLessThanOrEqual(
                1e-9 * gap + 1e-9 * Math.abs(ticks[i]!),
              );
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
