import { referenceCdf, referenceCrps } from '@mdn/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectClose,
  type MixtureSpec,
  mixtureSpec,
  referenceRow,
  roundToFloat32,
  standardNormalRows,
  toMixture,
} from './fixtures.test-util.js';
import { HostMixture } from './host-mixture.js';
import { calibrationError, crps, energyScore, intervalSummary, pit } from './scores.js';

function hostOf(spec: MixtureSpec): HostMixture {
  const mixture = toMixture(spec);
  const host = mixture.toHostSync();
  mixture.dispose();
  return host;
}

describe('scores', () => {
  it('closed-form CRPS matches quadrature of ∫(F − 1{z ≥ y})²', () => {
    fc.assert(
      fc.property(
        mixtureSpec({ rows: [1, 2], components: [1, 4] }),
        fc.double({ min: -8, max: 8, noNaN: true }),
        (raw, y) => {
          const spec = roundToFloat32(raw);
          const host = hostOf(spec);
          const ys = spec.logits.map(() => y);
          const got = crps(host, ys);
          for (let i = 0; i < spec.logits.length; i++) {
            expectClose(got[i]!, referenceCrps(referenceRow(spec, i), y), 1e-7, 1e-9, `crps row ${i}`);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('CRPS of one Gaussian has the known closed form σ[z(2Φ(z)−1) + 2φ(z) − 1/√π]', () => {
    const host = new HostMixture({
      rows: 1,
      components: 1,
      dimensions: 1,
      logWeights: new Float64Array([0]),
      means: new Float64Array([1]),
      scales: new Float64Array([2]),
    });
    const z = (0.3 - 1) / 2;
    const phi = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    const expected =
      2 *
      (z * (2 * referenceCdf({ logits: [0], means: [[0]], scales: [[1]] }, z) - 1) + 2 * phi - 1 / Math.sqrt(Math.PI));
    expect(crps(host, [0.3])[0]).toBeCloseTo(expected, 12);
  });

  it('PIT equals the CDF, marginal per dimension for D > 1', () => {
    const host = hostOf({
      logits: [[0, 1]],
      means: [
        [
          [0, 5],
          [2, -5],
        ],
      ],
      scales: [
        [
          [1, 1],
          [0.5, 2],
        ],
      ],
    });
    const u = pit(host, [1, 0]);
    expect(u[0]).toBeCloseTo(host.marginal(0).cdfAt(0, 1), 14);
    expect(u[1]).toBeCloseTo(host.marginal(1).cdfAt(0, 0), 14);
    expect(() => pit(host, [1])).toThrow(/targets must hold 2 values/);
  });

  it('PIT values of data drawn from the mixture are uniform; a too-narrow model is flagged', () => {
    const spec = roundToFloat32({
      logits: Array.from({ length: 4000 }, () => [0, 0.5]),
      means: Array.from({ length: 4000 }, (_, i) => [[i % 7], [3 - (i % 5)]]),
      scales: Array.from({ length: 4000 }, () => [[1], [0.3]]),
    });
    const host = hostOf(spec);
    const draws = host.sample(1, { seed: 11 });
    const u = pit(host, draws);
    expect(calibrationError(u)).toBeLessThan(0.015);
    const narrow = new HostMixture({
      rows: host.rows,
      components: host.components,
      dimensions: 1,
      logWeights: host.logWeights,
      means: host.means,
      scales: host.scales.map((s) => s / 3),
    });
    expect(calibrationError(pit(narrow, draws))).toBeGreaterThan(0.05);
    expect(calibrationError([0.5, 0.5, 0.5, 0.5])).toBeCloseTo(0.2525, 3);
  });

  it('interval summary: coverage near the level for well-specified data, and the interval score formula', () => {
    const rows = 5000;
    const host = standardNormalRows(rows);
    const y = host.sample(1, { seed: 2 });
    const summary = intervalSummary(host, y, 0.9);
    expect(Math.abs(summary.coverage - 0.9)).toBeLessThan(0.015);
    expect(summary.meanWidth).toBeCloseTo(2 * 1.6448536269514722, 9);
    const one = standardNormalRows(1);
    const outside = intervalSummary(one, [3], 0.9);
    expect(outside.coverage).toBe(0);
    expect(outside.intervalScore).toBeCloseTo(2 * 1.6448536269514722 + (2 / 0.1) * (3 - 1.6448536269514722), 9);
  });

  it('energy score approximates CRPS for D = 1 and is lower for the true distribution in D = 2', () => {
    const spec = roundToFloat32({ logits: [[0, 0.7]], means: [[[-1], [2]]], scales: [[[0.5], [1]]] });
    const host = hostOf(spec);
    const es = energyScore(host, [0.4], { samples: 2000, seed: 1 })[0]!;
    expectClose(es, crps(host, [0.4])[0]!, 0.03, 0, 'energy score vs crps');
    const truth = hostOf({ logits: [[0]], means: [[[0, 0]]], scales: [[[1, 1]]] });
    const wrong = hostOf({ logits: [[0]], means: [[[2, -2]]], scales: [[[1, 1]]] });
    const draws = truth.sample(400, { seed: 9 });
    let better = 0;
    for (let j = 0; j < 400; j++) {
      const y = [draws[2 * j]!, draws[2 * j + 1]!];
      if (energyScore(truth, y, { samples: 100, seed: j })[0]! < energyScore(wrong, y, { samples: 100, seed: j })[0]!)
        better++;
    }
    expect(better / 400).toBeGreaterThan(0.8);
    expect(() => energyScore(truth, [0, 0], { samples: 1 })).toThrow(/at least 2 samples/);
  });

  it('D = 1 scores refuse multivariate mixtures with advice', () => {
    const host = hostOf({ logits: [[0]], means: [[[0, 1]]], scales: [[[1, 1]]] });
    expect(() => crps(host, [0, 1])).toThrow(/energyScore/);
  });
});
