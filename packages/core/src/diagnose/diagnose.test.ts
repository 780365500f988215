import { describe, expect, it } from 'vitest';
import { Standardiser } from '../data/standardiser.js';
import { forumToy } from '../datasets/synthetic.js';
import { MixtureDensityNetwork } from '../model/network.js';
import { createRandom } from '../random/rng.js';
import { FORUM_TRAIN_OPTIONS, train } from '../train/train.js';
import {
  crossFittedBaselines,
  fitLinearHeteroscedastic,
  linearHeteroscedastic,
  unconditionalMixture,
} from './baselines.js';
import { diagnose, formatDiagnosis } from './diagnose.js';

const data = forumToy({ rows: 2500, seed: 11 });
const test = forumToy({ rows: 3000, seed: 12 });

describe('diagnose', () => {
  it('with networks, scores each row by that network of an ensemble alone (the out-of-bag diagnosis)', async () => {
    const rows = forumToy({ rows: 200, seed: 14 });
    const standardisers = {
      inputStandardiser: new Standardiser([5], [3]),
      targetStandardiser: new Standardiser([5], [3]),
    };
    const config = { inputDimension: 1, outputDimension: 1, components: 3, hidden: [8], tailWeight: 0.05 };
    const members = [1, 2].map((seed) => MixtureDensityNetwork.create(config, { seed, ...standardisers }));
    const ensemble = MixtureDensityNetwork.ensemble(members);
    const alone = await Promise.all(members.map((m) => diagnose(m, rows.x, rows.y)));
    const logProb = await Promise.all(members.map((m) => m.logProb(rows.x, rows.y)));
    // Every row by network 0 (then 1): exactly what that network alone scores, component by component.
    for (const m of [0, 1]) {
      const report = await diagnose(ensemble, rows.x, rows.y, { networks: new Array(200).fill(m) });
      expect(report.metrics.nll).toBeCloseTo(alone[m]!.metrics.nll, 4);
      expect(report.metrics.calibrationError).toBeCloseTo(alone[m]!.metrics.calibrationError, 4);
      expect(report.metrics.componentUsage).toHaveLength(3);
      for (const [c, u] of report.metrics.componentUsage.entries()) {
        expect(u).toBeCloseTo(alone[m]!.metrics.componentUsage[c]!, 4);
      }
    }
    // Alternate rows by alternate networks: each row's own network's log-density.
    const mixed = await diagnose(ensemble, rows.x, rows.y, { networks: Array.from({ length: 200 }, (_, i) => i % 2) });
    let expected = 0;
    for (let i = 0; i < 200; i++) expected -= logProb[i % 2]![i]! / 200;
    expect(mixed.metrics.nll).toBeCloseTo(expected, 4);
    // The whole ensemble scores differently (its mixture is both networks').
    expect(Math.abs((await diagnose(ensemble, rows.x, rows.y)).metrics.nll - mixed.metrics.nll)).toBeGreaterThan(1e-3);
    await expect(diagnose(members[0]!, rows.x, rows.y, { networks: new Array(200).fill(0) })).rejects.toThrow(
      /one network, not an ensemble/,
    );
    await expect(diagnose(ensemble, rows.x, rows.y, { networks: [0, 1] })).rejects.toThrow(/networks names 2 rows/);
    await expect(diagnose(ensemble, rows.x, rows.y, { networks: new Array(200).fill(2) })).rejects.toThrow(
      /networks\[0\] is 2; this model has 2 network/,
    );
    for (const m of [...members, ensemble]) m.dispose();
  });

  it('does not flag a model trained with the defaults', async () => {
    const { model } = await train(data.x, data.y, { model: { hidden: [32, 32] }, epochs: 40, seed: 2 });
    const report = await diagnose(model, test.x, test.y);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(report.status).toBe('ok');
    expect(report.metrics.gainOverUnconditional).toBeGreaterThan(0.9);
    expect(report.metrics.nll).toBeLessThan(report.metrics.linearBaselineNll + 0.02);
    expect(formatDiagnosis(report)).toMatch(/^status: ok/);
    expect(report.metrics.generalisationGap!).toBeLessThan(1);

    // 2 500 rows: train()'s default is an ensemble of 2 networks (TRAIN_DEFAULTS.ensembleRows).
    expect(model.config.members).toBe(2);
    // The same networks with their head weights zeroed predict one mixture for every x: the collapse.
    const weights = model
      .getWeights()
      .map((w) => (/(^|\.)head\.\w+\.kernel$/.test(w.name) ? { ...w, values: new Float32Array(w.values.length) } : w));
    model.setWeights(weights);
    const collapsed = await diagnose(model, test.x, test.y);
    expect(collapsed.status).toBe('problem');
    const finding = collapsed.findings.find((f) => f.code === 'ignores-input');
    expect(finding?.message).toMatch(/barely depends on x/);
    expect(finding?.advice).toMatch(/^Standardise x and y/);
    expect(collapsed.metrics.meanR2[0]!).toBeLessThan(0.05);
    // Trained outside train() (no plan in its metadata): the advice names the forum's broadcasting bug first.
    delete model.metadata.plan;
    const ownLoop = (await diagnose(model, test.x, test.y)).findings.find((f) => f.code === 'ignores-input');
    expect(ownLoop?.advice).toMatch(/^If you trained this model in your own loop, check the loss first/);
    expect(ownLoop?.advice).toMatch(/\[B, 1\] target .* \[B, B\] matrix/);
    model.dispose();
  });

  it("flags a model trained the forum's way (elu + 1, lr 1e-2, raw data): σ underflows and the weights turn NaN", {
    timeout: 180_000,
  }, async () => {
    // The forum's way fails in some runs and not others (as on the forum): take the first of four seeds that
    // fails within 20 epochs; with these settings at least one does.
    const forumData = forumToy({ rows: 1000, seed: 1 });
    let crashed: Awaited<ReturnType<typeof train>> | undefined;
    for (const seed of [1, 2, 3, 4]) {
      const run = await train(forumData.x, forumData.y, { ...FORUM_TRAIN_OPTIONS, epochs: 20, seed });
      if (run.history.some((h) => !Number.isFinite(h.trainLoss))) {
        crashed = run;
        break;
      }
      run.model.dispose();
    }
    expect(crashed, 'none of 4 seeds trained the forum way ended in NaN').toBeDefined();
    const { model } = crashed!;
    const report = await diagnose(model, test.x, test.y);
    expect(report.status).toBe('problem');
    expect(report.findings[0]).toMatchObject({ code: 'non-finite', severity: 'problem' });
    expect(report.findings[0]!.advice).toMatch(/elu \+ 1 gives σ = 0/);
    expect(report.metrics.nll).toBeNaN();
    model.dispose();
  });

  it('flags a model worse than ignoring x (its baselines scored out of sample), and scores far targets finitely', async () => {
    const { model } = await train(data.x, data.y, { model: { hidden: [8] }, epochs: 3, seed: 1 });
    // The same x, targets moved far from anything the model saw: confidently wrong.
    const shifted = { ...test.y, data: test.y.data.map((v) => v + 40) };
    const report = await diagnose(model, test.x, shifted);
    expect(report.status).toBe('problem');
    expect(report.findings.map((f) => f.code)).toContain('worse-than-unconditional');
    expect(report.metrics.nll).toBeGreaterThan(report.metrics.unconditionalNll);
    // A target 1e20 away: |z| beyond float32's square root of its maximum, still a finite log-density.
    const far = await model.logProb([[0.5]], [[1e20]]);
    expect(Number.isFinite(far[0]!)).toBe(true);
    expect(far[0]!).toBeLessThan(-1e30);
    model.dispose();
  });

  it('handles 130 000 rows, and advises fewer components only when fewer would do', async () => {
    const big = forumToy({ rows: 130_000, seed: 3 });
    const small = MixtureDensityNetwork.create({ inputDimension: 1, outputDimension: 1, hidden: [4], components: 2 });
    const report = await diagnose(small, big.x, big.y);
    expect(report.metrics.rows).toBe(130_000);
    small.dispose();
    // 100 components sharing the weight about evenly: none is "dead", so no advice to use about 100 of 100.
    const many = MixtureDensityNetwork.create({ inputDimension: 1, outputDimension: 1, hidden: [4], components: 100 });
    const few = forumToy({ rows: 600, seed: 5 });
    const advice = (await diagnose(many, few.x, few.y)).findings.find((f) => f.code === 'dead-components');
    if (advice !== undefined) expect(Number(advice.advice.match(/about (\d+)/)?.[1])).toBeLessThan(100);
    many.dispose();
  });

  it('refuses too little data and mismatched rows', async () => {
    const { model } = await train(data.x, data.y, { model: { hidden: [4] }, epochs: 1 });
    await expect(diagnose(model, [[1], [2]], [[1], [2]])).rejects.toThrow(/at least 10 rows/);
    await expect(diagnose(model, test.x, [[1]])).rejects.toThrow(/3000 rows but targets have 1/);
    model.dispose();
  });
});

