import {
  referenceLaplaceCdf,
  referenceLaplaceCrps,
  referenceLaplaceLogProb,
  referenceLaplaceMode,
  referenceLaplaceQuantile,
  simpson,
} from '@mdn/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forumToy } from '../datasets/synthetic.js';
import { loadModel, saveModel } from '../model/model-file.js';
import { createRandom } from '../random/rng.js';
import { train } from '../train/train.js';
import { addAtomsHost, removeAtomsHost } from './atoms-host.js';
import { expectClose, type MixtureSpec, mixtureSpec, referenceRow, roundToFloat32 } from './fixtures.test-util.js';
import { GaussianMixture } from './gaussian-mixture.js';
import { HostMixture } from './host-mixture.js';
import { crps, pit } from './scores.js';

/** A spec as a Laplace host mixture (scales are the b). */
function laplaceHost(spec: MixtureSpec): HostMixture {
  const n = spec.logits.length;
  const k = spec.logits[0]!.length;
  const d = spec.means[0]![0]!.length;
  return new HostMixture({
    rows: n,
    components: k,
    dimensions: d,
    logWeights: Float64Array.from(spec.logits.flat()),
    means: Float64Array.from(spec.means.flat(2)),
    scales: Float64Array.from(spec.scales.flat(2)),
    distribution: 'laplace',
  });
}

const univariate = mixtureSpec({ rows: [1, 3], components: [1, 5], dimensions: [1, 1] });

