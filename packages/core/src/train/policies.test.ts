import { describe, expect, it } from 'vitest';
import { resolveTrainPlan } from './plan.js';
import { EarlyStoppingPolicy, LearningRatePolicy, NoisePolicy, RecoveryPolicy } from './policies.js';

// 100 training rows, batch 10: 10 steps per epoch; 20 epochs = 200 steps.
const shape = { rows: 100, inputs: 1, targets: 1 };
const plan = (options = {}) =>
  resolveTrainPlan({ batchSize: 10, epochs: 20, validationSplit: 0, meanWarmupEpochs: 0, ...options }, shape);

/** Feeds one loss per epoch; returns the decisions' best epoch and the epoch it stopped at (or null). */
function replay(policy: EarlyStoppingPolicy, losses: number[], stepsPerEpoch: number) {
  for (const [i, loss] of losses.entries()) {
    const { stop } = policy.observe(i + 1, loss, (i + 1) * stepsPerEpoch);
    if (stop) return { best: policy.bestEpoch, stoppedAt: i + 1 };
  }
  return { best: policy.bestEpoch, stoppedAt: null };
}

describe('EarlyStoppingPolicy', () => {
  it('with the cosine schedule, never keeps a peak-rate epoch: the search restarts at half the schedule', () => {
    // The lowest loss of the run is at epoch 3 (the peak-rate half); the low-rate half is worse but flat.
    const losses = [2, 1.5, 0.5, 1.4, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.2, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25];
    const result = replay(new EarlyStoppingPolicy(plan({ patience: 4, schedule: 'cosine' })), losses, 10);
    expect(result.best).toBe(11);
    expect(result.stoppedAt).toBe(15);
  });

  it('plateau: lowers the rate after `patience` epochs without improvement, `reductions` times, then stops', () => {
    const p = plan({ patience: 3 });
    expect(p).toMatchObject({ schedule: 'plateau', reductions: 3, reductionFactor: 0.3 });
    const policy = new EarlyStoppingPolicy(p);
    // Improves until epoch 4, then flat: a plateau at 7. The run goes back to the best weights and the search
    // restarts, so the next epoch is that phase's best: plateaus follow at 11 and 15; stop at 19.
    const decisions = Array.from({ length: 19 }, (_, i) =>
      policy.observe(i + 1, i < 4 ? 2 - i * 0.1 : 1.7, (i + 1) * 10),
    );
    expect(decisions.flatMap((d, i) => (d.reduce ? [i + 1] : []))).toEqual([7, 11, 15]);
    expect(decisions.flatMap((d, i) => (d.stop ? [i + 1] : []))).toEqual([19]);
    expect(policy.bestEpoch).toBe(16);
    // An improvement after a reduction restarts the clock from the new best.
    const again = new EarlyStoppingPolicy(p);
    const losses = [2, 1.9, 1.9, 1.9, 1.9, 1.8, 1.9, 1.9, 1.9];
    const reduced = losses.map((loss, i) => again.observe(i + 1, loss, (i + 1) * 10).reduce);
    expect(reduced).toEqual([false, false, false, false, true, false, false, false, true]);
    expect(again.bestEpoch).toBe(6);
  });

  it('with a constant rate, the best epoch is the lowest loss anywhere', () => {
    const losses = [2, 1.5, 0.5, 1.4, 1.3, 1.3, 1.3, 1.3];
    const result = replay(new EarlyStoppingPolicy(plan({ patience: 4, schedule: 'constant' })), losses, 10);
    expect(result).toEqual({ best: 3, stoppedAt: 7 });
  });

  it('ignores non-finite losses, needs an improvement above 1e-4, and never stops without patience', () => {
    const policy = new EarlyStoppingPolicy(plan({ patience: Number.POSITIVE_INFINITY, schedule: 'constant' }));
    expect(policy.observe(1, Number.NaN, 10)).toEqual({ best: false, reduce: false, stop: false });
    expect(policy.observe(2, 1, 20)).toEqual({ best: true, reduce: false, stop: false });
    expect(policy.observe(3, 1 - 5e-5, 30)).toEqual({ best: false, reduce: false, stop: false });
    for (let epoch = 4; epoch < 100; epoch++) expect(policy.observe(epoch, 2, epoch * 10).stop).toBe(false);
    expect(policy.bestEpoch).toBe(2);
  });

  it('counts patience from the end of the mean-first warm-up', () => {
    const policy = new EarlyStoppingPolicy(plan({ patience: 2, schedule: 'constant', meanWarmupEpochs: 5 }));
    const stops = [1, 2, 3, 4, 5, 6, 7].map((epoch) => policy.observe(epoch, epoch === 1 ? 0.1 : 1, epoch * 10).stop);
    expect(stops).toEqual([false, false, false, false, false, false, true]);
  });
});

