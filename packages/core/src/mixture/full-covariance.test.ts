import {
  type ReferenceFullMixture,
  referenceCondition,
  referenceCovarianceFromFactor,
  referenceFullLogProb,
} from '@mdn/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Standardiser } from '../data/standardiser.js';
import { covarianceFromFactor, factorCount, factorFromCovariance } from '../math/precision-factor.js';
import { createRandom } from '../random/rng.js';
import { GaussianMixture } from './gaussian-mixture.js';
import { HostMixture } from './host-mixture.js';

const float = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** Random full-covariance host mixtures: N rows, K components, D dimensions. */
function fullMixture(n: number, k: number, d: number) {
  const p = factorCount(d);
  return fc.record({
    logWeights: fc.array(float(-2, 2), { minLength: n * k, maxLength: n * k }),
    means: fc.array(float(-3, 3), { minLength: n * k * d, maxLength: n * k * d }),
    scales: fc.array(float(0.2, 2), { minLength: n * k * d, maxLength: n * k * d }),
    factors: fc.array(float(-1.5, 1.5), { minLength: n * k * p, maxLength: n * k * p }),
  });
}

function host(
  spec: { logWeights: number[]; means: number[]; scales: number[]; factors?: number[] | undefined },
  n: number,
  k: number,
  d: number,
) {
  return new HostMixture({
    rows: n,
    components: k,
    dimensions: d,
    logWeights: Float64Array.from(spec.logWeights),
    means: Float64Array.from(spec.means),
    scales: Float64Array.from(spec.scales),
    factors: spec.factors === undefined ? undefined : Float64Array.from(spec.factors),
  });
}

/** Row `row` of a host mixture as the reference's plain object (covariances built by the reference itself). */
function referenceRow(mixture: HostMixture, row: number): ReferenceFullMixture {
  const { components: k, dimensions: d } = mixture;
  const p = factorCount(d);
  const logits: number[] = [];
  const means: number[][] = [];
  const covariances: number[][][] = [];
  for (let j = 0; j < k; j++) {
    const r = row * k + j;
    logits.push(mixture.logWeights[r]!);
    means.push(Array.from(mixture.means.subarray(r * d, (r + 1) * d)));
    const scales = Array.from(mixture.scales.subarray(r * d, (r + 1) * d));
    if (mixture.factors === undefined) {
      covariances.push(scales.map((s, a) => scales.map((_, b) => (a === b ? s * s : 0))));
    } else {
      covariances.push(referenceCovarianceFromFactor(scales, Array.from(mixture.factors.subarray(r * p, (r + 1) * p))));
    }
  }
  return { logits, means, covariances };
}

const close = (actual: number, expected: number, tolerance: number, label = '') => {
  if (!(Math.abs(actual - expected) <= tolerance * (1 + Math.abs(expected)))) {
    throw new Error(`${label}: expected ${expected}, got ${actual}`);
  }
};

describe('precision factor (float64 host maths)', () => {
  it('covarianceFromFactor matches the reference (explicit (AᵀA)⁻¹) and factorFromCovariance inverts it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((d) =>
          fc.record({
            d: fc.constant(d),
            scales: fc.array(float(0.1, 3), { minLength: d, maxLength: d }),
            factors: fc.array(float(-2, 2), { minLength: factorCount(d), maxLength: factorCount(d) }),
          }),
        ),
        ({ d, scales, factors }) => {
          const covariance = covarianceFromFactor(scales, 0, factors, 0, d, new Float64Array(d * d));
          const expected = referenceCovarianceFromFactor(scales, factors);
          for (let a = 0; a < d; a++)
            for (let b = 0; b < d; b++) close(covariance[a * d + b]!, expected[a]![b]!, 1e-9, 'Σ');
          const s = new Float64Array(d);
          const l = new Float64Array(factorCount(d));
          expect(factorFromCovariance(covariance, d, s, 0, l, 0)).toBe(true);
          for (const [i, v] of scales.entries()) close(s[i]!, v, 1e-9, 'σ');
          for (const [i, v] of factors.entries()) close(l[i]!, v, 1e-8, 'L');
        },
      ),
      { numRuns: 100, seed: 3 },
    );
  });

  it('refuses a covariance that is not positive definite', () => {
    const s = new Float64Array(2);
    const l = new Float64Array(1);
    expect(factorFromCovariance([1, 2, 2, 1], 2, s, 0, l, 0)).toBe(false);
  });
});

