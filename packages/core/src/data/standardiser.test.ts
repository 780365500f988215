import { referenceLogProb } from '@mdn/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { GaussianMixture } from '../mixture/gaussian-mixture.js';
import { MixtureDensityNetwork } from '../model/network.js';
import { toMatrix } from './matrix.js';
import { Standardiser } from './standardiser.js';

describe('Standardiser', () => {
  it('fits mean and population standard deviation per column, accurately for large offsets', () => {
    const s = Standardiser.fit([
      [1e6 + 1, 10],
      [1e6 + 2, 20],
      [1e6 + 3, 30],
    ]);
    expect(s.mean[0]).toBeCloseTo(1e6 + 2, 9);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(2 / 3), 9);
    expect(s.scale[1]).toBeCloseTo(10 * Math.sqrt(2 / 3), 9);
    const z = s.transform([[1e6 + 3, 30]]);
    expect(z.data[0]).toBeCloseTo(Math.sqrt(3 / 2), 5);
    expect(s.inverse(z).data[1]).toBeCloseTo(30, 4);
  });

  it('log p in original units = log p̃ in standardised units + logDetJacobian, and inverseMixture agrees', () => {
    const s = new Standardiser([10, -3], [4, 0.5]);
    const tilde = {
      logits: [0.3, -0.2],
      means: [
        [0.1, -1],
        [1, 0.5],
      ],
      scales: [
        [0.7, 1.2],
        [0.4, 0.9],
      ],
    };
    const y = [12.5, -2.8];
    const yTilde = [(12.5 - 10) / 4, (-2.8 + 3) / 0.5];
    const viaJacobian = referenceLogProb(tilde, yTilde) + s.logDetJacobian;
    const original = {
      logits: tilde.logits,
      means: tilde.means.map(([a, b]) => [a! * 4 + 10, b! * 0.5 - 3]),
      scales: tilde.scales.map(([a, b]) => [a! * 4, b! * 0.5]),
    };
    expect(viaJacobian).toBeCloseTo(referenceLogProb(original, y), 12);
    const mixture = GaussianMixture.diagonal({
      logits: tf.tensor2d([tilde.logits]),
      means: tf.tensor3d([tilde.means]),
      scales: tf.tensor3d([tilde.scales]),
    });
    const mapped = s.inverseMixture(mixture);
    const lp = mapped.logProb(tf.tensor2d([y])).dataSync()[0]!;
    expect(lp).toBeCloseTo(viaJacobian, 4);
    const host = s.inverseHostMixture(mixture.toHostSync());
    expect(host.logProbAt(0, y)).toBeCloseTo(viaJacobian, 5);
    mapped.dispose();
    mixture.dispose();
  });

  it('flags constant columns (scale 1) and names non-finite cells', () => {
    const s = Standardiser.fit([
      [1, 5],
      [2, 5],
    ]);
    expect(s.constantColumns).toEqual([1]);
    expect(s.scale[1]).toBe(1);
    expect(() => Standardiser.fit([[1], [Number.NaN]], { name: 'targets', columnNames: ['price'] })).toThrow(
      "targets: row 1, column 'price' is NaN; every value must be a finite number",
    );
    expect(() => Standardiser.fit([], { name: 'inputs' })).toThrow(/empty/);
  });

  it('round-trips through JSON and checks column counts', () => {
    const s = Standardiser.fit([
      [1, 2],
      [3, 5],
    ]);
    const back = Standardiser.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(Array.from(back.mean)).toEqual(Array.from(s.mean));
    expect(() => back.transform([[1, 2, 3]])).toThrow(/expected 2 columns, got 3/);
    expect(() => Standardiser.fromJSON({ mean: [0], scale: [0] })).toThrow(/scale of column 0/);
  });

  it('a model standardises a tensor of inputs as it does rows, and leaks nothing', () => {
    const s = new Standardiser([1, 2], [2, 4]);
    const model = MixtureDensityNetwork.create(
      { inputDimension: 2, outputDimension: 1, hidden: [4] },
      { inputStandardiser: s },
    );
    const input = tf.tensor2d([[3, 10]]);
    const before = tf.memory().numTensors;
    const fromTensor = model.predictHostSync(input);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(fromTensor.means)).toEqual(Array.from(model.predictHostSync([[3, 10]]).means));
    // what reached the network is the standardised row: (3 − 1)/2, (10 − 2)/4 (the same weights: seed 0)
    const other = MixtureDensityNetwork.create({ inputDimension: 2, outputDimension: 1, hidden: [4] });
    expect(Array.from(other.predictHostSync([[1, 2]]).means)).toEqual(Array.from(fromTensor.means));
    input.dispose();
    model.dispose();
    other.dispose();
  });

  it('toMatrix reads rows, flat arrays and rejects ragged input', () => {
    expect(toMatrix([1, 2, 3])).toMatchObject({ rows: 3, columns: 1 });
    expect(() => toMatrix([[1, 2], [3]], 'x')).toThrow('x: row 1 has 1 values, expected 2');
  });

  it('only a column of equal values is constant: 1e8 ± 1e-4, a 1e-30 scale and subnormal values are data', () => {
    const cases: [number[], number][] = [
      [[1e8, 1e8 + 1e-4, 1e8 - 1e-4], Math.sqrt(2 / 3) * 1e-4],
      [[1e-30, 2e-30, 3e-30], Math.sqrt(2 / 3) * 1e-30],
      [[1e-310, 2e-310, 3e-310], Math.sqrt(2 / 3) * 1e-310],
      [[1e200, 3e200, 2e200], Math.sqrt(2 / 3) * 1e200],
    ];
    for (const [values, sd] of cases) {
      const s = Standardiser.fit(values.map((v) => [v]));
      expect(s.constantColumns).toEqual([]);
      // (1e8 ± 1e-4 is stored to about 1.5e-8, so the spread itself is known to about 1e-4 relative)
      expect(Math.abs(s.scale[0]! / sd - 1)).toBeLessThan(1e-3);
      const z = Array.from(s.transform(values.map((v) => [v])).data);
      const mean = z.reduce((a, b) => a + b, 0) / z.length;
      expect(Math.abs(mean)).toBeLessThan(1e-6);
      expect(Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length)).toBeCloseTo(1, 6);
      expect(z.every(Number.isFinite)).toBe(true);
    }
    expect(Standardiser.fit([[5], [5], [5]]).constantColumns).toEqual([0]);
  });

  it('toMatrix refuses null, empty strings and text instead of turning them into 0', () => {
    expect(() => toMatrix([[1], [null], [3]] as never, 'inputs')).toThrow(
      'inputs: row 1, column 0 is null, not a number',
    );
    expect(() => toMatrix([1, '', 3] as never, 'targets')).toThrow("targets: row 1 is '', not a number");
    expect(() => toMatrix([[1, '2']] as never, 'x')).toThrow("x: row 0, column 1 is the text '2', not a number");
    expect(() => toMatrix([[1, '2']] as never, 'x')).toThrow(InputError);
  });
});
