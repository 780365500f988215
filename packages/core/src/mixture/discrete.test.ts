import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../diagnose/diagnose.js';
import { loadModel, saveModel } from '../model/model-file.js';
import { createRandom } from '../random/rng.js';
import { planTraining, train } from '../train/train.js';
import { HostMixture } from './host-mixture.js';
import { MixtureParts } from './parts.js';
import { calibrationError, crps, pit } from './scores.js';

/** A one-row mixture of two normals over a count (lower edge 0), as a model predicts it. */
function counts(lower: number | null = 0) {
  return new HostMixture({
    rows: 1,
    components: 2,
    dimensions: 1,
    logWeights: Float64Array.from([Math.log(0.3), Math.log(0.7)]),
    means: Float64Array.from([0.4, 6]),
    scales: Float64Array.from([1.1, 2.5]),
    parts: MixtureParts.single(2).withDiscrete({ lower }),
  });
}

/** Ratings 1–7 that rise with x, with a spread that grows with it. */
function ratings(rows: number, seed: number) {
  const random = createRandom(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const v = random.uniform() * 4;
    x.push([v]);
    y.push(Math.min(7, Math.max(1, Math.round(1.5 + v + (0.3 + 0.3 * v) * random.normal()))));
  }
  return { x, y };
}

describe('tensors', () => {
  it('training a discrete target on raw records, predicting and scoring them leaves no tensor behind', async () => {
    const { x, y } = ratings(200, 3);
    const records = x.map(([v], i) => ({ v, level: ['a', 'b', null][i % 3] ?? null }));
    const before = tf.memory().numTensors;
    const result = await train(records, y, { ensemble: 1, epochs: 3, seed: 1 });
    expect(result.model.config.discrete).toEqual({ lower: 0 });
    await result.model.predictHost(records);
    await result.model.nll(records, y);
    await diagnose(result.model, records, y);
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a discrete (whole-number) target', () => {
  it('gives probabilities of whole numbers that sum to 1, with the mass below the lower edge on it', () => {
    const m = counts();
    let total = 0;
    for (let k = 0; k <= 60; k++) total += Math.exp(m.logProbAt(0, [k]));
    expect(total).toBeCloseTo(1, 10);
    expect(m.logProbAt(0, [2.5])).toBe(Number.NEGATIVE_INFINITY);
    expect(m.logProbAt(0, [-1])).toBe(Number.NEGATIVE_INFINITY);
    const latent = m.withParts(m.parts.withDiscrete(undefined));
    expect(Math.exp(m.logProbAt(0, [0]))).toBeCloseTo(latent.cdfAt(0, 0.5), 12);
    expect(Math.exp(m.logProbAt(0, [3]))).toBeCloseTo(latent.cdfAt(0, 3.5) - latent.cdfAt(0, 2.5), 12);
    // Far in the tail the mass comes from the tails, not 1 − 1.
    expect(Number.isFinite(m.logProbAt(0, [90]))).toBe(true);
    expect(m.logProbAt(0, [90])).toBeLessThan(-200);
    // Without a lower edge the bins run on below 0.
    const open = counts(null);
    expect(Math.exp(open.logProbAt(0, [-1]))).toBeGreaterThan(0.01);
  });

  it('quantiles, CDF, mean, mode and draws are those of the whole numbers', () => {
    const m = counts();
    const q = m.quantile([0.05, 0.5, 0.95]);
    for (const v of q) expect(Number.isInteger(v)).toBe(true);
    for (const [i, p] of [0.05, 0.5, 0.95].entries()) {
      const k = q[i]!;
      expect(m.cdfAt(0, k)).toBeGreaterThanOrEqual(p);
      expect(m.cdfAt(0, k - 1)).toBeLessThan(p);
    }
    expect(m.cdfAt(0, 3.7)).toBe(m.cdfAt(0, 3));
    let mean = 0;
    let best = 0;
    for (let k = 0; k <= 60; k++) {
      mean += k * Math.exp(m.logProbAt(0, [k]));
      if (m.logProbAt(0, [k]) > m.logProbAt(0, [best])) best = k;
    }
    expect(m.mean()[0]).toBeCloseTo(mean, 8);
    expect(m.mode()[0]).toBe(best);
    const draws = m.sample(4000, { seed: 3 });
    for (const v of draws) expect(Number.isInteger(v) && v >= 0).toBe(true);
    const zeros = draws.filter((v) => v === 0).length / draws.length;
    expect(Math.abs(zeros - Math.exp(m.logProbAt(0, [0])))).toBeLessThan(0.025);
  });

  it('scores draws of itself as calibrated (randomised PIT) and its CRPS is the sum over the whole numbers', () => {
    const m = counts();
    const n = 3000;
    const draws = m.sample(n, { seed: 9 });
    const rows = new HostMixture({
      rows: n,
      components: 2,
      dimensions: 1,
      logWeights: Float64Array.from({ length: 2 * n }, (_, i) => m.logWeights[i % 2]!),
      means: Float64Array.from({ length: 2 * n }, (_, i) => m.means[i % 2]!),
      scales: Float64Array.from({ length: 2 * n }, (_, i) => m.scales[i % 2]!),
      parts: m.parts,
    });
    expect(calibrationError(pit(rows, draws))).toBeLessThan(0.02);
    // The midpoint PIT of whole numbers is not uniform: the randomisation is what makes it so.
    expect(calibrationError(rows.cdf(draws))).toBeGreaterThan(0.03);
    let expected = 0;
    for (let k = -5; k <= 80; k++) expected += (m.cdfAt(0, k) - (3 <= k ? 1 : 0)) ** 2;
    expect(crps(m, [3])[0]).toBeCloseTo(expected, 10);
  });

  it('a rating target trains as discrete by default: NLL in probability units, ≥ 0, beside a density that is not', async () => {
    const data = ratings(600, 1);
    const test = ratings(600, 2);
    const plan = planTraining(data.x, data.y, { ensemble: 1 });
    expect(plan.model.discrete).toEqual({ lower: 0 });
    expect(plan.model.atoms).toEqual([]);
    expect(planTraining(data.x, data.y, { target: 'continuous', ensemble: 1 }).model.discrete).toBeNull();
    expect(
      planTraining(
        data.x,
        data.y.map((v) => v + 0.5),
        { ensemble: 1 },
      ).model.discrete,
    ).toBeNull();
    expect(() =>
      planTraining(
        data.x,
        data.y.map((v) => v + 0.5),
        { target: 'discrete' },
      ),
    ).toThrow(/whole-number/);
    // Whole numbers that hardly repeat (a score from 25 to 346 on 442 rows) are a continuum for a density: continuous.
    const spread = data.y.map((_, i) => 25 + ((i * 7919) % 322));
    expect(planTraining(data.x, spread, { ensemble: 1 }).model.discrete).toBeNull();
    expect(planTraining(data.x, spread, { ensemble: 1, target: 'discrete' }).model.discrete).toEqual({ lower: 0 });
    const discrete = await train(data.x, data.y, { ensemble: 1, epochs: 60, seed: 1, columns: { x: ['x1'] } });
    const continuous = await train(data.x, data.y, { ensemble: 1, epochs: 60, seed: 1, target: 'continuous' });
    const nll = await discrete.model.nll(test.x, test.y);
    expect(nll).toBeGreaterThan(0);
    // The truth's entropy is about 0.9–1.3 nats per row here; a fit near it.
    expect(nll).toBeLessThan(1.6);
    const host = await discrete.model.predictHost(test.x);
    expect(host.discrete).toEqual({ lower: 0 });
    for (let r = 0; r < 20; r++) {
      let total = 0;
      for (let k = 0; k <= 40; k++) total += Math.exp(host.logProbAt(r, [k]));
      expect(total).toBeCloseTo(1, 6);
    }
    expect(calibrationError(pit(host, test.y))).toBeLessThan(0.05);
    // The density's NLL on the same whole numbers is not comparable (spikes can make it anything); the discrete
    // one is: its validation loss is the same quantity as the test NLL.
    expect(discrete.finalLoss.validation).toBeGreaterThan(0);
    expect(Number.isFinite(await continuous.model.nll(test.x, test.y))).toBe(true);
    // diagnose scores its baselines as probabilities too, and explains the target instead of calling it a problem.
    const report = await diagnose(discrete.model, test.x, test.y);
    expect(report.status).toBe('ok');
    expect(report.findings.map((f) => f.code)).toContain('discrete-target');
    expect(report.metrics.unconditionalNll).toBeGreaterThan(report.metrics.nll);
    expect(report.metrics.unconditionalNll).toBeGreaterThan(0);
    expect(report.metrics.linearBaselineNll).toBeGreaterThan(0);
    // Rows as records are read through the model's schema.
    const asRecords = await diagnose(
      discrete.model,
      test.x.map(([v]) => ({ x1: v })),
      test.y,
    );
    expect(asRecords.metrics.nll).toBeCloseTo(report.metrics.nll, 10);
    const loaded = loadModel(saveModel(discrete.model));
    expect(loaded.config.discrete).toEqual({ lower: 0 });
    expect(await loaded.nll(test.x, test.y)).toBeCloseTo(nll, 10);
    for (const m of [discrete.model, continuous.model, loaded]) m.dispose();
  });
});