describe('HostMixture, full covariance', () => {
  it('logProbAt, covariance and marginals match the float64 reference', () => {
    fc.assert(
      fc.property(fullMixture(2, 3, 3), float(-4, 4), float(-4, 4), float(-4, 4), (spec, y0, y1, y2) => {
        const mixture = host(spec, 2, 3, 3);
        expect(mixture.family).toBe('full');
        const covariance = mixture.covariance();
        const mean = mixture.mean();
        for (let row = 0; row < 2; row++) {
          const reference = referenceRow(mixture, row);
          close(mixture.logProbAt(row, [y0, y1, y2]), referenceFullLogProb(reference, [y0, y1, y2]), 1e-10, 'logProb');
          // Mixture covariance from the reference's component covariances.
          const w = reference.logits.map(Math.exp);
          for (let a = 0; a < 3; a++) {
            for (let b = 0; b < 3; b++) {
              let expected = 0;
              for (let j = 0; j < 3; j++) {
                const m = reference.means[j]!;
                expected +=
                  w[j]! *
                  (reference.covariances[j]![a]![b]! + (m[a]! - mean[row * 3 + a]!) * (m[b]! - mean[row * 3 + b]!));
              }
              close(covariance[row * 9 + a * 3 + b]!, expected, 1e-9, 'covariance');
            }
          }
          // The marginal over dimensions [2, 0] is the reference restricted to them.
          const marginal = mixture.marginal([2, 0]);
          const restricted: ReferenceFullMixture = {
            logits: reference.logits,
            means: reference.means.map((m) => [m[2]!, m[0]!]),
            covariances: reference.covariances.map((c) => [
              [c[2]![2]!, c[2]![0]!],
              [c[0]![2]!, c[0]![0]!],
            ]),
          };
          close(marginal.logProbAt(row, [y2, y0]), referenceFullLogProb(restricted, [y2, y0]), 1e-9, 'marginal');
          const one = mixture.marginal(1);
          expect(one.family).toBe('diagonal');
          const single: ReferenceFullMixture = {
            logits: reference.logits,
            means: reference.means.map((m) => [m[1]!]),
            covariances: reference.covariances.map((c) => [[c[1]![1]!]]),
          };
          close(one.logProbAt(row, [y1]), referenceFullLogProb(single, [y1]), 1e-9, 'marginal(1)');
        }
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it('condition() matches the reference Schur complement, for both families, with per-row values', () => {
    fc.assert(
      fc.property(
        fullMixture(2, 3, 4),
        fc.boolean(),
        fc.array(float(-3, 3), { minLength: 6, maxLength: 6 }),
        (spec, diagonal, values) => {
          const mixture = host(diagonal ? { ...spec, factors: undefined } : spec, 2, 3, 4);
          // Dimensions 3 and 1 observed: one value for every row for 3, one per row for 1.
          const conditioned = mixture.condition({ 3: values[0]!, 1: [values[1]!, values[2]!] });
          expect(conditioned.dimensions).toBe(2);
          expect(conditioned.family).toBe(diagonal ? 'diagonal' : 'full');
          for (let row = 0; row < 2; row++) {
            const expected = referenceCondition(referenceRow(mixture, row), { 3: values[0]!, 1: values[1 + row]! });
            const y = [values[3]!, values[4]!];
            close(conditioned.logProbAt(row, y), referenceFullLogProb(expected, y), 1e-8, 'conditional logProb');
          }
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });

  it('condition() agrees with rejection sampling from the joint', () => {
    // One row, two correlated components in 2-D; keep joint draws with y0 within ±0.01 of 0.7.
    const mixture = host(
      {
        logWeights: [Math.log(0.3), Math.log(0.7)],
        means: [0, 0, 1, -1],
        scales: [0.5, 1, 0.4, 0.8],
        factors: [-0.9, 0.6],
      },
      1,
      2,
      2,
    );
    const draws = mixture.sample(400_000, { seed: 9 });
    const kept: number[] = [];
    for (let s = 0; s < 400_000; s++) if (Math.abs(draws[2 * s]! - 0.7) < 0.01) kept.push(draws[2 * s + 1]!);
    expect(kept.length).toBeGreaterThan(1500);
    const conditioned = mixture.condition({ 0: 0.7 });
    const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
    const variance = kept.reduce((a, b) => a + (b - mean) ** 2, 0) / (kept.length - 1);
    const expectedMean = conditioned.mean()[0]!;
    const expectedVariance = conditioned.variance()[0]!;
    // Within 4 standard errors (and the ±0.01 window's bias, far below them).
    expect(Math.abs(mean - expectedMean)).toBeLessThan(4 * Math.sqrt(expectedVariance / kept.length));
    expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(4 * Math.sqrt(2 / kept.length) + 0.01);
    // And the conditional's quartiles against the empirical ones.
    kept.sort((a, b) => a - b);
    const [q1, q3] = conditioned.quantile([0.25, 0.75]);
    expect(Math.abs(kept[Math.floor(kept.length / 4)]! - q1!)).toBeLessThan(0.08);
    expect(Math.abs(kept[Math.floor((3 * kept.length) / 4)]! - q3!)).toBeLessThan(0.08);
  });

  it('sample() draws have the mixture covariance; temperature 0 returns the heaviest mean', () => {
    const mixture = host(
      {
        logWeights: [0, -1],
        means: [1, 2, 3, -2, 0, 1],
        scales: [0.5, 1, 0.3, 1, 1, 1],
        factors: [0.8, -0.4, 1.2, 0, 0, 0],
      },
      1,
      2,
      3,
    );
    const n = 200_000;
    const draws = mixture.sample(n, { seed: 1 });
    const mean = mixture.mean();
    const covariance = mixture.covariance();
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let total = 0;
        for (let s = 0; s < n; s++) total += (draws[s * 3 + a]! - mean[a]!) * (draws[s * 3 + b]! - mean[b]!);
        const scale = Math.sqrt(covariance[a * 4]! * covariance[b * 4]!);
        expect(Math.abs(total / n - covariance[a * 3 + b]!) / scale).toBeLessThan(0.02);
      }
    }
    expect(Array.from(mixture.sample(1, { temperature: 0 }))).toEqual([1, 2, 3]);
  });

  it('mode() of a correlated mixture is a stationary point at least as high as every component mean', () => {
    const mixture = host(
      { logWeights: [0, 0.2], means: [0, 0, 1.5, 1], scales: [0.6, 1, 0.5, 0.7], factors: [-0.8, 0.5] },
      1,
      2,
      2,
    );
    const mode = mixture.mode();
    const at = (x: number, y: number) => mixture.logProbAt(0, [x, y]);
    const best = at(mode[0]!, mode[1]!);
    expect(best).toBeGreaterThanOrEqual(at(0, 0));
    expect(best).toBeGreaterThanOrEqual(at(1.5, 1));
    const h = 1e-5;
    expect(Math.abs((at(mode[0]! + h, mode[1]!) - at(mode[0]! - h, mode[1]!)) / (2 * h))).toBeLessThan(1e-5);
    expect(Math.abs((at(mode[0]!, mode[1]! + h) - at(mode[0]!, mode[1]! - h)) / (2 * h))).toBeLessThan(1e-5);
    // One component: the mode is its mean.
    const one = host({ logWeights: [0], means: [2, -1, 0.5], scales: [1, 2, 0.5], factors: [0.9, -0.3, 0.4] }, 1, 1, 3);
    for (const [i, v] of Array.from(one.mode()).entries()) expect(v).toBeCloseTo([2, -1, 0.5][i]!, 10);
  });

  it('the standardiser maps a full mixture to original units exactly (log p shifts by the Jacobian)', () => {
    const standardiser = new Standardiser([10, -5, 0.5], [3, 0.2, 50]);
    const random = createRandom(4);
    const p = factorCount(3);
    const spec = {
      logWeights: [0.1, -0.3],
      means: Array.from({ length: 6 }, () => random.normal()),
      scales: Array.from({ length: 6 }, () => 0.5 + random.uniform()),
      factors: Array.from({ length: 2 * p }, () => random.normal()),
    };
    const standardised = host(spec, 1, 2, 3);
    const original = standardiser.inverseHostMixture(standardised);
    const y = [12, -5.1, 30];
    const z = y.map((v, i) => (v - standardiser.mean[i]!) / standardiser.scale[i]!);
    close(original.logProbAt(0, y), standardised.logProbAt(0, z) + standardiser.logDetJacobian, 1e-12, 'Jacobian');
    // The tensor twin agrees.
    const tensor = GaussianMixture.full({
      logits: tf.tensor2d([spec.logWeights]),
      means: tf.tensor3d(spec.means, [1, 2, 3]),
      scales: tf.tensor3d(spec.scales, [1, 2, 3]),
      factors: tf.tensor3d(spec.factors, [1, 2, p]),
    });
    const mapped = standardiser.inverseMixture(tensor);
    expect(mapped.family).toBe('full');
    close(mapped.logProb(tf.tensor2d([y])).dataSync()[0]!, original.logProbAt(0, y), 2e-5, 'tensor');
    tf.dispose([tensor.logits, tensor.means, tensor.scales, tensor.factors!]);
    mapped.dispose();
  });
});

describe('GaussianMixture.full (tensors)', () => {
  it('logProb, covariance and marginals match the host mixture; factors of 0 equal the diagonal family', () => {
    fc.assert(
      fc.property(fullMixture(3, 2, 3), float(-3, 3), (spec, shift) => {
        const n = 3;
        const k = 2;
        const d = 3;
        const p = factorCount(d);
        const hostMixture = host(spec, n, k, d);
        const mixture = GaussianMixture.full({
          logits: tf.tensor2d(spec.logWeights, [n, k]),
          means: tf.tensor3d(spec.means, [n, k, d]),
          scales: tf.tensor3d(spec.scales, [n, k, d]),
          factors: tf.tensor3d(spec.factors, [n, k, p]),
        });
        const y = Array.from({ length: n * d }, (_, i) => spec.means[i]! + shift);
        const logProb = mixture.logProb(tf.tensor2d(y, [n, d])).dataSync();
        const covariance = mixture.covariance().dataSync();
        const expectedCovariance = hostMixture.covariance();
        for (let row = 0; row < n; row++) {
          close(logProb[row]!, hostMixture.logProbAt(row, y.slice(row * d, (row + 1) * d)), 2e-5, 'logProb');
        }
        for (const [i, v] of expectedCovariance.entries()) close(covariance[i]!, v, 1e-4, 'covariance');
        const marginal = mixture.marginal(2);
        const expectedMarginal = hostMixture.marginal(2);
        for (const [i, v] of Array.from(marginal.scales.dataSync()).entries())
          close(v, expectedMarginal.scales[i]!, 1e-5, 'σ');
        const zero = GaussianMixture.full({
          logits: tf.tensor2d(spec.logWeights, [n, k]),
          means: tf.tensor3d(spec.means, [n, k, d]),
          scales: tf.tensor3d(spec.scales, [n, k, d]),
          factors: tf.zeros([n, k, p]),
        });
        const diagonal = GaussianMixture.diagonal({ logits: zero.logits, means: zero.means, scales: zero.scales });
        const a = zero.logProb(tf.tensor2d(y, [n, d])).dataSync();
        const b = diagonal.logProb(tf.tensor2d(y, [n, d])).dataSync();
        for (const [i, v] of Array.from(a).entries()) close(v, b[i]!, 1e-6, 'zero factors');
        mixture.dispose();
        marginal.dispose();
        zero.dispose();
      }),
      { numRuns: 30, seed: 2 },
    );
  });

  it('refuses mis-shaped factors and D = 1', () => {
    const base = { logits: tf.zeros([2, 3]), means: tf.zeros([2, 3, 2]), scales: tf.ones([2, 3, 2]) } as const;
    expect(() => GaussianMixture.full({ ...base, factors: tf.zeros([2, 3, 2]) } as never)).toThrow(
      /factors must be \[2, 3, 1\]/,
    );
    expect(() =>
      GaussianMixture.full({
        logits: tf.zeros([2, 3]),
        means: tf.zeros([2, 3, 1]),
        scales: tf.ones([2, 3, 1]),
        factors: tf.zeros([2, 3, 0]),
      } as never),
    ).toThrow(/D ≥ 2/);
  });
});

describe('full covariance leaves no tensors behind', () => {
  it('densities, covariance, marginals, host copies and a training run', async () => {
    const { train } = await import('../train/train.js');
    const { correlated2d } = await import('../datasets/synthetic.js');
    const before = tf.memory().numTensors;
    const mixture = GaussianMixture.full({
      logits: tf.zeros([3, 2]),
      means: tf.zeros([3, 2, 3]),
      scales: tf.ones([3, 2, 3]),
      factors: tf.fill([3, 2, 3], 0.5),
    });
    const y = tf.ones([3, 3]) as tf.Tensor2D;
    tf.dispose([
      mixture.logProb(y),
      mixture.nll(y),
      mixture.responsibilities(y),
      mixture.variance(),
      mixture.covariance(),
      mixture.componentCovariances(),
    ]);
    mixture.marginal(1).dispose();
    await mixture.toHost();
    mixture.dispose();
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const data = correlated2d({ rows: 200, seed: 3 });
    const { model } = await train(data.x, data.y, {
      model: { hidden: [8], components: 2, covariance: 'full' },
      epochs: 3,
      meanWarmupEpochs: 1,
    });
    await model.logProb(data.x, data.y);
    expect(tf.memory().numTensors - before).toBe(model.variables.length);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
