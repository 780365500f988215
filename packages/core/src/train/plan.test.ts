import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { trainingBytes } from '../model/config.js';
import { describeTrainPlan, resolveTrainPlan, TRAIN_DEFAULTS } from './plan.js';
import { FORUM_TRAIN_OPTIONS, planTraining } from './train.js';

describe('resolveTrainPlan', () => {
  it('derives the defaults from the data shape', () => {
    const plan = resolveTrainPlan({}, { rows: 5000, inputs: 1, targets: 1 });
    expect(plan).toMatchObject({
      trainRows: 4500,
      validationRows: 500,
      validation: 'split',
      batchSize: 128,
      stepsPerEpoch: 36,
      epochs: 833,
      totalSteps: 833 * 36,
      learningRate: 3e-3,
      schedule: 'plateau',
      reductions: 3,
      reductionFactor: 0.3,
      finalLearningRateFraction: 1,
      warmupSteps: 36,
      meanWarmupEpochs: 3,
      patience: 20,
      clipNorm: 10,
      seed: 0,
    });
    // Noise shrinks with the rows and grows with the dimension: c · n^(−1/(2 + d)).
    expect(plan.noise!.x).toBeCloseTo(TRAIN_DEFAULTS.noiseScale.x * 4500 ** (-1 / 4), 3);
    expect(plan.noise!.y).toBeCloseTo(TRAIN_DEFAULTS.noiseScale.y * 4500 ** (-1 / 4), 3);
    const wide = resolveTrainPlan({}, { rows: 5000, inputs: 13, targets: 1 });
    expect(wide.noise!.x).toBeGreaterThan(2 * plan.noise!.x);
    expect(resolveTrainPlan({}, { rows: 500, inputs: 1, targets: 1 }).noise!.x).toBeGreaterThan(plan.noise!.x);
    expect(plan.model).toMatchObject({ inputDimension: 1, outputDimension: 1, components: 5, hidden: [128, 128] });
    // The width grows with the training rows (a validation split counts against them); a given width is kept.
    const shape = { inputs: 1, targets: 1 };
    expect(resolveTrainPlan({}, { rows: 1100, ...shape }).model.hidden).toEqual([64, 64]);
    expect(resolveTrainPlan({}, { rows: 1112, ...shape }).model.hidden).toEqual([...TRAIN_DEFAULTS.wideHidden]);
    expect(resolveTrainPlan({ validationSplit: 0 }, { rows: 1000, ...shape }).model.hidden).toEqual([128, 128]);
    expect(resolveTrainPlan({ model: { hidden: [32] } }, { rows: 5000, ...shape }).model.hidden).toEqual([32]);
    // Predictive tails: the square of the default y-noise bandwidth, whether noise is on or off; capped; settable.
    expect(plan.model.tailWeight).toBeCloseTo((TRAIN_DEFAULTS.noiseScale.y * 4500 ** (-1 / 4)) ** 2, 5);
    expect(plan.model.tailWeight).toBeLessThan(0.005);
    expect(resolveTrainPlan({ noise: false }, { rows: 5000, inputs: 1, targets: 1 }).model.tailWeight).toBe(
      plan.model.tailWeight,
    );
    expect(wide.model.tailWeight).toBeGreaterThan(10 * plan.model.tailWeight);
    expect(resolveTrainPlan({}, { rows: 60, inputs: 30, targets: 1 }).model.tailWeight).toBe(
      TRAIN_DEFAULTS.maxTailWeight,
    );
    expect(resolveTrainPlan({ model: { tailWeight: 0 } }, { rows: 500, inputs: 8, targets: 1 }).model.tailWeight).toBe(
      0,
    );
    expect(describeTrainPlan(wide)).toContain(`tails (weight ${wide.model.tailWeight} at 2σ)`);
    // The default ensemble: min(5, ⌊5 000 / rows⌋) networks, at least 1; a given number is kept.
    expect(TRAIN_DEFAULTS.ensembleRows).toBe(5000);
    expect(plan.ensemble).toBe(1);
    const members = (rows: number, options = {}) => resolveTrainPlan(options, { rows, ...shape }).ensemble;
    expect([40, 455, 1000, 1001, 1315, 1707, 2500, 2501, 4999, 5000, 100_000].map((n) => members(n))).toEqual([
      5, 5, 5, 4, 3, 2, 2, 1, 1, 1, 1,
    ]);
    expect(members(455, { ensemble: 1 })).toBe(1);
    // Before 'auto' has chosen K, the ensemble's size is said with K.
    expect(describeTrainPlan(resolveTrainPlan({ model: { components: 'auto' } }, { rows: 455, ...shape }))).toMatch(
      /one mixture of 5×2×K components/,
    );
    expect(members(50_000, { ensemble: 3 })).toBe(3);
    expect(describeTrainPlan(resolveTrainPlan({}, { rows: 455, inputs: 13, targets: 1 }))).toMatch(
      /^ensemble {4}5 networks \(seeds 0…4, each its own validation split\)/m,
    );
    // Small data: the whole set is one batch, nothing is held out below 50 rows, the epoch budget is capped.
    const small = resolveTrainPlan({}, { rows: 40, inputs: 3, targets: 2 });
    expect(small).toMatchObject({ trainRows: 40, validationRows: 0, validation: 'none', batchSize: 40 });
    expect(small.epochs).toBe(TRAIN_DEFAULTS.maxEpochs);
  });

  it('is JSON-safe and pure: "off" is null, the same inputs give the same plan', () => {
    const plan = resolveTrainPlan(FORUM_TRAIN_OPTIONS, { rows: 1000, inputs: 1, targets: 1 });
    expect(plan.patience).toBeNull();
    expect(plan.clipNorm).toBeNull();
    expect(plan.noise).toBeNull();
    expect(plan.model.tailWeight).toBe(0);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(resolveTrainPlan(FORUM_TRAIN_OPTIONS, { rows: 1000, inputs: 1, targets: 1 })).toEqual(plan);
    expect(describeTrainPlan(plan)).toContain('patience off');
  });

  it('refuses unknown options with the nearest name, and values out of range naming the option', () => {
    const shape = { rows: 100, inputs: 1, targets: 1 };
    expect(() => resolveTrainPlan({ epoch: 3 } as never, shape)).toThrow(
      "unknown train option 'epoch'; did you mean 'epochs'?",
    );
    expect(() => resolveTrainPlan({ model: { hiden: [3] } } as never, shape)).toThrow(/did you mean 'hidden'/);
    expect(() => resolveTrainPlan({ batchSize: 0 }, shape)).toThrow('batchSize must be a whole number ≥ 1, got 0');
    expect(() => resolveTrainPlan({ clipNorm: 0 }, shape)).toThrow(
      expect.objectContaining({ fields: expect.objectContaining({ option: 'clipNorm' }) }),
    );
    expect(() => resolveTrainPlan({ seed: 2 ** 32 + 1 }, shape)).toThrow(/seed must be a whole number in/);
    expect(() => resolveTrainPlan({ validationSplit: 0.99 }, shape)).toThrow(/leaves 1 training rows/);
    expect(() => resolveTrainPlan({ model: { components: 0 } }, shape)).toThrow(
      expect.objectContaining({
        code: 'invalid-option',
        fields: expect.objectContaining({ option: 'model.components' }),
      }),
    );
    expect(() => resolveTrainPlan({ model: { tailWeight: 0.6 } }, shape)).toThrow(/model\.tailWeight must be in/);
    expect(() => planTraining([[1], [2]], [[1], [2]], { sampleWeights: [1, 2] } as never)).toThrow(
      /unknown train option 'sampleWeights'/,
    );
  });

  it('planTraining counts an explicit validation set as given', () => {
    const x = Array.from({ length: 60 }, (_, i) => [i]);
    const plan = planTraining(x, x, { validation: { x: [[1], [2], [3]], y: [[1], [2], [3]] } });
    expect(plan).toMatchObject({ trainRows: 60, validationRows: 3, validation: 'given', validationFraction: 0 });
  });

  it('an option error carries the option as the caller names it and the reason apart, for callers with other names', () => {
    const shape = { rows: 100, inputs: 1, targets: 1 };
    const thrown = (options: Parameters<typeof resolveTrainPlan>[0], at = shape) => {
      try {
        resolveTrainPlan(options, at);
      } catch (error) {
        return error as InputError;
      }
      throw new Error('expected an error');
    };
    for (const [options, option, reason] of [
      [{ model: { tailWeight: 0.6 } }, 'model.tailWeight', 'must be in [0, 0.5), got 0.6'],
      [{ validationSplit: 0.99 }, 'validationSplit', '0.99 leaves 1 training rows of 100; at least 2 are needed'],
      [{ ensemble: 1000 }, 'ensemble', 'must be at most 100 networks, got 1000'],
      [{ model: { hidden: [0] } }, 'model.hidden[0]', 'must be a whole number ≥ 1, got 0'],
      [{ noise: { x: -1, y: 0, anneal: true } }, 'noise.x', 'must be a number ≥ 0, got -1'],
      [
        { noise: { x: 0.1, y: 1e300, anneal: true } },
        'noise.y',
        'must be at most 10 (standard deviations of the standardised data, whose own is 1), got 1e+300',
      ],
    ] as const) {
      const error = thrown(options as never);
      expect(InputError.isInstance(error)).toBe(true);
      expect(error.code).toBe('invalid-option');
      expect(error.fields).toEqual({ option, reason });
      expect(error.message).toBe(`${option} ${reason}`);
    }
    // 'auto' on a few rows names the option to change (validationSplit), with no advice the caller cannot follow.
    const auto = thrown({ model: { components: 'auto' } }, { rows: 3, inputs: 1, targets: 1 });
    expect(auto.fields.option).toBe('model.components');
    expect(auto.message).toContain('hold some out with validationSplit, or give a number of components');
  });

  it('refuses a run whose memory would not fit, before anything is allocated, naming the settings that make it large', () => {
    const shape = { rows: 400, inputs: 2, targets: 1 };
    for (const options of [{ model: { hidden: [2_000_000] } }, { model: { components: 100_000 } }]) {
      let error: InputError | undefined;
      try {
        resolveTrainPlan({ ...options, ensemble: 1 }, shape);
      } catch (caught) {
        error = caught as InputError;
      }
      expect(error?.code).toBe('invalid-option');
      expect(error?.message).toMatch(
        /needs about [\d.]+ GiB .*; the limit is 2 GiB: use narrower layers \(model\.hidden\)/,
      );
    }
    // Large but within the limit: 3 000 components on a small net; the defaults hold a few megabytes.
    expect(() => resolveTrainPlan({ model: { components: 3000 }, ensemble: 1 }, shape)).not.toThrow();
    expect(trainingBytes({ ...resolveTrainPlan({}, shape).model }, 128)).toBeLessThan(5e7);
  });
});
