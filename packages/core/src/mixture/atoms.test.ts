import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { toMatrix } from '../data/matrix.js';
import { Standardiser } from '../data/standardiser.js';
import { crossFittedBaselines } from '../diagnose/baselines.js';
import { diagnose, formatDiagnosis } from '../diagnose/diagnose.js';
import { normalCdf } from '../math/normal.js';
import type { TargetAtom } from '../model/config.js';
import { loadModel, saveModel } from '../model/model-file.js';
import { MixtureDensityNetwork } from '../model/network.js';
import { createRandom } from '../random/rng.js';
import { TRAIN_DEFAULTS } from '../train/plan.js';
import { planTraining, train } from '../train/train.js';
import { addAtoms } from './atoms.js';
import { addAtomsHost, findBoundaryAtoms, removeAtomsHost } from './atoms-host.js';
import { standardNormalRows } from './fixtures.test-util.js';
import { HostMixture } from './host-mixture.js';
import { MixtureParts } from './parts.js';
import { calibrationError, pit } from './scores.js';

const rule = TRAIN_DEFAULTS.atoms;

/** y = 2x + (0.2 + 0.5x)ε rounded to 0.01, recorded as `cap` when above it: a top-coded target. */
function capped(rows: number, seed: number, cap = 1.6) {
  const random = createRandom(seed);
  const x: number[][] = [];
  const y: number[] = [];
  const latent: number[] = [];
  for (let i = 0; i < rows; i++) {
    const u = random.uniform();
    const value = Math.round((2 * u + (0.2 + 0.5 * u) * random.normal()) * 100) / 100;
    x.push([u]);
    latent.push(value);
    y.push(Math.min(value, cap));
  }
  return { x, y, latent };
}

describe('findBoundaryAtoms', () => {
  it('finds a cap and a floor that hold a share of the rows', () => {
    const { y } = capped(1000, 1);
    const found = findBoundaryAtoms(y, rule);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ value: 1.6, side: 'upper' });
    expect(found[0]!.rows).toBe(y.filter((v) => v === 1.6).length);
    // Zero-inflated: 30 % zeros, the rest continuous.
    const random = createRandom(2);
    const rain = Array.from({ length: 500 }, () => (random.uniform() < 0.3 ? 0 : Math.exp(random.normal())));
    expect(findBoundaryAtoms(rain, rule)).toMatchObject([{ value: 0, side: 'lower' }]);
  });

  it("keeps a point mass's reach from taking more neighbours than a quarter of its rows (a skewed target: films' gross)", () => {
    // 3 % at 0, then a long right tail starting just above it: the noise's reach (in the target's units) would cover
    // hundreds of small values; the atom may take the mass of at most rows / dominance of them.
    const random = createRandom(3);
    const gross = Array.from({ length: 2000 }, (_, i) => (i % 33 === 0 ? 0 : 400 + Math.exp(14 + 2 * random.normal())));
    const found = findBoundaryAtoms(gross, rule);
    expect(found).toHaveLength(1);
    const gap = found[0]!.gap;
    expect(gap).toBe(Math.min(...gross.filter((v) => v > 0)));
    const plan = planTraining(
      gross.map((_, i) => [i % 7]),
      gross,
      { ensemble: 1 },
    );
    const [atom] = plan.model.atoms;
    expect(atom).toBeDefined();
    const allowed = Math.floor(found[0]!.rows / rule.dominance);
    expect(gross.filter((v) => v > 0 && v <= atom!.reach).length).toBeLessThanOrEqual(allowed);
    expect(gross.filter((v) => v > 0 && v <= 2 * atom!.reach).length).toBeGreaterThan(allowed);
    expect(atom!.scale).toBeLessThanOrEqual(gap / 16);
  });

  it('finds none in continuous targets, on a grid of a few values, at a heaped value inside the range, or at a rare end', () => {
    const random = createRandom(3);
    expect(
      findBoundaryAtoms(
        Array.from({ length: 500 }, () => random.normal()),
        rule,
      ),
    ).toEqual([]);
    // Ratings 1 to 5, 5 the most common: categories, not a continuum with a point mass.
    expect(
      findBoundaryAtoms(
        Array.from({ length: 500 }, (_, i) => 1 + (i % 7 < 3 ? 4 : i % 5)),
        rule,
      ),
    ).toEqual([]);
    // Round-number heaping inside the range (every tenth value is exactly 10).
    const heaped = Array.from({ length: 500 }, (_, i) => (i % 10 === 0 ? 10 : 5 + 10 * random.uniform()));
    expect(findBoundaryAtoms(heaped, rule)).toEqual([]);
    // Integer counts whose ends are as common as their neighbours.
    const counts = Array.from({ length: 2000 }, () => Math.round(20 + 4 * random.normal()));
    expect(findBoundaryAtoms(counts, rule)).toEqual([]);
    // Three of 300 at the floor: under 1 % of the rows.
    const few = [0, 0, 0, ...Array.from({ length: 297 }, () => 1 + random.uniform())];
    expect(findBoundaryAtoms(few, rule)).toEqual([]);
  });
});

