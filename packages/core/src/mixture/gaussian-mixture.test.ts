import { referenceLogProb, referenceMean, referenceVariance, referenceWeights } from '@mdn/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectClose,
  type MixtureSpec,
  mixtureSpec,
  referenceRow,
  roundToFloat32,
  toMixture,
} from './fixtures.test-util.js';
import { GaussianMixture, scalesFromRaw } from './gaussian-mixture.js';

const targetsFor = (spec: MixtureSpec, seed: number) =>
  spec.means.map((row, i) => row[0]!.map((_, d) => Math.fround(((i * 7 + d * 3 + seed) % 11) - 5 + 0.37 * d)));

describe('GaussianMixture (tensors)', () => {
  it('logProb matches the float64 reference (property)', () => {
    fc.assert(
      fc.property(mixtureSpec({ dimensions: [1, 3] }), fc.integer({ min: 0, max: 100 }), (raw, seed) => {
        const spec = roundToFloat32(raw);
        const y = targetsFor(spec, seed);
        const mixture = toMixture(spec);
        const yt = tf.tensor2d(y);
        const got = mixture.logProb(yt).arraySync();
        const nll = mixture.nll(yt).arraySync();
        let meanLogProb = 0;
        for (let i = 0; i < y.length; i++) {
          const expected = referenceLogProb(referenceRow(spec, i), y[i]!);
          expectClose(got[i]!, expected, 2e-6, 2e-5, `row ${i}`);
          meanLogProb += expected / y.length;
        }
        expectClose(nll, -meanLogProb, 2e-6, 2e-5, 'nll');
        mixture.dispose();
        yt.dispose();
      }),
      { numRuns: 60 },
    );
  });

  it('weighted nll is the weighted mean of −logProb', () => {
    const spec = {
      logits: [
        [0, 1],
        [1, 0],
      ],
      means: [
        [[0], [1]],
        [[2], [3]],
      ],
      scales: [
        [[1], [2]],
        [[0.5], [1]],
      ],
    };
    const mixture = toMixture(spec);
    const y = tf.tensor2d([[0.3], [2.5]]);
    const lp = mixture.logProb(y).arraySync();
    const weighted = mixture.nll(y, tf.tensor1d([1, 3])).arraySync();
    expect(weighted).toBeCloseTo(-(lp[0]! + 3 * lp[1]!) / 4, 5);
    mixture.dispose();
  });

  it('gradients of the NLL match central differences of the float64 reference', () => {
    fc.assert(
      fc.property(mixtureSpec({ rows: [1, 2], dimensions: [1, 2] }), (raw) => {
        const spec = roundToFloat32(raw);
        const y = targetsFor(spec, 3);
        const n = y.length;
        const refNll = (s: MixtureSpec) =>
          -y.reduce((acc, yi, i) => acc + referenceLogProb(referenceRow(s, i), yi), 0) / n;
        const grads = tf.grads((logits, means, scales) =>
          GaussianMixture.diagonal({
            logits: logits as tf.Tensor2D,
            means: means as tf.Tensor3D,
            scales: scales as tf.Tensor3D,
          }).nll(tf.tensor2d(y)),
        )([tf.tensor2d(spec.logits), tf.tensor3d(spec.means), tf.tensor3d(spec.scales)]);
        const [gLogits, gMeans, gScales] = grads.map((g) => g.arraySync()) as [number[][], number[][][], number[][][]];
        // float32 holds a log-density of size L to about L · 2⁻²⁴, and the gradients are exponentials of differences
        // of such numbers (responsibilities): far targets (|z| ~ 100, L ~ 5000) cost relative accuracy in proportion.
        const largest = Math.max(...y.map((yi, i) => Math.abs(referenceLogProb(referenceRow(spec, i), yi))));
        const relative = 1e-3 + 16 * 2 ** -24 * largest;
        const h = 1e-6;
        const bump = (edit: (s: MixtureSpec, delta: number) => void) => {
          const plus = structuredClone(spec);
          const minus = structuredClone(spec);
          edit(plus, h);
          edit(minus, -h);
          return (refNll(plus) - refNll(minus)) / (2 * h);
        };
        spec.logits.forEach((row, i) => {
          row.forEach((_, k) => {
            const fd = bump((s, dlt) => {
              s.logits[i]![k]! += dlt;
            });
            expectClose(gLogits[i]![k]!, fd, relative, 1e-4, `dlogit[${i},${k}]`);
            spec.means[i]![k]!.forEach((__, d) => {
              const fdMean = bump((s, dlt) => {
                s.means[i]![k]![d]! += dlt;
              });
              expectClose(gMeans[i]![k]![d]!, fdMean, relative, 1e-3, `dmean[${i},${k},${d}]`);
              const fdScale = bump((s, dlt) => {
                s.scales[i]![k]![d]! += dlt;
              });
              expectClose(gScales[i]![k]![d]!, fdScale, relative, 1e-3, `dscale[${i},${k},${d}]`);
            });
          });
        });
        tf.dispose(grads);
      }),
      {
        numRuns: 25,
        // Found by a CI run: targets 100 σ from every mean, where float32 keeps only ~0.1 % of the scale gradient.
        examples: [
          [
            {
              logits: [
                [0, 0],
                [0, 0],
              ],
              means: [
                [
                  [0, 0],
                  [0, 0],
                ],
                [
                  [0, 0],
                  [0, 0],
                ],
              ],
              scales: [
                [
                  [0.05, 0.05],
                  [0.05, 0.05],
                ],
                [
                  [0.05, 0.4735844880342484],
                  [0.05, 0.34555409848690033],
                ],
              ],
            },
          ],
        ],
      },
    );
  });

  it('mean, variance and covariance match the reference', () => {
    fc.assert(
      fc.property(mixtureSpec({ dimensions: [1, 3] }), (raw) => {
        const spec = roundToFloat32(raw);
        const mixture = toMixture(spec);
        const [mean, variance, covariance] = tf.tidy(() => [mixture.mean(), mixture.variance(), mixture.covariance()]);
        const m = mean!.arraySync() as number[][];
        const v = variance!.arraySync() as number[][];
        const c = covariance!.arraySync() as number[][][];
        spec.logits.forEach((_, i) => {
          const ref = referenceRow(spec, i);
          const rm = referenceMean(ref);
          const rv = referenceVariance(ref);
          const w = referenceWeights(ref.logits);
          rm.forEach((value, d) => {
            expectClose(m[i]![d]!, value, 1e-5, 1e-5, `mean ${i},${d}`);
            expectClose(v[i]![d]!, rv[d]!, 1e-4, 1e-4, `variance ${i},${d}`);
            expectClose(c[i]![d]![d]!, rv[d]!, 1e-4, 1e-4, `cov diag ${i},${d}`);
            rm.forEach((value2, e) => {
              if (e === d) return;
              const cross = w.reduce(
                (acc, wk, k) => acc + wk * (ref.means[k]![d]! - value) * (ref.means[k]![e]! - value2),
                0,
              );
              expectClose(c[i]![d]![e]!, cross, 1e-4, 1e-4, `cov ${i},${d},${e}`);
            });
          });
        });
        tf.dispose([mean!, variance!, covariance!]);
        mixture.dispose();
      }),
      { numRuns: 40 },
    );
  });

  it('marginal(d) keeps weights and slices dimension d', () => {
    const spec = {
      logits: [[0.2, -0.4]],
      means: [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ],
      scales: [
        [
          [0.1, 0.2, 0.3],
          [0.4, 0.5, 0.6],
        ],
      ],
    };
    const mixture = toMixture(spec);
    const marginal = mixture.marginal(1);
    expect(marginal.means.arraySync()).toEqual([[[2], [5]]]);
    expect(marginal.scales.arraySync()[0]![1]![0]).toBeCloseTo(0.5, 6);
    expect(marginal.logits.arraySync()[0]![1]).toBeCloseTo(-0.4, 6);
    expect(() => mixture.marginal(3)).toThrow(/dimension/);
    marginal.dispose();
    mixture.dispose();
  });

  it('stays finite for extreme inputs: |y − μ| = 1e4 σ, σ at the floor, logits ±80', () => {
    const floor = 1e-3;
    const sigma = scalesFromRaw(tf.tensor3d([[[-200], [-200]]]), floor);
    const mixture = GaussianMixture.diagonal({
      logits: tf.tensor2d([[80, -80]]),
      means: tf.tensor3d([[[0], [1]]]),
      scales: sigma,
    });
    const y = tf.tensor2d([[1e4 * floor]]);
    const lp = mixture.logProb(y).arraySync()[0]!;
    const s = Math.fround(floor);
    const expected = referenceLogProb({ logits: [80, -80], means: [[0], [1]], scales: [[s], [s]] }, [Math.fround(10)]);
    expect(Number.isFinite(lp)).toBe(true);
    expectClose(lp, expected, 1e-6, 0, 'extreme logProb');
    const grads = tf.grads((l, m, sc) =>
      GaussianMixture.diagonal({ logits: l as tf.Tensor2D, means: m as tf.Tensor3D, scales: sc as tf.Tensor3D }).nll(y),
    )([mixture.logits, mixture.means, mixture.scales]);
    for (const g of grads) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([...grads, y]);
    mixture.dispose();
  });

  it('scalesFromRaw never reaches zero in float32 (elu + 1 does)', () => {
    const raw = tf.tensor1d([-1e4, -100, -20, 0, 20, 1e4]);
    const sigma = scalesFromRaw(raw, 1e-3).dataSync();
    expect(Math.min(...sigma)).toBeCloseTo(1e-3, 8);
    expect(sigma[5]).toBeCloseTo(1e4, 0);
    expect(tf.add(tf.elu(raw), 1).dataSync()[0]).toBe(0);
    expect(() => scalesFromRaw(raw, 0)).toThrow(/floor/);
  });

  it('rejects mismatched shapes with a message naming them', () => {
    expect(() =>
      GaussianMixture.diagonal({ logits: tf.zeros([2, 3]), means: tf.zeros([2, 2, 1]), scales: tf.ones([2, 2, 1]) }),
    ).toThrow(/means shape \[2,2,1\] does not match logits shape \[2,3\]/);
    const mixture = toMixture({ logits: [[0]], means: [[[0]]], scales: [[[1]]] });
    expect(() => mixture.logProb(tf.zeros([1, 2]))).toThrow(/targets must be exactly \[1, 1\]/);
  });

  it("refuses the forum's mis-shaped target instead of broadcasting it to [B, B]", () => {
    // Four rows, one mixture each: a [4] target (or [1, 4]) would be scored against every row's mixture.
    const mixture = GaussianMixture.diagonal({
      logits: tf.zeros([4, 2]),
      means: tf.zeros([4, 2, 1]),
      scales: tf.ones([4, 2, 1]),
    });
    for (const shape of [[4], [1, 4], [4, 1, 1], [2, 1]]) {
      const y = tf.zeros(shape);
      expect(() => mixture.logProb(y as tf.Tensor2D)).toThrow(
        new RegExp(`targets must be exactly \\[4, 1\\] \\(one row per mixture\\), got shape \\[${shape.join(',')}\\]`),
      );
      expect(() => mixture.nll(y as tf.Tensor2D)).toThrow(/broadcast against every row/);
      y.dispose();
    }
    expect(tf.tidy(() => mixture.logProb(tf.zeros([4, 1]))).shape).toEqual([4]);
    mixture.dispose();
  });

  it('leaks no tensors', () => {
    const spec = {
      logits: [[0, 1]],
      means: [
        [
          [0, 1],
          [1, 0],
        ],
      ],
      scales: [
        [
          [1, 2],
          [0.5, 1],
        ],
      ],
    };
    const mixture = toMixture(spec);
    const y = tf.tensor2d([[0.5, 0.5]]);
    const before = tf.memory().numTensors;
    tf.dispose([mixture.logProb(y), mixture.nll(y), mixture.mean(), mixture.variance(), mixture.covariance()]);
    tf.dispose([mixture.weights(), mixture.logWeights(), mixture.responsibilities(y)]);
    mixture.marginal(0).dispose();
    mixture.toHostSync();
    expect(tf.memory().numTensors).toBe(before);
    mixture.dispose();
    y.dispose();
  });
});