describe('baselines', () => {
  it('the unconditional mixture recovers a two-component mixture', () => {
    const n = 4000;
    const y = new Float64Array(n).map((_, i) => (i % 4 === 0 ? 5 : -1) + 0.5 * Math.sin(i * 12.9898) * 1.7);
    const fit = unconditionalMixture({ data: y, rows: n, columns: 1 }, 2);
    const single = unconditionalMixture({ data: y, rows: n, columns: 1 }, 1);
    const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(fit.logProb)).toBeGreaterThan(mean(single.logProb) + 0.3);
    expect(fit.mean[0]).toBeCloseTo(mean(y), 6);
  });

  it('the linear heteroscedastic baseline recovers the forum toy (mean slope 2, sd 0.2 + 0.5x)', () => {
    const fit = linearHeteroscedastic(data.x, data.y);
    const at = (x: number) => {
      let best = 0;
      for (let i = 0; i < data.x.rows; i++)
        if (Math.abs(data.x.data[i]! - x) < Math.abs(data.x.data[best]! - x)) best = i;
      return best;
    };
    const i2 = at(2);
    const i8 = at(8);
    const slope = (fit.mean[i8]! - fit.mean[i2]!) / (data.x.data[i8]! - data.x.data[i2]!);
    expect(slope).toBeCloseTo(2, 1);
    let baseline = 0;
    let truth = 0;
    for (let i = 0; i < data.x.rows; i++) {
      baseline -= fit.logProb[i]! / data.x.rows;
      truth -= data.trueLogProb[i]! / data.x.rows;
    }
    // log-linear variance is not the true (0.2 + 0.5x)², so a small gap remains.
    expect(baseline - truth).toBeGreaterThan(0);
    expect(baseline - truth).toBeLessThan(0.1);
  });

  it('the linear baseline fitted on a few rows stays close out of sample (its variance slopes do not chase noise)', () => {
    // Fit on 15 rows of y = 3x + ε (σ = 0.7, homoscedastic), score on 15 fresh rows, 40 times. Without the ridge on
    // the log-variance slopes this averaged 1.49 nats; with it 1.29 (worst draw 2.46); with a constant variance below
    // 10 rows per coefficient (as now) 1.20 (worst 1.94); the true density 1.06.
    const random = createRandom(5);
    const heldOut: number[] = [];
    const draw = (n: number) => {
      const x = Float64Array.from({ length: n }, () => 10 * random.uniform());
      const y = x.map((v) => 3 * v + 0.7 * random.normal());
      return { x: { data: x, rows: n, columns: 1 }, y: { data: y, rows: n, columns: 1 } };
    };
    for (let repeat = 0; repeat < 40; repeat++) {
      const fitted = draw(15);
      const fresh = draw(15);
      const predicted = fitLinearHeteroscedastic(fitted.x, fitted.y).predict(fresh.x);
      let nll = 0;
      for (let i = 0; i < 15; i++) nll -= predicted.logProbAt(i, [fresh.y.data[i]!]) / 15;
      heldOut.push(nll);
    }
    expect(heldOut.reduce((a, b) => a + b, 0) / heldOut.length).toBeLessThan(1.4);
    expect(Math.max(...heldOut)).toBeLessThan(4);
  });

  it("compares an ensemble's components within each network only (networks that agree are not duplicates)", async () => {
    const small = forumToy({ rows: 600, seed: 22 });
    const { model } = await train(small.x, small.y, {
      model: { hidden: [16], components: 3 },
      epochs: 10,
      ensemble: 1,
    });
    const single = await diagnose(model, test.x, test.y);
    expect(single.findings.find((f) => f.code === 'duplicate-components')).toBeUndefined();
    // The same network twice: every component has an identical twin in the other network.
    const twins = MixtureDensityNetwork.ensemble([model, model]);
    const report = await diagnose(twins, test.x, test.y);
    expect(report.findings.find((f) => f.code === 'duplicate-components')).toBeUndefined();
    expect(report.metrics.nll).toBeCloseTo(single.metrics.nll, 5);
    // Two components of one network that coincide are still named, within their network.
    const weights = model.getWeights().map((w) => {
      if (!/^head\.(means|scales)\.(kernel|bias)$/.test(w.name)) return w;
      const values = Float32Array.from(w.values);
      const columns = w.shape[w.shape.length - 1]!;
      for (let r = 0; r < values.length / columns; r++) values[r * columns + 1] = values[r * columns]!;
      return { ...w, values };
    });
    model.setWeights(weights);
    const copied = MixtureDensityNetwork.ensemble([model, model]);
    const finding = (await diagnose(copied, test.x, test.y)).findings.find((f) => f.code === 'duplicate-components');
    expect(finding?.message).toMatch(/^Components 1&2 of network 1, 1&2 of network 2 have nearly the same/);
    for (const m of [model, twins, copied]) m.dispose();
  });

  it('flags overfitting: a run that memorised a small training set, and a recorded validation gap', async () => {
    const small = forumToy({ rows: 80, seed: 21 });
    const { model } = await train(small.x, small.y, {
      model: { hidden: [64, 64], components: 5 },
      noise: false,
      schedule: 'constant',
      learningRate: 1e-2,
      epochs: 600,
      patience: Number.POSITIVE_INFINITY,
      restoreBest: false,
      meanWarmupEpochs: 0,
      seed: 3,
      ensemble: 1,
    });
    const report = await diagnose(model, test.x, test.y);
    const finding = report.findings.find((f) => f.code === 'overfitting');
    expect(finding?.severity).toBe('warning');
    expect(finding?.message).toMatch(/held-out NLL is \d+\.\d{3} nats\/row above the training NLL/);
    expect(finding?.advice).toMatch(/fewer steps.*noise.*ensemble/);
    expect(report.metrics.generalisationGap!).toBeGreaterThan(1);
    // The same weights with a record of a small gap and no held-out data beyond the training rows: no finding.
    model.metadata.training = {
      ...model.metadata.training,
      finalValidationLoss: model.metadata.training!.finalTrainLoss!,
    };
    const onTraining = await diagnose(model, small.x, small.y);
    expect(onTraining.findings.find((f) => f.code === 'overfitting')).toBeUndefined();
    model.dispose();
  });
});