describe('atoms in the mixture', () => {
  const host = new HostMixture({
    rows: 2,
    components: 2,
    dimensions: 1,
    logWeights: Float64Array.from([Math.log(0.3), Math.log(0.7), Math.log(0.5), Math.log(0.5)]),
    means: Float64Array.from([0, 2, -1, 1.5]),
    scales: Float64Array.from([1, 0.5, 0.3, 2]),
  });
  const atoms = [
    { value: -2, side: 'lower', scale: 0.01, reach: 0.25 },
    { value: 2.5, side: 'upper', scale: 0.02, reach: 0.5 },
  ] as const;

  it('weighs each atom by the mass beyond value ∓ reach, and the tensor and host paths agree', async () => {
    const withAtoms = addAtomsHost(host, atoms);
    expect(withAtoms.components).toBe(4);
    for (let r = 0; r < 2; r++) {
      const lower = host.cdfAt(r, -1.75);
      const upper = 1 - host.cdfAt(r, 2);
      const w = withAtoms.weights(r);
      expect(w[2]).toBeCloseTo(lower, 12);
      expect(w[3]).toBeCloseTo(upper, 12);
      expect(w[0]! + w[1]!).toBeCloseTo(1 - lower - upper, 12);
      // Each component gives up its own mass beyond the two bounds.
      for (let c = 0; c < 2; c++) {
        const i = r * 2 + c;
        const mu = host.means[i]!;
        const sd = host.scales[i]!;
        const own = normalCdf((-1.75 - mu) / sd) + normalCdf((mu - 2) / sd);
        expect(w[c]!).toBeCloseTo(host.weights(r)[c]! * (1 - own), 12);
      }
    }
    const before = tf.memory().numTensors;
    const tensors = tf.tidy(() => {
      const out = addAtoms(
        tf.tensor2d(Array.from(host.logWeights), [2, 2]),
        tf.tensor3d(Array.from(host.means), [2, 2, 1]),
        tf.tensor3d(Array.from(host.scales), [2, 2, 1]),
        atoms,
      );
      return [tf.softmax(out.logits), out.means, out.scales];
    });
    const [weights, means, scales] = await Promise.all(tensors.map((t) => t.data()));
    for (let i = 0; i < 8; i++) {
      expect(weights![i]!).toBeCloseTo(Math.exp(withAtoms.logWeights[i]!), 5);
      expect(means![i]!).toBeCloseTo(withAtoms.means[i]!, 6);
      expect(scales![i]!).toBeCloseTo(withAtoms.scales[i]!, 6);
    }
    tf.dispose(tensors);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a model with atoms predicts the same as addAtomsHost on its prediction without, and saves and loads them', async () => {
    const model = MixtureDensityNetwork.create(
      { inputDimension: 1, outputDimension: 1, components: 3, hidden: [8], tailWeight: 0.05 },
      { seed: 4, inputStandardiser: new Standardiser([0], [1]), targetStandardiser: new Standardiser([10], [3]) },
    );
    const withAtoms = model.withAtoms([{ value: 16, side: 'upper', scale: 0.05, reach: 1 }]);
    expect(withAtoms.mixtureComponents).toBe(7);
    const x = [[-1], [0], [2]];
    const expected = addAtomsHost(await model.predictHost(x), withAtoms.config.atoms);
    // Prediction with atoms (the tensor path, addAtoms) leaves no tensor behind.
    const tensors = tf.memory().numTensors;
    const predicted = await withAtoms.predictHost(x);
    await withAtoms.logProb(x, [[16], [5], [10]]);
    expect(tf.memory().numTensors).toBe(tensors);
    for (let r = 0; r < 3; r++) {
      for (const y of [5, 10, 15.9, 16, 16.03])
        expect(predicted.logProbAt(r, [y])).toBeCloseTo(expected.logProbAt(r, [y]), 4);
    }
    // removeAtomsHost undoes addAtomsHost; networkPart drops tails and atoms: the network's own 3 components.
    const plain = await model.predictHost(x);
    const restored = removeAtomsHost(predicted);
    for (let i = 0; i < plain.logWeights.length; i++)
      expect(restored.logWeights[i]!).toBeCloseTo(plain.logWeights[i]!, 5);
    expect(withAtoms.networkPart(predicted).components).toBe(3);
    const own = model.networkPart(plain);
    for (let i = 0; i < own.logWeights.length; i++) {
      expect(withAtoms.networkPart(predicted).logWeights[i]!).toBeCloseTo(own.logWeights[i]!, 5);
    }
    const loaded = loadModel(saveModel(withAtoms));
    expect(loaded.config.atoms).toEqual(withAtoms.config.atoms);
    expect(Array.from(await loaded.logProb(x, [[16], [16], [16]]))).toEqual(
      Array.from(await withAtoms.logProb(x, [[16], [16], [16]])),
    );
    // A version-3 file cannot hold atoms (a reader of that version would ignore them).
    const file = JSON.parse(saveModel(withAtoms));
    expect(() => loadModel({ ...file, formatVersion: 3 })).toThrow(/version-3 file has no atoms/);
    expect(() => loadModel({ ...file, config: { ...file.config, atoms: 5 }, contentChecksum: undefined })).toThrow(
      /corrupt: atoms must be a list of \{ value, side, scale, reach \}/,
    );
    expect(() => model.withAtoms([{ value: 1, side: 'middle' as 'upper', scale: 1, reach: 0 }])).toThrow(/side/);
    expect(() =>
      model.withAtoms([
        { value: 1, side: 'upper', scale: 1, reach: 0 },
        { value: 2, side: 'upper', scale: 1, reach: 0 },
      ]),
    ).toThrow(/at most one per end/);
    expect(() => model.withAtoms([{ value: 1, side: 'upper', scale: 0, reach: 0 }])).toThrow(/scale/);
    expect(() => model.withAtoms([null as unknown as TargetAtom])).toThrow(
      /atoms\[0\] must be \{ value, side, scale, reach \}/,
    );
    expect(() =>
      model.withAtoms([
        { value: 0, side: 'lower', scale: 1, reach: 3 },
        { value: 5, side: 'upper', scale: 1, reach: 3 },
      ]),
    ).toThrow(/atoms reach too far: the lower one gathers up to 3, the upper one from 2/);
    for (const m of [model, withAtoms, loaded]) m.dispose();
  });

  it('pit gives rows on a point mass a randomised PIT, uniform for data drawn from the mixture', () => {
    // N(0, 1) with a point mass at 0.5 weighing a half (reach chosen so), and 4 000 rows drawn from it.
    const rows = 4000;
    const continuous = standardNormalRows(rows);
    const atom = [{ value: 0.5, side: 'upper', scale: 1e-3, reach: 0.5 }] as const;
    const mixture = addAtomsHost(continuous, atom);
    expect(mixture.weights(0)[1]).toBeCloseTo(0.5, 12);
    const random = createRandom(9);
    // The component keeps half its weight (its mass below 0.5 − 0.5) but all of N(0, 1)'s shape.
    const y = Array.from({ length: rows }, () => (random.uniform() < 0.5 ? 0.5 : random.normal()));
    expect(calibrationError(pit(mixture, y))).toBeLessThan(0.015);
    // The same mixture not told which component is the point mass: every row at 0.5 gets the same PIT, the middle
    // of the point mass's probability.
    expect(calibrationError(pit(mixture.withParts(MixtureParts.single(2)), y))).toBeGreaterThan(0.05);
  });

  it('networkPrediction weighs the atoms from the one network: each network of an ensemble predicts as it would alone', async () => {
    const standardisers = {
      inputStandardiser: new Standardiser([0], [1]),
      targetStandardiser: new Standardiser([0], [1]),
    };
    const atom = [{ value: 1.5, side: 'upper', scale: 0.01, reach: 0.3 }] as const;
    const members = [1, 2].map((seed) =>
      MixtureDensityNetwork.create(
        { inputDimension: 1, outputDimension: 1, components: 2, hidden: [8], tailWeight: 0.05 },
        { seed, ...standardisers },
      ),
    );
    const ensemble = MixtureDensityNetwork.ensemble(members).withAtoms(atom);
    const x = [[-1], [0.3], [1]];
    const alone = await Promise.all(members.map(async (m) => addAtomsHost(await m.predictHost(x), atom)));
    const split = ensemble.networkPrediction(await ensemble.predictHost(x), [1, 0, 1]);
    for (const [r, m] of [1, 0, 1].entries()) {
      for (const y of [-1, 0.5, 1.5]) expect(split.logProbAt(r, [y])).toBeCloseTo(alone[m]!.logProbAt(r, [y]), 4);
    }
    for (const m of [...members, ensemble]) m.dispose();
  });
});

