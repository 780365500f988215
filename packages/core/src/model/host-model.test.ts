import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { Standardiser } from '../data/standardiser.js';
import type { HostMixture } from '../mixture/host-mixture.js';
import { createRandom } from '../random/rng.js';
import { train } from '../train/train.js';
import type { MdnConfig } from './config.js';
import { ModelFormatError } from './file-format.js';
import { HostModel } from './host-model.js';
import { loadModel, saveModel } from './model-file.js';
import { MixtureDensityNetwork } from './network.js';

/** The JSON Schema shipped as `@mdn/core/model-file.schema.json`: every file these tests save must satisfy it. */
const validate = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'schema', 'model-file.schema.json'), 'utf8')),
);

/** Reads a model file's text with HostModel, after checking it against the schema. */
function loadChecked(text: string): HostModel {
  const valid = validate(JSON.parse(text));
  expect(validate.errors ?? [], 'the model file schema').toEqual([]);
  expect(valid).toBe(true);
  return HostModel.load(text);
}

/** Inputs spread over a few standard deviations of the standardisers below. */
function inputs(rows: number, columns: number, seed: number): number[][] {
  const random = createRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: columns }, () => 10 + 6 * (2 * random.uniform() - 1)));
}

/** Two mixtures agree to float32 rounding: weights, locations, scales, factors, and the density at a few points. */
function expectAgree(host: HostMixture, reference: HostMixture) {
  expect(host.components).toBe(reference.components);
  expect(host.dimensions).toBe(reference.dimensions);
  for (let c = 0; c < reference.components; c++) expect(host.parts.role(c)).toEqual(reference.parts.role(c));
  expect(host.parts.discrete).toEqual(reference.parts.discrete);
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, absolute: number) => {
    expect(a.length, what).toBe(b.length);
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs(a[i]! - b[i]!), `${what}[${i}]: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(
        absolute + 2e-5 * Math.abs(b[i]!),
      );
    }
  };
  close(host.logWeights, reference.logWeights, 'log-weights', 2e-5);
  close(host.means, reference.means, 'means', 1e-5);
  close(host.scales, reference.scales, 'scales', 1e-6);
  if (reference.factors) close(host.factors!, reference.factors, 'factors', 1e-5);
  else expect(host.factors).toBeUndefined();
  const mean = reference.mean();
  close(host.mean(), mean, 'mean', 1e-5);
  // A whole number for a discrete target (its probabilities are on them), else near the mean.
  const y = Float64Array.from(mean, (v, i) =>
    reference.parts.discrete ? Math.max(0, Math.round(v)) : v + 0.3 * (i % 2 === 0 ? 1 : -1),
  );
  const at = (mixture: HostMixture) =>
    Float64Array.from({ length: mixture.rows }, (_, r) =>
      mixture.logProbAt(r, y.subarray(r * mixture.dimensions, (r + 1) * mixture.dimensions)),
    );
  close(at(host), at(reference), 'log p', 1e-4);
}

const standardisers = (inputs: number, targets: number) => ({
  inputStandardiser: new Standardiser(
    Array.from({ length: inputs }, (_, i) => 10 + i),
    Array.from({ length: inputs }, (_, i) => 3 + i),
  ),
  targetStandardiser: new Standardiser(
    Array.from({ length: targets }, (_, i) => 100 - 7 * i),
    Array.from({ length: targets }, (_, i) => 20 + 5 * i),
  ),
});

describe('HostModel: a saved model evaluated without TensorFlow.js', () => {
  const cases: [string, Partial<MdnConfig> & Pick<MdnConfig, 'inputDimension' | 'outputDimension'>][] = [
    [
      'tanh, 3 components, tails',
      { inputDimension: 2, outputDimension: 1, hidden: [16, 8], components: 3, tailWeight: 0.02 },
    ],
    ['relu, no tails', { inputDimension: 3, outputDimension: 1, hidden: [8], activation: 'relu', tailWeight: 0 }],
    [
      'elu with the forum’s elu + 1 scales',
      {
        inputDimension: 1,
        outputDimension: 1,
        hidden: [8],
        activation: 'elu',
        scaleActivation: 'elu-plus-one',
        tailWeight: 0,
      },
    ],
    ['silu, three targets', { inputDimension: 2, outputDimension: 3, hidden: [8, 8], activation: 'silu' }],
    ['full covariance', { inputDimension: 2, outputDimension: 2, hidden: [8], covariance: 'full', components: 2 }],
    ['Laplace components', { inputDimension: 1, outputDimension: 1, hidden: [8], family: 'laplace' }],
    ['a discrete target', { inputDimension: 2, outputDimension: 1, hidden: [8], discrete: { lower: 0 } }],
  ];
  for (const [name, config] of cases) {
    it(`predicts what the network predicts: ${name}`, async () => {
      const model = MixtureDensityNetwork.create(config, {
        seed: 3,
        ...standardisers(config.inputDimension, config.outputDimension),
      });
      const x = inputs(7, config.inputDimension, 1);
      const host = loadChecked(saveModel(model));
      expectAgree(host.predict(x), await model.predictHost(x));
      model.dispose();
    });
  }

  it('an ensemble with point masses, read from the file’s bytes', async () => {
    const members = [1, 2, 3].map((seed) =>
      MixtureDensityNetwork.create(
        { inputDimension: 2, outputDimension: 1, hidden: [8], components: 2, tailWeight: 0.05 },
        { seed, ...standardisers(2, 1) },
      ),
    );
    const ensemble = MixtureDensityNetwork.ensemble(members);
    const model = ensemble.withAtoms([
      { value: 80, side: 'lower', scale: 0.02, reach: 1 },
      { value: 130, side: 'upper', scale: 0.02, reach: 2 },
    ]);
    const x = inputs(9, 2, 2);
    const text = saveModel(model);
    loadChecked(text);
    const host = HostModel.load(new TextEncoder().encode(text));
    const predicted = host.predict(x);
    expectAgree(predicted, await model.predictHost(x));
    expect(predicted.parts.pointMasses.map(({ atom }) => atom.value)).toEqual([80, 130]);
    for (const m of [...members, ensemble, model]) m.dispose();
  });

  it('reads raw rows through the saved input schema, as the model does', async () => {
    const random = createRandom(5);
    const records = Array.from({ length: 80 }, (_, i) => ({
      size: i % 9 === 0 ? 'NA' : String(1 + random.uniform() * 4),
      kind: ['a', 'b', 'c'][i % 3]!,
    }));
    const y = records.map((r, i) => (r.kind === 'b' ? 3 : 0) + (i % 5) + random.uniform());
    const result = await train(records, y, { ensemble: 1, epochs: 2, model: { hidden: [8] }, seed: 1 });
    const rows = [
      { size: '2.5', kind: 'c' },
      { size: '', kind: 'b' },
      { size: '1', kind: 'never seen' },
    ];
    const host = loadChecked(saveModel(result.model));
    expect(host.inputSchema?.describe()).toEqual(result.model.inputSchema?.describe());
    expectAgree(host.predict(rows), await result.model.predictHost(rows));
    expect(host.encodeInputs(rows).report.rows).toBe(3);
    result.model.dispose();
  });

  it('reads the oldest format the library reads (version 1)', async () => {
    const text = readFileSync(path.join(import.meta.dirname, 'fixtures', 'forum-toy.v1.mdn.json'), 'utf8');
    const model = loadModel(text);
    const x = [[0.5], [2], [9.5]];
    expectAgree(loadChecked(text).predict(x), await model.predictHost(x));
    model.dispose();
  });

  it('refuses what loadModel refuses, with the same message, and bad inputs with the row', () => {
    const model = MixtureDensityNetwork.create({ inputDimension: 2, outputDimension: 1, hidden: [4] });
    const text = saveModel(model);
    model.dispose();
    const edited = text.replace('"activation":"tanh"', '"activation":"relu"');
    // The schema knows the shape of a file, not its checksums: an edited activation is valid JSON of the format.
    expect(validate(JSON.parse(edited))).toBe(true);
    for (const broken of [
      text.replace('"dtype":"float32"', '"dtype":"float16"'),
      text.replace('"formatVersion":6', '"formatVersion":7'),
      text.replace('"activation":"tanh"', '"activation":"gelu"'),
      text.replace(/"contentChecksum":"[0-9a-f]+"/, '"contentChecksum":"xyz"'),
    ]) {
      expect(validate(JSON.parse(broken)), broken.slice(0, 80)).toBe(false);
      expect(() => HostModel.load(broken)).toThrow(ModelFormatError);
    }
    expect(() => HostModel.load(edited)).toThrow(ModelFormatError);
    expect(() => HostModel.load(edited)).toThrow(/content checksum/);
    expect(() => HostModel.load(text.slice(0, 200))).toThrow(/does not parse/);
    const host = HostModel.load(text);
    expect(() => host.predict([[1, 2, 3]])).toThrow('inputs must have 2 columns, got 3');
    expect(() => host.predict([[1, Number.NaN]])).toThrow(/row 0, column 1 is NaN/);
    expect(() => host.predict([{ a: '1' }])).toThrow(/no input column names/);
  });
});