describe('baselines on awkward data', () => {
  /** A zero-inflated target: 95 % exact zeros, the rest y = 2a + b + noise growing with a (|y|). */
  const zeroInflated = (seed: number, n = 400) => {
    const random = createRandom(seed);
    const x = new Float64Array(2 * n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = 10 * random.uniform();
      const b = random.uniform();
      x.set([a, b], 2 * i);
      y[i] = random.uniform() < 0.95 ? 0 : Math.abs(2 * a + b + (0.2 + 0.5 * a) * random.normal());
    }
    return { x: { data: x, rows: n, columns: 2 }, y: { data: y, rows: n, columns: 1 } };
  };
  const atom = { value: 0, side: 'lower' as const, scale: 0.003, reach: 0.5 };
  const meanNll = (logProb: Float64Array) => -logProb.reduce((a, b) => a + b, 0) / logProb.length;

  it('a zero-inflated target gets finite, sensible baselines, with or without its point mass (never thousands of nats)', () => {
    // Before: EM gave the few non-zero rows a component each at the variance floor, and the linear Gaussian fitted
    // to the zeros a σ near 0: held-out rows between them scored 10³ to 10⁵ nats, and the diagnosis printed
    // "gain from x: 520057".
    for (let seed = 1; seed <= 40; seed++) {
      const { x, y } = zeroInflated(seed);
      for (const atoms of [[], [atom]]) {
        const { unconditional, linear } = crossFittedBaselines(x, y, 5, atoms);
        for (const fit of [unconditional, linear]) expect(fit.logProb.every(Number.isFinite)).toBe(true);
        expect(meanNll(unconditional.logProb)).toBeLessThan(atoms.length > 0 ? 0 : 2);
        // One Gaussian cannot hold a point mass: without the atom the linear baseline is poor here (up to 80 nats
        // when the fitting half has 6 rows off zero), but finite; with it, it is as good as the mixture.
        if (atoms.length > 0) expect(meanNll(linear.logProb)).toBeLessThan(0);
      }
    }
  });

  it('a wide table gets a linear baseline on at most 100 inputs (and one per 10 rows), those most correlated with y', () => {
    // 6 000 columns × 40 rows: the normal equations of every column took minutes; now a few inputs.
    const n = 40;
    const p = 6000;
    const random = createRandom(3);
    const x = Float64Array.from({ length: n * p }, () => random.uniform());
    const y = Float64Array.from({ length: n }, (_, i) => 3 * x[i * p + 4321]! + 0.1 * random.normal());
    const fit = fitLinearHeteroscedastic({ data: x, rows: n, columns: p }, { data: y, rows: n, columns: 1 });
    expect(fit.inputs).toHaveLength(4);
    expect(fit.inputs).toContain(4321);
    const { linearInputs } = crossFittedBaselines(
      { data: x, rows: n, columns: p },
      { data: y, rows: n, columns: 1 },
      5,
    );
    expect(linearInputs).toBe(2);
    const wide = 400;
    const many = Float64Array.from({ length: wide * 1000 }, () => random.uniform());
    const target = Float64Array.from({ length: wide }, (_, i) => many[i * 1000]! + random.normal());
    const capped = fitLinearHeteroscedastic(
      { data: many, rows: wide, columns: 1000 },
      { data: target, rows: wide, columns: 1 },
    );
    expect(capped.inputs).toHaveLength(40);
    expect(capped.inputs).toContain(0);
  });

  it('diagnose refuses fewer than 10 rows, or columns that do not fit the model, as bad input', async () => {
    const model = MixtureDensityNetwork.create({ inputDimension: 1, outputDimension: 1, components: 2, hidden: [4] });
    const few = forumToy({ rows: 9, seed: 3 });
    await expect(diagnose(model, few.x, few.y)).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('diagnose needs at least 10 rows'),
    });
    const rows = forumToy({ rows: 20, seed: 3 });
    await expect(diagnose(model, rows.x, { data: new Float64Array(40), rows: 20, columns: 2 })).rejects.toMatchObject({
      code: 'invalid-input',
    });
    model.dispose();
  });
});
