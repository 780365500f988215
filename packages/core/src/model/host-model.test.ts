import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { Standardiser } from '../data/standardiser.js';
import type { HostMixture } from '../mixture/host-mixture.js';
import { createRandom } from '../random/rng.js';
import { train } from '../train/train.js';
import type { MdnConfig } from './config.js';
import { MODEL_FILE_SCHEMA_URL, ModelFormatError } from './file-format.js';
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
    // Each saved file names its schema (editors validate it as it is typed), and the name is not part of the content.
    expect(JSON.parse(text).$schema).toBe(MODEL_FILE_SCHEMA_URL);
    expect(HostModel.load(text.replace(MODEL_FILE_SCHEMA_URL, 'elsewhere')).config.inputDimension).toBe(2);
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

const PYTHON = '/usr/bin/python3';
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy']).status === 0;

describe.skipIf(!hasNumpy)('the Python reference evaluator (packages/core/python/mdn_model.py, numpy)', () => {
  /** What the Python evaluator predicts for `rows` (and log p of `y`), by running it as a script. */
  function python(text: string, rows: unknown[], y?: number[][]) {
    const dir = mkdtempSync(path.join(tmpdir(), 'mdn-python-'));
    try {
      writeFileSync(path.join(dir, 'model.json'), text);
      writeFileSync(path.join(dir, 'rows.json'), JSON.stringify(rows));
      const args = [path.join(import.meta.dirname, '..', '..', 'python', 'mdn_model.py'), 'model.json', 'rows.json'];
      if (y) {
        writeFileSync(path.join(dir, 'y.json'), JSON.stringify(y));
        args.push('y.json');
      }
      const run = spawnSync(PYTHON, args, { cwd: dir, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as {
        logWeights: number[][];
        means: number[][][];
        scales: number[][][];
        factors: number[][][] | null;
        pointMasses: number[];
        mean: number[][];
        logProb?: number[];
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Both float64 from the same float32 weights: equal but for the order of sums. */
  function expectSame(got: ReturnType<typeof python>, host: HostMixture) {
    const close = (a: number[], b: ArrayLike<number>, what: string) => {
      expect(a.length, what).toBe(b.length);
      for (const [i, v] of a.entries()) {
        expect(Math.abs(v - b[i]!), `${what}[${i}]: ${v} vs ${b[i]}`).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(b[i]!)));
      }
    };
    close(got.logWeights.flat(), host.logWeights, 'log-weights');
    close(got.means.flat(2), host.means, 'means');
    close(got.scales.flat(2), host.scales, 'scales');
    if (host.factors) close(got.factors!.flat(2), host.factors, 'factors');
    else expect(got.factors).toBe(null);
    expect(got.pointMasses).toEqual(host.parts.pointMasses.map(({ component }) => component));
    close(got.mean.flat(), host.mean(), 'mean');
  }

  const cases: [string, Partial<MdnConfig> & Pick<MdnConfig, 'inputDimension' | 'outputDimension'>][] = [
    ['tanh with tails', { inputDimension: 2, outputDimension: 1, hidden: [16, 8], components: 3, tailWeight: 0.02 }],
    ['silu, three targets', { inputDimension: 2, outputDimension: 3, hidden: [8], activation: 'silu' }],
    ['full covariance', { inputDimension: 2, outputDimension: 2, hidden: [8], covariance: 'full', components: 2 }],
    ['Laplace, elu', { inputDimension: 1, outputDimension: 1, hidden: [8], family: 'laplace', activation: 'elu' }],
    ['a discrete target', { inputDimension: 2, outputDimension: 1, hidden: [8], discrete: { lower: 0 } }],
  ];
  for (const [name, config] of cases) {
    it(`agrees with HostModel: ${name}`, () => {
      const model = MixtureDensityNetwork.create(config, {
        seed: 4,
        ...standardisers(config.inputDimension, config.outputDimension),
      });
      const text = saveModel(model);
      model.dispose();
      const x = inputs(6, config.inputDimension, 2);
      const host = HostModel.load(text).predict(x);
      const d = config.outputDimension;
      const y = Array.from({ length: x.length }, (_, r) =>
        Array.from({ length: d }, (_, e) =>
          config.discrete
            ? Math.max(0, Math.round(host.means[r * host.components * d + e]!))
            : host.means[r * host.components * d + e]! + 0.5,
        ),
      );
      const got = python(text, x, host.factors ? undefined : y);
      expectSame(got, host);
      if (!host.factors) {
        const expected = y.map((row, r) => host.logProbAt(r, row));
        for (const [r, v] of got.logProb!.entries()) expect(v).toBeCloseTo(expected[r]!, 9);
      }
    });
  }

  it('agrees with HostModel on an ensemble with point masses and on raw records (levels, missing cells, dates)', async () => {
    const members = [1, 2].map((seed) =>
      MixtureDensityNetwork.create(
        { inputDimension: 2, outputDimension: 1, hidden: [8], components: 2, tailWeight: 0.05 },
        { seed, ...standardisers(2, 1) },
      ),
    );
    const ensemble = MixtureDensityNetwork.ensemble(members);
    const withAtoms = ensemble.withAtoms([{ value: 80, side: 'lower', scale: 0.02, reach: 1 }]);
    const text = saveModel(withAtoms);
    for (const m of [...members, ensemble, withAtoms]) m.dispose();
    const x = inputs(5, 2, 3);
    expectSame(python(text, x), HostModel.load(text).predict(x));

    const random = createRandom(8);
    const records = Array.from({ length: 90 }, (_, i) => ({
      size: i % 11 === 0 ? 'NA' : String(1 + random.uniform() * 4),
      kind: ['a', 'b', 'c', 7][i % 4]!,
      when: `20${10 + (i % 9)}-0${1 + (i % 9)}-1${i % 10}`,
    }));
    const y = records.map((r, i) => (r.kind === 'b' ? 3 : 0) + (i % 5) + random.uniform());
    const result = await train(records, y, { ensemble: 1, epochs: 2, model: { hidden: [8] }, seed: 2 });
    const raw = saveModel(result.model);
    result.model.dispose();
    const rows = [
      { size: '2.5', kind: 'c', when: '2013-05-17' },
      { size: '', kind: 7, when: '2016-12-31T18:00' },
      { size: '1', kind: 'never seen', when: 'NA' },
    ];
    expectSame(python(raw, rows), HostModel.load(raw).predict(rows));
  });
});
