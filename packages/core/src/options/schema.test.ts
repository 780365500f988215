import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { type PlanOptions, resolveTrainPlan, type TrainPlan } from '../train/plan.js';
import {
  checkOption,
  DEFAULT_MDN_CONFIG,
  describeDefault,
  optionsMarkdown,
  parseOptionText,
  setOption,
  TRAIN_OPTIONS,
  trainOption,
} from './schema.js';

const shape = { rows: 400, inputs: 2, targets: 1 };

/** Where an option's value lands in a plan, for the options whose plan field is not the option's own name. */
function planned(plan: TrainPlan, name: string): unknown {
  if (name.startsWith('model.')) return (plan.model as unknown as Record<string, unknown>)[name.slice(6)];
  if (name === 'warmupEpochs') return plan.warmupSteps / plan.stepsPerEpoch;
  if (name === 'validationSplit') return plan.validationFraction;
  const value = (plan as unknown as Record<string, unknown>)[name];
  // "Off" is stored as null (JSON has no Infinity).
  return value === null && (name === 'patience' || name === 'clipNorm') ? Number.POSITIVE_INFINITY : value;
}

describe('the option schema', () => {
  it('a plan made without options has every default the schema writes as a value', () => {
    const plan = resolveTrainPlan({}, shape);
    const literal = TRAIN_OPTIONS.filter((spec) => spec.default.value !== undefined && !spec.default.derived);
    expect(literal.length).toBeGreaterThan(15);
    for (const spec of literal) expect(planned(plan, spec.name), spec.name).toEqual(spec.default.value);
    // and the architecture's defaults are the model options' own.
    for (const [field, value] of Object.entries(DEFAULT_MDN_CONFIG)) {
      const spec = TRAIN_OPTIONS.find((s) => s.name === `model.${field}`);
      if (spec) expect(spec.default.value ?? spec.default.direct, field).toEqual(value);
    }
  });

  it('every default and every off value is a value the option takes, and a plan accepts each off value', () => {
    for (const spec of TRAIN_OPTIONS) {
      for (const value of [spec.default.value, spec.default.direct, spec.off]) {
        if (value !== undefined) expect(checkOption(spec, value), spec.name).toBeUndefined();
      }
      expect(describeDefault(spec).length, spec.name).toBeGreaterThan(0);
      if (spec.off === undefined) continue;
      const options: Record<string, unknown> = {};
      setOption(options, spec.name, spec.off);
      expect(() => resolveTrainPlan(options as PlanOptions, shape), spec.name).not.toThrow();
    }
  });

  it('every field of PlanOptions is in the schema (a plan takes all of them at once)', () => {
    // Typed as Required<PlanOptions>: a new field must be added here, and the plan refuses one the schema lacks.
    const every: Required<PlanOptions> = {
      model: {
        family: 'gaussian',
        components: 3,
        hidden: [8],
        activation: 'relu',
        scaleActivation: 'softplus',
        scaleFloor: 1e-3,
        covariance: 'diagonal',
        tailWeight: 0.05,
        tailScale: 3,
        atoms: [],
        discrete: null,
      },
      target: 'continuous',
      standardize: true,
      initialization: 'spread',
      epochs: 10,
      batchSize: 32,
      learningRate: 1e-3,
      schedule: 'cosine',
      warmupEpochs: 0.5,
      validationSplit: 0.2,
      patience: 5,
      clipNorm: 1,
      meanWarmupEpochs: 0,
      noise: { x: 0.1, y: 0.2, anneal: false },
      seed: 7,
      guardNonFinite: true,
      restoreBest: false,
      maxBadSteps: 3,
      ensemble: 2,
      allowLowPrecision: false,
      adam: { beta1: 0.8, beta2: 0.99, epsilon: 1e-8 },
    };
    const plan = resolveTrainPlan(every, shape);
    for (const spec of TRAIN_OPTIONS.filter((s) => !['model.components', 'noise', 'adam'].includes(s.name))) {
      const [head, field] = spec.name.split('.') as [keyof PlanOptions, string | undefined];
      const given = field === undefined ? every[head] : (every[head] as Record<string, unknown>)[field];
      expect(planned(plan, spec.name), spec.name).toEqual(given);
    }
    expect(plan.adam).toEqual({ beta1: 0.8, beta2: 0.99, epsilon: 1e-8 });
    expect(plan.model.components).toBe(3);
  });

  it("an object option's fields are checked one by one and named", () => {
    const refusal = (options: PlanOptions) => {
      try {
        resolveTrainPlan(options, shape);
      } catch (error) {
        return (error as InputError).fields;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal({ adam: { beta1: 1 } })).toEqual({ option: 'adam.beta1', reason: 'must be in [0, 1), got 1' });
    expect(refusal({ adam: { epsilon: 0 } }).option).toBe('adam.epsilon');
    expect(refusal({ noise: { y: 0.1 } as never })).toEqual({
      option: 'noise.x',
      reason: 'must be a number ≥ 0, got undefined',
    });
    expect(() => resolveTrainPlan({ adam: { beta3: 0.5 } as never }, shape)).toThrow(/unknown adam option 'beta3'/);
    // Part of Adam's settings: the rest keep their defaults.
    expect(resolveTrainPlan({ adam: { beta2: 0.99 } }, shape).adam).toEqual({ beta1: 0.9, beta2: 0.99, epsilon: 1e-7 });
  });

  it('reads text as flags and form fields give it: off, the flag’s own reading, and a refusal that says what it expects', () => {
    expect(parseOptionText(trainOption('noise'), '0.1')).toEqual({ x: 0.1, y: 0.1, anneal: true });
    expect(parseOptionText(trainOption('noise'), 'off')).toBe(false);
    expect(parseOptionText(trainOption('noise'), '0')).toBe(false);
    expect(parseOptionText(trainOption('patience'), 'OFF')).toBe(Number.POSITIVE_INFINITY);
    expect(parseOptionText(trainOption('model.tailWeight'), 'off')).toBe(0);
    expect(parseOptionText(trainOption('model.components'), 'auto')).toBe('auto');
    expect(parseOptionText(trainOption('model.hidden'), ' 128, 64 ')).toEqual([128, 64]);
    expect(parseOptionText(trainOption('schedule'), 'cosine')).toBe('cosine');
    for (const [name, text, reason] of [
      ['epochs', '2.5', "expected a whole number ≥ 1, got '2.5'"],
      ['learningRate', '0x10', "expected a number > 0, got '0x10'"],
      ['model.tailWeight', '0.5', "expected a number in [0, 0.5) or 'off', got '0.5'"],
      ['schedule', 'linear', "expected one of plateau, cosine, constant, got 'linear'"],
      ['model.hidden', '128,,64', "expected whole numbers ≥ 1 separated by commas (like 128,128), got '128,,64'"],
      ['epochs', 'off', "expected a whole number ≥ 1, got 'off'"],
    ] as const) {
      try {
        parseOptionText(trainOption(name), text);
        throw new Error(`${name} ${text} was read`);
      } catch (error) {
        expect(InputError.isInstance(error), String(error)).toBe(true);
        expect((error as InputError).fields).toEqual({ option: name, reason });
      }
    }
  });

  it('docs/options.md is the schema as Markdown (run `pnpm docs:options` after changing the schema)', () => {
    const file = new URL('../../../../docs/options.md', import.meta.url);
    expect(readFileSync(file, 'utf8')).toBe(optionsMarkdown());
  });
});
