import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { Standardiser } from '../data/standardiser.js';
import { type InputError, MdnError } from '../errors.js';
import { describeTrainPlan, resolveTrainPlan } from '../train/plan.js';
import { MODEL_FORMAT_VERSION, ModelFormatError } from './file-format.js';
import { loadModel, saveModel } from './model-file.js';
import { MixtureDensityNetwork } from './network.js';

function model() {
  const m = MixtureDensityNetwork.create(
    { inputDimension: 2, outputDimension: 1, hidden: [6, 5], components: 3, activation: 'silu' },
    { inputStandardiser: new Standardiser([1, 2], [3, 4]), targetStandardiser: new Standardiser([10], [2]), seed: 4 },
  );
  m.metadata = {
    inputColumns: ['a', 'b'],
    targetColumns: ['y'],
    history: [{ epoch: 1, trainLoss: 2.5, validationLoss: 2.6 }],
  };
  return m;
}

describe('model file', () => {
  it('round-trips: same config, statistics, metadata and identical densities', async () => {
    const original = model();
    const text = saveModel(original);
    const parsed = JSON.parse(text);
    expect(parsed.format).toBe('mdn-model');
    expect(parsed.formatVersion).toBe(MODEL_FORMAT_VERSION);
    const loaded = loadModel(text);
    expect(loaded.config).toEqual(original.config);
    expect(loaded.metadata).toEqual(original.metadata);
    const x = [
      [0, 1],
      [5, -3],
    ];
    const y = [[9], [14]];
    expect(Array.from(await loaded.logProb(x, y))).toEqual(Array.from(await original.logProb(x, y)));
    original.dispose();
    loaded.dispose();
  });

  it('gives clear errors for corrupt, truncated, foreign and other-version files', () => {
    const m = model();
    const text = saveModel(m);
    m.dispose();
    const file = JSON.parse(text);
    expect(() => loadModel(text.slice(0, text.length / 2))).toThrow(/does not parse.*truncated/);
    expect(() => loadModel('{"hello": 1}')).toThrow(/not a model file/);
    expect(() => loadModel(JSON.stringify({ ...file, formatVersion: 99 }))).toThrow(
      /format version 99 is not supported: this @mdn\/core reads versions 1, 2, 3, 4, 5, 6; upgrade @mdn\/core/,
    );
    const flipped = structuredClone(file);
    flipped.weights[0].data = `A${flipped.weights[0].data.slice(1)}`;
    expect(() => loadModel(flipped)).toThrow(/corrupt: weight checksum/);
    const reshaped = structuredClone(file);
    reshaped.config.hidden = [7, 5];
    expect(() => loadModel(reshaped)).toThrow(/was edited or is corrupt: its content checksum/);
    delete reshaped.contentChecksum; // removed to get an edit past the check: versions ≥ 2 always have one
    expect(() => loadModel(reshaped)).toThrow(/edited or is corrupt: it has no content checksum/);
    reshaped.formatVersion = 1; // a version-1 file written before the content checksum existed
    delete reshaped.config.covariance;
    delete reshaped.config.tailWeight;
    delete reshaped.config.tailScale;
    expect(() => loadModel(reshaped)).toThrow(/does not match its architecture/);
    expect(() => loadModel({ ...file, config: { ...file.config, components: -1 } })).toThrow(ModelFormatError);
  });

  it('loading leaks no tensors beyond the model variables', () => {
    const m = model();
    const text = saveModel(m);
    const before = tf.memory().numTensors;
    const loaded = loadModel(text);
    expect(tf.memory().numTensors - before).toBe(loaded.variables.length);
    loaded.dispose();
    m.dispose();
    expect(() => loadModel(saveModel(model()).replace('"checksum":"', '"checksum":"0'))).toThrow(/checksum/);
  });

  it('loads without a random initialisation first (variables are made from the file)', () => {
    const m = model();
    const text = saveModel(m);
    const create = vi.spyOn(MixtureDensityNetwork, 'create');
    const loaded = loadModel(text);
    expect(create).not.toHaveBeenCalled();
    create.mockRestore();
    expect(loaded.getWeights()).toEqual(m.getWeights());
    // A weight of the wrong shape is refused before any variable is made.
    const file = JSON.parse(text);
    file.weights[0].shape = [3, 6];
    // As a version-1 file (no content checksum then) so that the shape check itself is reached.
    delete file.contentChecksum;
    file.formatVersion = 1;
    delete file.config.covariance;
    delete file.config.tailWeight;
    delete file.config.tailScale;
    const before = tf.memory().numTensors;
    expect(() => loadModel(file)).toThrow(/must have shape \[2,6\], got \[3,6\]/);
    expect(tf.memory().numTensors).toBe(before);
    loaded.dispose();
    m.dispose();
  });

  it('the content checksum covers every field: an edited activation, floor, standardiser or column is refused', () => {
    const m = model();
    const text = saveModel(m);
    m.dispose();
    const file = JSON.parse(text);
    expect(file.contentChecksum).toMatch(/^[0-9a-f]{8}$/);
    const edits: ((f: typeof file) => void)[] = [
      (f) => {
        f.config.activation = 'relu';
      },
      (f) => {
        f.config.scaleFloor = 0.5;
      },
      (f) => {
        f.targetStandardiser.scale = [1e300];
      },
      (f) => {
        f.inputStandardiser.mean[0] += 1e-9;
      },
      (f) => {
        f.metadata.targetColumns = ['price'];
      },
      (f) => {
        f.weights[1].name = 'other';
      },
    ];
    for (const edit of edits) {
      const edited = structuredClone(file);
      edit(edited);
      expect(() => loadModel(edited)).toThrow(/was edited or is corrupt: its content checksum/);
    }
    // Key order and whitespace are not content: a re-indented file with its keys reordered still loads.
    const reordered = Object.fromEntries(Object.entries(file).reverse());
    const loaded = loadModel(JSON.stringify(reordered, null, 2));
    expect(loaded.config).toEqual(file.config);
    loaded.dispose();
  });

  it('a file edited around its checksums (recomputed) cannot reach readers with values of the wrong type or size', () => {
    // Each edit is saved by the library itself, so every checksum matches: only the checks of the values stand.
    const saved = (edit: (m: MixtureDensityNetwork) => MixtureDensityNetwork) => {
      const m = model();
      const edited = edit(m);
      const text = saveModel(edited);
      for (const x of new Set([m, edited])) x.dispose();
      return text;
    };
    const refused = (text: string) => {
      try {
        loadModel(text).dispose();
      } catch (error) {
        expect((error as InputError).code).toBe('model-format');
        return (error as Error).message;
      }
      throw new Error('expected the file to be refused');
    };
    const withMetadata = (metadata: unknown) =>
      saved((m) => {
        m.metadata = metadata as typeof m.metadata;
        return m;
      });
    expect(refused(withMetadata(null))).toContain('metadata must be an object, not null');
    expect(refused(withMetadata({ inputColumns: 'a' }))).toContain('metadata.inputColumns must be an array');
    expect(refused(withMetadata({ inputColumns: ['a', 5] }))).toContain(
      'metadata.inputColumns[1] must be a string, not 5',
    );
    expect(refused(withMetadata({ inputColumns: ['a', 'b', 'c'] }))).toContain(
      'metadata.inputColumns names 3 columns but the model has 2 inputs',
    );
    expect(refused(withMetadata({ history: [{ epoch: 'one' }] }))).toContain(
      'metadata.history[0].epoch must be a whole number',
    );
    expect(refused(withMetadata({ training: { seconds: { nested: 1 } } }))).toContain('metadata.training.seconds');
    const plan = { ...resolveTrainPlan({}, { rows: 100, inputs: 2, targets: 1 }) };
    expect(refused(withMetadata({ plan: { ...plan, model: { ...plan.model, hidden: 5 } } }))).toContain(
      'metadata.plan.model.hidden must be an array, not 5',
    );
    expect(refused(withMetadata({ plan: { ...plan, noise: 0.1 } }))).toContain(
      'metadata.plan.noise must be null or an object',
    );
    // A valid plan and record load; absent fields (older files) stay absent.
    const good = loadModel(withMetadata({ plan, training: { seed: 1, backend: 'cpu', note: null } }));
    expect(describeTrainPlan(good.metadata.plan!)).toContain('hidden 64,64');
    good.dispose();
    // Statistics no training data could give: they overflow every prediction.
    const shifted = saved((m) =>
      MixtureDensityNetwork.fromParts(
        m.config,
        m.inputStandardiser,
        new Standardiser([1e308], [2]),
        m.getWeights(),
        m.metadata,
      ),
    );
    expect(refused(shifted)).toContain(
      'targetStandardiser of column 1 (mean 1e+308, scale 2) is beyond what training data can give',
    );
    // Text from the file is quoted with its control characters escaped: a file cannot drive the terminal.
    const hostile = saved((m) => m).replace('"activation":"silu"', '"activation":"s\\u001b[31mx\\u0007"');
    const message = refused(hostile);
    expect(message).toContain("got 's\\x1b[31mx\\x07'");
    expect([...message].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
  });

  it('reads the bytes of a file too, and says plainly what a mistyped version or a disposed model is', () => {
    const m = model();
    const text = saveModel(m);
    for (const bytes of [Buffer.from(text), new TextEncoder().encode(text).buffer]) {
      const loaded = loadModel(bytes);
      expect(loaded.config).toEqual(m.config);
      loaded.dispose();
    }
    expect(() => loadModel(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/its bytes are not UTF-8 text/);
    expect(() =>
      loadModel(text.replace(`"formatVersion":${MODEL_FORMAT_VERSION}`, `"formatVersion":"${MODEL_FORMAT_VERSION}"`)),
    ).toThrow(
      `"formatVersion" must be a number (like ${MODEL_FORMAT_VERSION}), not the text "${MODEL_FORMAT_VERSION}"`,
    );
    m.dispose();
    let error: MdnError | undefined;
    try {
      saveModel(m);
    } catch (caught) {
      error = caught as MdnError;
    }
    expect(MdnError.isInstance(error)).toBe(true);
    expect(error?.code).toBe('disposed');
  });

  it('refuses non-finite weights even with a valid checksum, and oversized architectures before allocating', () => {
    const m = model();
    const weights = m.getWeights();
    weights[2]!.values[3] = Number.NaN;
    m.setWeights(weights);
    const text = saveModel(m);
    m.dispose();
    expect(() => loadModel(text)).toThrow(/weight 'trunk.1.kernel' holds NaN at index 3/);

    const file = JSON.parse(saveModel(model()));
    file.config.hidden = [12000, 12000];
    delete file.contentChecksum;
    const before = tf.memory();
    expect(() => loadModel(file)).toThrow(/1.44e\+8 parameters; the limit is 5e\+7/);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});

describe('model file versions', () => {
  // Written by @mdn/core before format version 2 (mdn train --example): no covariance setting, three heads.
  const versionOne = readFileSync(path.join(import.meta.dirname, 'fixtures/forum-toy.v1.mdn.json'), 'utf8');

  it('loads a version-1 file unchanged as a diagonal model without tails and writes it back as the current version', async () => {
    expect(JSON.parse(versionOne).formatVersion).toBe(1);
    const loaded = loadModel(versionOne);
    expect(loaded.config.covariance).toBe('diagonal');
    expect(loaded.config.tailWeight).toBe(0);
    expect(loaded.config.atoms).toEqual([]);
    expect(loaded.mixtureComponents).toBe(loaded.config.components);
    // Its saved plan predates tails and atoms; describing it (mdn info) still works.
    expect(describeTrainPlan(loaded.metadata.plan!)).toMatch(/^network {5}k = 5, hidden/);
    const x = [[0.5], [5], [9.5]];
    const y = [[2.1], [11], [20]];
    const before = await loaded.logProb(x, y);
    for (const v of before) expect(Number.isFinite(v)).toBe(true);
    const text = saveModel(loaded);
    expect(JSON.parse(text).formatVersion).toBe(MODEL_FORMAT_VERSION);
    const again = loadModel(text);
    expect(Array.from(await again.logProb(x, y))).toEqual(Array.from(before));
    loaded.dispose();
    again.dispose();
  });

  it('refuses a version-1 file that claims a covariance setting (version 1 had none)', () => {
    const edited = JSON.parse(versionOne);
    edited.config.covariance = 'full';
    expect(() => loadModel(JSON.stringify(edited))).toThrow(/a version-1 file has no covariance setting/);
  });

  it('refuses a version-2 file that claims tail settings (version 3 added them)', () => {
    const edited = JSON.parse(versionOne);
    edited.formatVersion = 2;
    edited.contentChecksum = undefined;
    edited.config.tailWeight = 0.05;
    expect(() => loadModel(JSON.stringify(edited))).toThrow(/a version-2 file has no tail settings/);
  });

  it('round-trips a full-covariance model: four heads, identical densities', async () => {
    const original = MixtureDensityNetwork.create(
      { inputDimension: 1, outputDimension: 3, hidden: [5], components: 2, covariance: 'full' },
      { targetStandardiser: new Standardiser([1, 2, 3], [2, 0.5, 4]), seed: 6 },
    );
    // Non-zero factors, so the off-diagonal head matters.
    original.setWeights(
      original.getWeights().map((w) => ({ ...w, values: w.values.map((v, i) => v + 0.05 * Math.sin(i + 1)) })),
    );
    expect(original.getWeights().map((w) => w.name)).toContain('head.factors.kernel');
    const loaded = loadModel(saveModel(original));
    expect(loaded.config.covariance).toBe('full');
    const x = [[-1], [0.3]];
    const y = [
      [1, 2, 3],
      [0, 2.5, 5],
    ];
    expect(Array.from(await loaded.logProb(x, y))).toEqual(Array.from(await original.logProb(x, y)));
    const host = await loaded.predictHost(x);
    expect(host.family).toBe('full');
    original.dispose();
    loaded.dispose();
  });
});