describe('LearningRatePolicy, NoisePolicy, RecoveryPolicy', () => {
  it('follows the plan: warm-up, cosine to 1 %, and the recovery scale', () => {
    const p = plan({ learningRate: 0.01, warmupEpochs: 1, schedule: 'cosine' });
    const rate = new LearningRatePolicy(p);
    expect(rate.rateAt(0)).toBeCloseTo(0.001, 12);
    expect(rate.rateAt(9)).toBeCloseTo(0.01, 12);
    expect(rate.rateAt(p.totalSteps)).toBeCloseTo(0.0001, 12);
    rate.scale = 0.5;
    expect(rate.rateAt(9)).toBeCloseTo(0.005, 12);
  });

  it('anneals the noise linearly to 0 (cosine), with the rate and over the last quarter of the budget (plateau), or keeps it, or has none', () => {
    const noise = { x: 0.1, y: 0.2, anneal: true };
    const cosine = plan({ noise, schedule: 'cosine' });
    const annealed = new NoisePolicy(cosine, new LearningRatePolicy(cosine));
    expect(annealed.at(0)).toEqual({ x: 0.1, y: 0.2, anneal: true });
    expect(annealed.at(100)!.x).toBeCloseTo(0.05, 12);
    expect(annealed.at(200)).toBeNull();
    const plateau = plan({ noise });
    const rate = new LearningRatePolicy(plateau);
    const withRate = new NoisePolicy(plateau, rate);
    expect(withRate.at(150)).toEqual(noise);
    // The last quarter of the 200-step budget takes it linearly to 0: a run its budget ends finishes without noise.
    expect(withRate.at(175)!.x).toBeCloseTo(0.05, 12);
    expect(withRate.at(175)!.y).toBeCloseTo(0.1, 12);
    expect(withRate.at(200)).toBeNull();
    rate.reduce();
    rate.reduce();
    expect(withRate.at(150)!.y).toBeCloseTo(0.2 * 0.09, 12);
    expect(rate.rateAt(150)).toBeCloseTo(3e-3 * 0.09, 12);
    const kept = plan({ noise: { x: 0.1, y: 0, anneal: false }, schedule: 'cosine' });
    expect(new NoisePolicy(kept, new LearningRatePolicy(kept)).at(199)).toEqual({ x: 0.1, y: 0, anneal: false });
    const none = plan({ noise: false });
    expect(new NoisePolicy(none, new LearningRatePolicy(none)).at(0)).toBeNull();
  });

  it('halves the rate after maxBadSteps non-finite steps in a row, and gives up after 64×', () => {
    const p = plan({ maxBadSteps: 3 });
    const rate = new LearningRatePolicy(p);
    const recovery = new RecoveryPolicy(p, rate);
    expect(recovery.observe(2)).toBe('ok');
    for (let i = 1; i <= 6; i++) {
      expect(recovery.observe(3)).toBe('recover');
      expect(rate.scale).toBe(2 ** -i);
    }
    expect(() => recovery.observe(3)).toThrow(/training diverged: 3 consecutive steps .* 64×/);
  });
});