describe('training on a capped target', () => {
  it('finds the cap, and its atom carries the share of rows at the cap and scores them far better', async () => {
    const data = capped(800, 5);
    const result = await train(data.x, data.y, { ensemble: 1, model: { hidden: [16] }, epochs: 60, seed: 1 });
    const [atom] = result.model.config.atoms;
    expect(atom).toMatchObject({ value: 1.6, side: 'upper' });
    // The scale floor (1e-3 standardised) in original units.
    expect(atom!.scale).toBeCloseTo(1e-3 * result.model.targetStandardiser.scale[0]!, 4);
    expect(result.plan.model.atoms).toEqual(result.model.config.atoms);
    const test = capped(2000, 6);
    const prediction = await result.model.predictHost(test.x);
    const k = prediction.components;
    // The atom's predicted weight matches how often the cap is hit, on average and where it is likely.
    let weight = 0;
    const byX = { low: { weight: 0, rows: 0, hits: 0 }, high: { weight: 0, rows: 0, hits: 0 } };
    for (let r = 0; r < test.x.length; r++) {
      const w = prediction.weights(r)[k - 1]!;
      weight += w / test.x.length;
      const part = test.x[r]![0]! > 0.8 ? byX.high : test.x[r]![0]! < 0.3 ? byX.low : undefined;
      if (part) {
        part.weight += w;
        part.rows++;
        if (test.y[r] === 1.6) part.hits++;
      }
    }
    const hits = test.y.filter((v) => v === 1.6).length / test.y.length;
    expect(Math.abs(weight - hits)).toBeLessThan(0.04);
    for (const part of [byX.low, byX.high]) expect(Math.abs(part.weight - part.hits) / part.rows).toBeLessThan(0.1);
    expect(byX.low.weight / byX.low.rows).toBeLessThan(0.05);
    expect(byX.high.weight / byX.high.rows).toBeGreaterThan(0.4);
    // Draws from the atom are the cap exactly, as often as its weight says.
    const high = test.x.filter((row) => row[0]! > 0.8).slice(0, 50);
    const draws = await result.model.sample(high, 400, { seed: 3 });
    const highPrediction = await result.model.predictHost(high);
    let expected = 0;
    for (let r = 0; r < high.length; r++) expected += highPrediction.weights(r)[k - 1]! / high.length;
    const atCapShare = draws.filter((v) => v === 1.6).length / draws.length;
    expect(Math.abs(atCapShare - expected)).toBeLessThan(0.02);
    // Scored on the test rows: far better at the cap, and no worse below it.
    const without = result.model.withAtoms([]);
    const plain = await without.predictHost(test.x);
    const mean = (rows: number[], m: HostMixture) =>
      rows.reduce((s, r) => s - m.logProbAt(r, [test.y[r]!]), 0) / rows.length;
    const atCap = test.y.flatMap((v, r) => (v === 1.6 ? [r] : []));
    const below = test.y.flatMap((v, r) => (v < 1.6 ? [r] : []));
    expect(mean(atCap, prediction)).toBeLessThan(mean(atCap, plain) - 2);
    expect(mean(below, prediction)).toBeLessThan(mean(below, plain) + 0.05);
    // diagnose gives its baselines the point mass too, so that they are compared on what x adds: the linear
    // Gaussian gains a nat from it; the unconditional mixture's EM had already put a component on the cap.
    const report = await diagnose(result.model, test.x, test.y);
    expect(report.metrics.pointMasses).toBe(1);
    const baselines = crossFittedBaselines(toMatrix(test.x), toMatrix(test.y), 5);
    const nllOf = (fit: { logProb: Float64Array }) => -fit.logProb.reduce((a, b) => a + b, 0) / test.y.length;
    expect(report.metrics.linearBaselineNll).toBeLessThan(nllOf(baselines.linear) - 0.5);
    expect(report.metrics.unconditionalNll).toBeLessThan(nllOf(baselines.unconditional) + 0.01);
    expect(formatDiagnosis(report)).toMatch(/both with the model's point mass\)/);
    // Rows at the cap get a randomised PIT: uniform over the atom's probability, not all at its middle.
    const randomised = calibrationError(pit(prediction, test.y));
    const middle = calibrationError(pit(prediction.withParts(MixtureParts.single(prediction.components)), test.y));
    expect(randomised).toBeLessThan(middle);
    expect(report.metrics.calibrationError).toBe(randomised);
    result.model.dispose();
    without.dispose();
  });
});