describe('Laplace components: the same mixture tools, exact in closed form', () => {
  it('log-density, CDF, quantiles and mode match the float64 reference; the density integrates to 1', () => {
    fc.assert(
      fc.property(univariate, fc.double({ min: 0.001, max: 0.999, noNaN: true }), (raw, p) => {
        const spec = roundToFloat32(raw);
        const host = laplaceHost(spec);
        const q = host.quantile([p]);
        const mode = host.mode();
        spec.logits.forEach((_, i) => {
          const reference = referenceRow(spec, i);
          for (const y of [-7, -1.3, 0, 0.4, 2.5, 9]) {
            expectClose(host.logProbAt(i, [y]), referenceLaplaceLogProb(reference, [y]), 1e-12, 1e-12, 'log p');
            expectClose(host.cdfAt(i, y), referenceLaplaceCdf(reference, y), 1e-12, 1e-14, 'cdf');
          }
          expectClose(q[i]!, referenceLaplaceQuantile(reference, p), 1e-9, 1e-9, `quantile ${p}`);
          // The mode is a component location, found exactly: at least as high as the grid reference's best point, and
          // no higher than the density can rise within one grid step of it.
          const best = referenceLaplaceLogProb(reference, [referenceLaplaceMode(reference, 20_000)]);
          const found = host.logProbAt(i, [mode[i]!]);
          expect(found).toBeGreaterThanOrEqual(best - 1e-12);
          const lows = reference.means.map((m, c) => m[0]! - 4 * reference.scales[c]![0]!);
          const highs = reference.means.map((m, c) => m[0]! + 4 * reference.scales[c]![0]!);
          const step = (Math.max(...highs) - Math.min(...lows)) / 20_000;
          expect(found - best).toBeLessThanOrEqual(step / Math.min(...reference.scales.map((s) => s[0]!)) + 1e-12);
          const lo = Math.min(...reference.means.map((m, c) => m[0]! - 40 * reference.scales[c]![0]!));
          const hi = Math.max(...reference.means.map((m, c) => m[0]! + 40 * reference.scales[c]![0]!));
          const cuts = [lo, ...reference.means.map((m) => m[0]!).sort((a, b) => a - b), hi];
          let mass = 0;
          for (let c = 0; c + 1 < cuts.length; c++)
            mass += simpson((x) => host.pdfAt(i, x), cuts[c]!, cuts[c + 1]!, 20_000);
          expectClose(mass, 1, 0, 1e-5, 'mass');
        });
      }),
      { numRuns: 20 },
    );
  });

  it('the CRPS in closed form matches quadrature, equal scales and close ones included', () => {
    const rows: MixtureSpec = {
      logits: [
        [0.3, -0.2, 1],
        [0, 0, 0],
        [0, 1, -1],
      ],
      means: [
        [[0], [1.5], [-2]],
        [[0], [0], [3]],
        [[0.2], [0.2], [-4]],
      ],
      // Equal scales (the limit of the pair formula) and scales within 1e-4 (its divided difference).
      scales: [
        [[0.5], [1.2], [2]],
        [[1], [1], [0.3]],
        [[0.8], [0.80008], [1.5]],
      ],
    };
    const host = laplaceHost(rows);
    for (const y of [-3, 0.1, 4]) {
      const values = crps(host, [y, y, y]);
      for (const i of rows.logits.keys()) {
        expectClose(values[i]!, referenceLaplaceCrps(referenceRow(rows, i), y), 1e-7, 1e-8, 'crps');
      }
    }
  });

  it('draws have the mixture mean and variance (2b² per component); pit of its own draws is uniform', () => {
    const host = laplaceHost({ logits: [[0, 0.7]], means: [[[-1], [2]]], scales: [[[0.5], [1.5]]] });
    const draws = host.sample(200_000, { seed: 4 });
    let mean = 0;
    for (const v of draws) mean += v / draws.length;
    let variance = 0;
    for (const v of draws) variance += (v - mean) ** 2 / draws.length;
    expect(mean).toBeCloseTo(host.mean()[0]!, 1);
    expect(variance / host.variance()[0]!).toBeCloseTo(1, 1);
    const rows = 5000;
    const many = laplaceHost({
      logits: Array.from({ length: rows }, () => [0, 0.7]),
      means: Array.from({ length: rows }, () => [[-1], [2]]),
      scales: Array.from({ length: rows }, () => [[0.5], [1.5]]),
    });
    const own = many.sample(1, { seed: 9 });
    const u = pit(many, own).sort();
    for (const level of [0.1, 0.5, 0.9]) expect(u[Math.floor(level * rows)]!).toBeCloseTo(level, 1);
  });

  it('two targets: marginals and conditioning are Laplace again; one-dimensional methods ask for a marginal', () => {
    const host = laplaceHost({
      logits: [[0, 0]],
      means: [
        [
          [0, 1],
          [3, -1],
        ],
      ],
      scales: [
        [
          [1, 0.5],
          [2, 0.25],
        ],
      ],
    });
    const first = host.marginal(0);
    expect(first.distribution).toBe('laplace');
    expect(first.cdfAt(0, 0)).toBeCloseTo(0.5 * 0.5 + 0.5 * (0.5 * Math.exp(-1.5)), 12);
    const given = host.condition({ 1: -1 });
    // Component 2 has y₂ = −1 at its location (density 2) and component 1 is 4 of its scales off (2e^{−4}).
    const w = given.weights(0);
    expect(w[1]! / w[0]!).toBeCloseTo(2 / (1 * Math.exp(-4)), 6);
    expect(() => host.quantile(0.5)).toThrow(/use marginal\(d\)/);
  });

  it('the tensor mixture agrees with the host one; point masses are added with the Laplace CDF', () => {
    const spec = { logits: [[0.5, -0.5]], means: [[[0], [2]]], scales: [[[0.7], [1.1]]] };
    const mixture = GaussianMixture.laplace({
      logits: tf.tensor2d(spec.logits),
      means: tf.tensor3d(spec.means),
      scales: tf.tensor3d(spec.scales),
    });
    const host = laplaceHost(roundToFloat32(spec));
    const y = tf.tensor2d([[1.3]]);
    expect(mixture.logProb(y).dataSync()[0]!).toBeCloseTo(host.logProbAt(0, [1.3]), 5);
    expect(mixture.variance().dataSync()[0]!).toBeCloseTo(host.variance()[0]!, 4);
    expect(mixture.toHostSync().distribution).toBe('laplace');
    tf.dispose([y]);
    mixture.dispose();
    const atom = [{ value: 4, side: 'upper' as const, scale: 0.01, reach: 0.5 }];
    const withAtom = addAtomsHost(host, atom);
    // The atom gathers each component's Laplace mass above 3.5: ½e^{−3.5/0.7}, ½e^{−1.5/1.1}.
    const weights = host.weights(0);
    expect(withAtom.weights(0)[2]).toBeCloseTo(
      weights[0]! * 0.5 * Math.exp(-3.5 / Math.fround(0.7)) + weights[1]! * 0.5 * Math.exp(-1.5 / Math.fround(1.1)),
      10,
    );
    const restored = removeAtomsHost(withAtom);
    for (let j = 0; j < 2; j++) expect(restored.logWeights[j]).toBeCloseTo(host.logWeights[j]!, 12);
  });

  it("trains with family 'laplace' (tails and all), saves and loads it, and predicts Laplace mixtures", async () => {
    // Heavy-tailed noise: Laplace components fit it better than Gaussian ones of the same network.
    const random = createRandom(7);
    const n = 600;
    const x = Float64Array.from({ length: n }, () => 4 * random.uniform());
    const y = x.map((v) => {
      const u = random.uniform();
      return 2 * v + (0.3 + 0.2 * v) * (u < 0.5 ? Math.log(2 * u) : -Math.log(2 * (1 - u)));
    });
    const options = { ensemble: 1, epochs: 60, model: { hidden: [16] } };
    const laplace = await train(x, y, { ...options, model: { ...options.model, family: 'laplace' } });
    const gaussian = await train(x, y, options);
    expect(laplace.model.config.family).toBe('laplace');
    expect(laplace.plan.model.family).toBe('laplace');
    const test = Float64Array.from({ length: 400 }, () => 4 * random.uniform());
    const testY = test.map((v) => {
      const u = random.uniform();
      return 2 * v + (0.3 + 0.2 * v) * (u < 0.5 ? Math.log(2 * u) : -Math.log(2 * (1 - u)));
    });
    const nll = async (model: typeof laplace.model) =>
      -(await model.logProb(test, testY)).reduce((a, b) => a + b, 0) / test.length;
    expect(await nll(laplace.model)).toBeLessThan(await nll(gaussian.model));
    const loaded = loadModel(saveModel(laplace.model));
    expect(loaded.config.family).toBe('laplace');
    const host = await loaded.predictHost(test.subarray(0, 5));
    expect(host.distribution).toBe('laplace');
    expect(Array.from(await loaded.logProb(test, testY))).toEqual(Array.from(await laplace.model.logProb(test, testY)));
    for (const m of [laplace.model, gaussian.model, loaded]) m.dispose();
    // Full covariance is Gaussian only.
    expect(() =>
      train(
        forumToy({ rows: 60, seed: 1 }).x,
        [
          [1, 2],
          [2, 3],
        ],
        { model: { family: 'laplace', covariance: 'full' } },
      ),
    ).rejects.toThrow();
  });
});
