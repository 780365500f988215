import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Standardiser } from '../data/standardiser.js';
import { forumToy } from '../datasets/synthetic.js';
import { loadModel, saveModel } from '../model/model-file.js';
import { MixtureDensityNetwork } from '../model/network.js';
import { splitValidation } from './prepare.js';
import { train } from './train.js';

describe('ensembles', () => {
  it('MixtureDensityNetwork.ensemble is exactly the equal-weight mixture of its members, and survives save/load', async () => {
    const inputStandardiser = new Standardiser([1], [2]);
    const targetStandardiser = new Standardiser([3], [4]);
    const make = (seed: number) =>
      MixtureDensityNetwork.create(
        { inputDimension: 1, outputDimension: 1, components: 3, hidden: [8] },
        { seed, inputStandardiser, targetStandardiser },
      );
    const members = [make(1), make(2), make(3)];
    const x = [[-1], [0.5], [4]];
    const y = [[2], [3.5], [10]];
    const parts = await Promise.all(members.map((m) => m.logProb(x, y)));
    const ensemble = MixtureDensityNetwork.ensemble(members);
    expect(ensemble.config.members).toBe(3);
    expect(ensemble.mixtureComponents).toBe(9);
    const combined = await ensemble.logProb(x, y);
    for (let i = 0; i < 3; i++) {
      const expected = Math.log(parts.reduce((total, p) => total + Math.exp(p[i]!), 0) / 3);
      expect(combined[i]!).toBeCloseTo(expected, 5);
    }
    const host = await ensemble.predictHost(x);
    expect(host.components).toBe(9);
    for (let r = 0; r < 3; r++) expect(host.weights(r).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    const loaded = loadModel(saveModel(ensemble));
    expect(Array.from(await loaded.logProb(x, y))).toEqual(Array.from(combined));
    // Members must share architecture and standardisers.
    const other = MixtureDensityNetwork.create(
      { inputDimension: 1, outputDimension: 1, components: 3, hidden: [8] },
      { inputStandardiser: new Standardiser([0], [1]), targetStandardiser },
    );
    expect(() => MixtureDensityNetwork.ensemble([members[0]!, other])).toThrow(/standardised differently/);
    expect(() => MixtureDensityNetwork.ensemble([ensemble])).toThrow(/itself an ensemble/);
    for (const m of [...members, ensemble, loaded, other]) m.dispose();
  });

  it('train({ ensemble: 3 }) trains three members with their own seeds and returns one model, leaking nothing', async () => {
    const data = forumToy({ rows: 400, seed: 31 });
    const before = tf.memory().numTensors;
    const result = await train(data.x, data.y, { ensemble: 3, model: { hidden: [16] }, epochs: 8, seed: 5 });
    expect(result.plan.ensemble).toBe(3);
    expect(result.members!.map((m) => m.seed)).toEqual([5, 6, 7]);
    expect(result.model.config.members).toBe(3);
    expect(result.model.metadata.plan!.ensemble).toBe(3);
    expect(new Set(result.history.map((e) => e.member))).toEqual(new Set([0, 1, 2]));
    expect(result.split.validation).toBeNull();
    expect(Number.isFinite(result.finalLoss.validation!)).toBe(true);
    // 3 members × 5 components, each with its tail companion.
    expect(result.model.config.tailWeight).toBeGreaterThan(0);
    expect(result.model.networkComponents).toBe(15);
    expect((await result.model.predictHost([[5]])).components).toBe(30);
    expect(tf.memory().numTensors - before).toBe(result.model.variables.length);
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is the default on small data (train()), while startTraining runs one network', async () => {
    const data = forumToy({ rows: 1500, seed: 32 });
    const result = await train(data.x, data.y, { model: { hidden: [8] }, epochs: 3, seed: 1 });
    expect(result.plan.ensemble).toBe(3);
    expect(result.model.config.members).toBe(3);
    expect(result.members!.map((m) => m.seed)).toEqual([1, 2, 3]);
    result.model.dispose();
    const { startTraining } = await import('./train.js');
    const run = startTraining(data.x, data.y, { model: { hidden: [8] }, epochs: 3 });
    expect(run.plan.ensemble).toBe(1);
    run.dispose();
    expect(() => startTraining(data.x, data.y, { ensemble: 2 })).toThrow(/startTraining runs one network/);
  });

  it('with a validation set given, every member validates on it and the result holds it out', async () => {
    const data = forumToy({ rows: 300, seed: 33 });
    const held = forumToy({ rows: 60, seed: 34 });
    const result = await train(data.x, data.y, {
      ensemble: 2,
      model: { hidden: [8] },
      epochs: 4,
      validation: { x: held.x, y: held.y },
    });
    expect(result.plan.validation).toBe('given');
    expect(result.split.train.x.rows).toBe(300);
    expect(result.split.validation!.x.rows).toBe(60);
    expect(Array.from(result.split.validation!.y.data)).toEqual(Array.from(held.y.data));
    // The members' validation NLLs are on the given rows: their mean is the result's.
    const members = result.members!.map((m) => m.finalLoss.validation!);
    expect(result.finalLoss.validation).toBeCloseTo((members[0]! + members[1]!) / 2, 10);
    // Nothing of the training rows was held out: no out-of-bag rows.
    expect(result.outOfBag).toBeNull();
    result.model.dispose();
  });

  it('returns the rows its networks held out (out of bag), each with the first network that held it out', async () => {
    const data = forumToy({ rows: 300, seed: 35 });
    const result = await train(data.x, data.y, { ensemble: 3, model: { hidden: [8] }, epochs: 3, seed: 9 });
    // Member m split its validation rows as a single run with seed 9 + m does.
    const held = [0, 1, 2].map(
      (m) => splitValidation(data.x, data.y, result.plan.validationFraction, 9 + m).validationIndices!,
    );
    expect(held.map((h) => h.length)).toEqual([30, 30, 30]);
    const oob = result.outOfBag!;
    expect(oob.rows).toEqual([...new Set(held.flat())].sort((a, b) => a - b));
    expect(oob.x.rows).toBe(oob.rows.length);
    expect(oob.networks.length).toBe(oob.rows.length);
    for (const [j, row] of oob.rows.entries()) {
      const m = oob.networks[j]!;
      expect(held[m]).toContain(row);
      expect(held.slice(0, m).some((h) => h.includes(row))).toBe(false);
      expect(oob.x.data[j]).toBe(data.x.data[row]);
      expect(oob.y.data[j]).toBe(data.y.data[row]);
    }
    result.model.dispose();
  });
});
