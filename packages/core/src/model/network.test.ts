import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Standardiser } from '../data/standardiser.js';
import { forumToy } from '../datasets/synthetic.js';
import { logSumExp } from '../math/host-math.js';
import { HostMixture } from '../mixture/host-mixture.js';
import { MixtureDensityNetwork, PREDICT_CHUNK_ROWS } from './network.js';

describe('MixtureDensityNetwork', () => {
  const data = forumToy({ rows: 500, seed: 3 });
  const inputStandardiser = Standardiser.fit(data.x);
  const targetStandardiser = Standardiser.fit(data.y);

  it('starts with distinct component means spread over the targets and uniform weights', () => {
    const model = MixtureDensityNetwork.create(
      { inputDimension: 1, outputDimension: 1, components: 5 },
      { inputStandardiser, targetStandardiser, initialTargets: data.y, seed: 1 },
    );
    const host = model.predictHostSync([[5]]);
    const means = Array.from(host.means).sort((a, b) => a - b);
    for (let i = 1; i < means.length; i++) expect(means[i]! - means[i - 1]!).toBeGreaterThan(0.5);
    for (const w of host.weights(0)) expect(w).toBeCloseTo(0.2, 1);
    expect(Math.min(...means)).toBeGreaterThan(Math.min(...data.y.data) - 1);
    expect(Math.max(...means)).toBeLessThan(Math.max(...data.y.data) + 1);
    model.dispose();
  });

  it.each([
    ['diagonal', 1],
    ['full', 3],
  ] as const)(
    'predictive tails (%s, D = %i): density (1 − w)·p_σ + w·p_sσ of the network part, every tool on one mixture',
    async (covariance, d) => {
      const tailWeight = 0.07;
      const tailScale = 2.5;
      const model = MixtureDensityNetwork.create(
        { inputDimension: 2, outputDimension: d, components: 3, hidden: [8], covariance, tailWeight, tailScale },
        { seed: 4 },
      );
      expect(model.networkComponents).toBe(3);
      expect(model.mixtureComponents).toBe(6);
      const x = [
        [0.3, -1],
        [2, 0.5],
        [-1.5, 1.2],
      ];
      const y = x.map((_, i) => Array.from({ length: d }, (_, e) => 0.7 * i - 0.4 * e + 0.2));
      const tensorsBefore = tf.memory().numTensors;
      const host = await model.predictHost(x);
      const base = model.networkPart(host);
      expect(base.components).toBe(3);
      const wide = new HostMixture({
        rows: base.rows,
        components: base.components,
        dimensions: d,
        logWeights: base.logWeights,
        means: base.means,
        scales: base.scales.map((s) => s * tailScale),
        factors: base.factors,
      });
      const logProb = await model.logProb(x, y);
      y.forEach((row, i) => {
        const expected = logSumExp([
          Math.log1p(-tailWeight) + base.logProbAt(i, row),
          Math.log(tailWeight) + wide.logProbAt(i, row),
        ]);
        expect(logProb[i]).toBeCloseTo(expected, 6);
        expect(host.logProbAt(i, row)).toBeCloseTo(expected, 6);
      });
      // The tails keep the mean and widen the spread: Var = (1 − w)σ² + w(sσ)² per component (plus the means' spread).
      const means = host.mean();
      const baseMeans = base.mean();
      for (let i = 0; i < means.length; i++) expect(means[i]).toBeCloseTo(baseMeans[i]!, 6);
      // The companions are built inside the prediction's tidy: nothing stays behind.
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      model.dispose();
    },
  );

  it('refuses tail settings out of range', () => {
    expect(() => MixtureDensityNetwork.create({ inputDimension: 1, outputDimension: 1, tailWeight: 0.5 })).toThrow(
      /tailWeight must be in \[0, 0.5\)/,
    );
    expect(() => MixtureDensityNetwork.create({ inputDimension: 1, outputDimension: 1, tailScale: 1 })).toThrow(
      /tailScale must be in \(1, 100\]/,
    );
  });

  it('logProb in original units equals the original-unit mixture density (Jacobian applied once)', async () => {
    const model = MixtureDensityNetwork.create(
      { inputDimension: 1, outputDimension: 1 },
      { inputStandardiser, targetStandardiser, initialTargets: data.y },
    );
    const x = [[1], [7]];
    const y = [[3], [12]];
    const viaModel = await model.logProb(x, y);
    const mixture = model.predict(x);
    const direct = mixture.logProb(tf.tensor2d(y)).dataSync();
    expect(viaModel[0]).toBeCloseTo(direct[0]!, 4);
    expect(viaModel[1]).toBeCloseTo(direct[1]!, 4);
    const host = await model.predictHost(x);
    expect(host.logProbAt(1, [12])).toBeCloseTo(viaModel[1]!, 4);
    mixture.dispose();
    model.dispose();
  });

  it('predicts for tensors and arrays alike and rejects wrong widths and non-finite inputs', () => {
    const model = MixtureDensityNetwork.create({ inputDimension: 2, outputDimension: 3, hidden: [8] });
    const a = model.predictHostSync([[1, 2]]);
    const b = model.predictHostSync(tf.tensor2d([[1, 2]]));
    expect(Array.from(a.means)).toEqual(Array.from(b.means));
    expect(a.dimensions).toBe(3);
    expect(() => model.predict([[1, 2, 3]])).toThrow('inputs must have 2 columns, got 3');
    expect(() => model.predict([[1, Number.NaN]])).toThrow(/row 0, column 1 is NaN/);
    expect(model.parameterCount).toBe(2 * 8 + 8 + (8 * 5 + 5) + 2 * (8 * 15 + 15));
    model.dispose();
    expect(() => model.predict([[1, 2]])).toThrow(/disposed/);
  });

  it('validates its configuration with the field name', () => {
    expect(() => MixtureDensityNetwork.create({ inputDimension: 1, outputDimension: 1, components: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid-option', fields: expect.objectContaining({ option: 'components' }) }),
    );
    expect(() =>
      MixtureDensityNetwork.create({ inputDimension: 1, outputDimension: 1, activation: 'gelu' as never }),
    ).toThrow(/activation must be one of/);
  });

  it('setWeights checks shapes; snapshot/restore round-trips; nothing leaks', () => {
    const before = tf.memory().numTensors;
    const model = MixtureDensityNetwork.create({ inputDimension: 1, outputDimension: 1, hidden: [4] });
    const weights = model.getWeights();
    expect(weights.map((w) => w.name)).toEqual([
      'trunk.0.kernel',
      'trunk.0.bias',
      'head.logits.kernel',
      'head.logits.bias',
      'head.means.kernel',
      'head.means.bias',
      'head.scales.kernel',
      'head.scales.bias',
    ]);
    expect(() => model.setWeights(weights.slice(1))).toThrow(/expected 8 weight tensors/);
    const bad = weights.map((w, i) => (i === 0 ? { ...w, shape: [4, 1] } : w));
    expect(() => model.setWeights(bad)).toThrow(/weight 0 \(mdn\d+\/trunk.0.kernel\) must have shape \[1,4\]/);
    const snapshot = model.snapshot();
    model.setWeights(weights.map((w) => ({ ...w, values: new Float32Array(w.values.length) })));
    model.restore(snapshot);
    tf.dispose(snapshot);
    expect(Array.from(model.getWeights()[0]!.values)).toEqual(Array.from(weights[0]!.values));
    tf.dispose(model.predict([[0.5]]).logits);
    model.dispose();
    // predict() returned three tensors; the logits were disposed above, the other two on purpose not:
    expect(tf.memory().numTensors).toBe(before + 2);
  });

  it('logProb and nll refuse NaN targets and mismatched rows, naming the row and column', async () => {
    const model = MixtureDensityNetwork.create({ inputDimension: 1, outputDimension: 1, hidden: [4] });
    model.metadata = { targetColumns: ['price'] };
    await expect(model.logProb([[1], [2]], [[1], [Number.NaN]])).rejects.toThrow(
      "targets: row 1, column 'price' is NaN",
    );
    await expect(model.nll([[1], [2]], [[1]])).rejects.toThrow('inputs have 2 rows but targets have 1');
    await expect(model.nll([[1]], [[1, 2]])).rejects.toThrow('targets must have 1 column, got 2');
    model.dispose();
  });
});

describe('prediction in blocks of rows', () => {
  it('predicts more rows than one block exactly as block by block, from arrays and from tensors', async () => {
    const model = MixtureDensityNetwork.create({ inputDimension: 2, outputDimension: 1, hidden: [8], components: 3 });
    const rows = PREDICT_CHUNK_ROWS + 1234;
    const data = Float64Array.from({ length: rows * 2 }, (_, i) => Math.sin(i * 0.37));
    const before = tf.memory().numTensors;
    const whole = await model.predictHost({ data, rows, columns: 2 });
    const head = await model.predictHost({
      data: data.subarray(0, 2 * PREDICT_CHUNK_ROWS),
      rows: PREDICT_CHUNK_ROWS,
      columns: 2,
    });
    const tail = model.predictHostSync({ data: data.subarray(2 * PREDICT_CHUNK_ROWS), rows: 1234, columns: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(whole.rows).toBe(rows);
    expect(Array.from(whole.means.subarray(0, 3 * PREDICT_CHUNK_ROWS))).toEqual(Array.from(head.means));
    expect(Array.from(whole.scales.subarray(3 * PREDICT_CHUNK_ROWS))).toEqual(Array.from(tail.scales));
    expect(Array.from(whole.logWeights.subarray(3 * PREDICT_CHUNK_ROWS))).toEqual(Array.from(tail.logWeights));
    const tensor = tf.tensor2d(Float32Array.from(data), [rows, 2]);
    const fromTensor = model.predictHostSync(tensor);
    expect(Array.from(fromTensor.means)).toEqual(Array.from(whole.means));
    tensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('withComponents', () => {
  it('keeps the chosen components exactly (weights renormalised), for the full family too', async () => {
    const model = MixtureDensityNetwork.create(
      { inputDimension: 2, outputDimension: 3, hidden: [6], components: 4, covariance: 'full' },
      { seed: 8 },
    );
    model.setWeights(model.getWeights().map((w) => ({ ...w, values: w.values.map((v, i) => v + 0.1 * Math.cos(i)) })));
    const kept = model.withComponents([3, 1]);
    expect(kept.config.components).toBe(2);
    const x = [
      [0.2, -1],
      [1.5, 0.3],
    ];
    const whole = await model.predictHost(x);
    const part = await kept.predictHost(x);
    const p = 3;
    for (let r = 0; r < 2; r++) {
      const norm = Math.log(Math.exp(whole.logWeights[r * 4 + 3]!) + Math.exp(whole.logWeights[r * 4 + 1]!));
      [3, 1].forEach((c, j) => {
        expect(part.logWeights[r * 2 + j]).toBeCloseTo(whole.logWeights[r * 4 + c]! - norm, 5);
        for (let e = 0; e < 3; e++) {
          expect(part.means[(r * 2 + j) * 3 + e]).toBeCloseTo(whole.means[(r * 4 + c) * 3 + e]!, 5);
          expect(part.scales[(r * 2 + j) * 3 + e]).toBeCloseTo(whole.scales[(r * 4 + c) * 3 + e]!, 5);
        }
        for (let f = 0; f < p; f++)
          expect(part.factors![(r * 2 + j) * p + f]).toBeCloseTo(whole.factors![(r * 4 + c) * p + f]!, 5);
      });
    }
    expect(() => model.withComponents([4])).toThrow(/keep must list distinct components in \[0, 3\]/);
    model.dispose();
    kept.dispose();
  });
});
