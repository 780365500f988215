/**
 * The conformance suite: written once, registered by every backend adapter in its own tests (the tfjs
 * `describeWithFlags` idea). Tolerances come from the backend's float precision, never per test.
 *
 *   registerConformanceSuite(wasmBackend(), { exclusions: { 'training reaches the target NLL': 'why…' } });
 */
import {
  correlated2d,
  forumToy,
  GaussianMixture,
  loadModel,
  type MatrixInput,
  MixtureDensityNetwork,
  saveModel,
  train,
  useBackend,
} from '@mdn/core';
import {
  adamStep,
  type BackendAdapter,
  type BackendInfo,
  binnedMixtureNllWithGradients,
  denseBackward,
  denseForward,
  FUSED_KERNELS,
  fullMixtureNllWithGradients,
  headsBackward,
  headsForward,
  mixtureNllWithGradients,
  TrainingStep,
  type TrainingStepOptions,
  transpose2d,
} from '@mdn/core/adapter';
import {
  referenceCovarianceFromFactor,
  referenceFullLogProb,
  referenceLaplaceLogProb,
  referenceLogProb,
} from '@mdn/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

/** The suites, by the names used in exclusions and in the matrix table. */
export const CONFORMANCE_SUITES = [
  'mixture maths',
  'nll gradients',
  'fused kernels',
  'training',
  'save and load',
  'no leaks',
] as const;
export type ConformanceSuite = (typeof CONFORMANCE_SUITES)[number];

export interface ConformanceOptions {
  /** Suites this backend skips, each with the reason (shown in the test report and the matrix). */
  exclusions?: Partial<Record<ConformanceSuite, string>>;
  /** The adapter that computes the reference values for cross-backend checks. Default: the same adapter. */
  reference?: BackendAdapter;
}

/** Relative tolerance for one float operation chain on a backend of the given precision. */
export function precisionTolerance(bits: 32 | 16): number {
  return bits === 32 ? 2e-5 : 2e-2;
}

function within(actual: number, expected: number, tolerance: number, label: string): void {
  const allowed = tolerance * (1 + Math.abs(expected));
  if (!(Math.abs(actual - expected) <= allowed))
    throw new Error(`${label}: expected ${expected}, got ${actual} (allowed ±${allowed})`);
}

const float = (min: number, max: number) =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map(Math.fround);

/** Registers the conformance suites for `adapter` with Vitest. */
export function registerConformanceSuite(adapter: BackendAdapter, options: ConformanceOptions = {}): void {
  const exclusions = options.exclusions ?? {};
  let info: BackendInfo;
  const suite = (name: ConformanceSuite, body: () => void) => {
    const reason = exclusions[name];
    if (reason !== undefined) describe.skip(`${name} (excluded: ${reason})`, body);
    else describe(name, body);
  };

  describe(`conformance: ${adapter.name}`, () => {
    beforeAll(async () => {
      info = await useBackend(adapter);
    });

    it('initialises and reports what it detected', ({ task }) => {
      expect(tf.getBackend()).toBe(info.tfjsBackend);
      expect([16, 32]).toContain(info.floatPrecision);
      // Shown by `pnpm test:matrix` beside the backend's row.
      (task.meta as Record<string, unknown>).backendInfo = info;
    });

    suite('mixture maths', () => {
      it('logProb and nll match the float64 reference on random mixtures', () => {
        const tolerance = precisionTolerance(info.floatPrecision);
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: 5 }).chain((k) =>
              fc.record({
                logits: fc.array(float(-4, 4), { minLength: k, maxLength: k }),
                means: fc.array(fc.tuple(float(-5, 5), float(-5, 5)), { minLength: k, maxLength: k }),
                scales: fc.array(fc.tuple(float(0.01, 3), float(0.01, 3)), { minLength: k, maxLength: k }),
                y: fc.tuple(float(-8, 8), float(-8, 8)),
              }),
            ),
            ({ logits, means, scales, y }) => {
              const mixture = GaussianMixture.diagonal({
                logits: tf.tensor2d([logits]),
                means: tf.tensor3d([means]),
                scales: tf.tensor3d([scales]),
              });
              const yt = tf.tensor2d([y]);
              const got = mixture.logProb(yt).dataSync()[0]!;
              const expected = referenceLogProb({ logits, means, scales }, y);
              within(got, expected, tolerance, 'logProb');
              within(mixture.nll(yt).dataSync()[0]!, -expected, tolerance, 'nll');
              mixture.dispose();
              yt.dispose();
            },
          ),
          { numRuns: 50, seed: 7 },
        );
      });

      it('Laplace components: logProb and nll match the float64 reference on random mixtures', () => {
        const tolerance = precisionTolerance(info.floatPrecision);
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: 5 }).chain((k) =>
              fc.record({
                logits: fc.array(float(-4, 4), { minLength: k, maxLength: k }),
                means: fc.array(fc.tuple(float(-5, 5), float(-5, 5)), { minLength: k, maxLength: k }),
                scales: fc.array(fc.tuple(float(0.01, 3), float(0.01, 3)), { minLength: k, maxLength: k }),
                y: fc.tuple(float(-8, 8), float(-8, 8)),
              }),
            ),
            ({ logits, means, scales, y }) => {
              const mixture = GaussianMixture.laplace({
                logits: tf.tensor2d([logits]),
                means: tf.tensor3d([means]),
                scales: tf.tensor3d([scales]),
              });
              const yt = tf.tensor2d([y]);
              const expected = referenceLaplaceLogProb({ logits, means, scales }, y);
              within(mixture.logProb(yt).dataSync()[0]!, expected, tolerance, 'logProb');
              within(mixture.nll(yt).dataSync()[0]!, -expected, tolerance, 'nll');
              mixture.dispose();
              yt.dispose();
            },
          ),
          { numRuns: 50, seed: 8 },
        );
      });

      it('full covariance: logProb and nll match the float64 reference (explicit (AᵀA)⁻¹) on random mixtures', () => {
        const tolerance = 5 * precisionTolerance(info.floatPrecision);
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: 4 }).chain((k) =>
              fc.record({
                logits: fc.array(float(-3, 3), { minLength: k, maxLength: k }),
                means: fc.array(fc.tuple(float(-3, 3), float(-3, 3), float(-3, 3)), { minLength: k, maxLength: k }),
                scales: fc.array(fc.tuple(float(0.1, 2), float(0.1, 2), float(0.1, 2)), { minLength: k, maxLength: k }),
                factors: fc.array(fc.tuple(float(-2, 2), float(-2, 2), float(-2, 2)), { minLength: k, maxLength: k }),
                y: fc.tuple(float(-5, 5), float(-5, 5), float(-5, 5)),
              }),
            ),
            ({ logits, means, scales, factors, y }) => {
              const mixture = GaussianMixture.full({
                logits: tf.tensor2d([logits]),
                means: tf.tensor3d([means]),
                scales: tf.tensor3d([scales]),
                factors: tf.tensor3d([factors]),
              });
              const yt = tf.tensor2d([y]);
              const expected = referenceFullLogProb(
                { logits, means, covariances: scales.map((s, k) => referenceCovarianceFromFactor(s, factors[k]!)) },
                y,
              );
              within(mixture.logProb(yt).dataSync()[0]!, expected, tolerance, 'full logProb');
              within(mixture.nll(yt).dataSync()[0]!, -expected, tolerance, 'full nll');
              mixture.dispose();
              yt.dispose();
            },
          ),
          { numRuns: 40, seed: 8 },
        );
      });

      it('stays finite at the extremes (|y − μ| = 1e4 σ, σ = 1e-3, logits ±80)', () => {
        const mixture = GaussianMixture.diagonal({
          logits: tf.tensor2d([[80, -80]]),
          means: tf.tensor3d([[[0], [1]]]),
          scales: tf.tensor3d([[[1e-3], [1e-3]]]),
        });
        const got = mixture.logProb(tf.tensor2d([[10]])).dataSync()[0]!;
        expect(Number.isFinite(got)).toBe(true);
        within(
          got,
          referenceLogProb({ logits: [80, -80], means: [[0], [1]], scales: [[1e-3], [1e-3]] }, [10]),
          precisionTolerance(info.floatPrecision),
          'extreme',
        );
        mixture.dispose();
      });
    });

    suite('nll gradients', () => {
      // The training step writes the network's backward pass out by hand (no tape). Its first Adam step with
      // ε = 1 and rate 1 moves each weight by exactly g/(|g| + 1), a faithful function of the gradient g, so one
      // step checks every gradient against tfjs's autodiff of the network's NLL.
      it.for([
        ['relu', 'diagonal'],
        ['tanh', 'diagonal'],
        ['elu', 'full'],
        ['silu', 'full'],
        ['tanh', 'full'],
      ] as const)(
        'a training step follows the gradient of tfjs autodiff through the whole network (%s, %s covariance)',
        ([activation, covariance]) => {
          const config = {
            inputDimension: 3,
            outputDimension: 2,
            // K = 5: means and scales heads 10 wide (the kernels' wide route), logits 5 (the narrow one).
            components: activation === 'tanh' ? 5 : 3,
            hidden: [9, 7],
            activation,
            covariance,
            // The training step fits the network's components; mixtureStandardised below is that only without tails.
            tailWeight: 0,
          };
          const before = tf.memory().numTensors;
          const x = tf.tidy(() => tf.randomNormal([23, 3], 0, 1, 'float32', 40)) as tf.Tensor2D;
          const y = tf.tidy(() => tf.randomNormal([23, 2], 0, 1, 'float32', 41)) as tf.Tensor2D;
          const options: TrainingStepOptions[] = [
            { plain: false },
            { plain: true },
            { plain: false, explicitTranspose: true },
            // A custom objective goes through autodiff of the heads (here the same NLL, written differently).
            {
              plain: false,
              loss: (mixture: GaussianMixture, target: tf.Tensor2D) =>
                tf.neg(tf.mean(mixture.logProb(target))) as tf.Scalar,
            },
          ];
          for (const option of options) {
            const model = MixtureDensityNetwork.create(config, { seed: 6 });
            const initial = model.getWeights();
            const expected = tf.tidy(() => {
              const { grads } = tf.variableGrads(() => model.mixtureStandardised(x).nll(y), model.variables);
              return model.variables.map((variable) => {
                const g = grads[variable.name]!;
                return tf.add(variable, tf.neg(tf.div(g, tf.add(tf.abs(g), 1))));
              });
            });
            const step = new TrainingStep(model, { ...option, clipNorm: Number.POSITIVE_INFINITY, epsilon: 1 });
            step.run(x, y, 1);
            const tolerance = 10 * precisionTolerance(info.floatPrecision);
            for (const [i, w] of model.getWeights().entries()) {
              const want = expected[i]!.dataSync();
              // Every weight must move (a gradient left out would leave it where it was).
              expect(w.values.some((value, j) => value !== initial[i]!.values[j])).toBe(true);
              for (let j = 0; j < w.values.length; j++) {
                within(w.values[j]!, want[j]!, tolerance, `${JSON.stringify(Object.keys(option))} ${w.name}[${j}]`);
              }
            }
            step.dispose();
            model.dispose();
            tf.dispose(expected);
          }
          tf.dispose([x, y]);
          expect(tf.memory().numTensors).toBe(before);
        },
      );

      it('match central differences of the float64 reference', () => {
        const logits = [0.3, -0.5, 1.1];
        const means = [[-1], [0.5], [2]];
        const scales = [[0.7], [1.3], [0.4]];
        const y = [0.8];
        const grads = tf.grads((l, m, s) =>
          GaussianMixture.diagonal({ logits: l as tf.Tensor2D, means: m as tf.Tensor3D, scales: s as tf.Tensor3D }).nll(
            tf.tensor2d([y]),
          ),
        )([tf.tensor2d([logits]), tf.tensor3d([means]), tf.tensor3d([scales])]);
        const [gl, gm, gs] = grads.map((g) => g.dataSync());
        const h = 1e-6;
        const nll = (l: number[], m: number[][], s: number[][]) =>
          -referenceLogProb({ logits: l, means: m, scales: s }, y);
        const tolerance = 50 * precisionTolerance(info.floatPrecision);
        for (let k = 0; k < 3; k++) {
          const bump = (delta: number) => logits.map((v, i) => (i === k ? v + delta : v));
          within(
            gl![k]!,
            (nll(bump(h), means, scales) - nll(bump(-h), means, scales)) / (2 * h),
            tolerance,
            `dlogit ${k}`,
          );
          const bumpM = (delta: number) => means.map((v, i) => (i === k ? [v[0]! + delta] : v));
          within(
            gm![k]!,
            (nll(logits, bumpM(h), scales) - nll(logits, bumpM(-h), scales)) / (2 * h),
            tolerance,
            `dmean ${k}`,
          );
          const bumpS = (delta: number) => scales.map((v, i) => (i === k ? [v[0]! + delta] : v));
          within(
            gs![k]!,
            (nll(logits, means, bumpS(h)) - nll(logits, means, bumpS(-h))) / (2 * h),
            tolerance,
            `dscale ${k}`,
          );
        }
        tf.dispose(grads);
      });

      it('full covariance: match central differences of the float64 reference', () => {
        const logits = [0.3, -0.5];
        const means = [
          [-1, 0.5],
          [0.5, -0.2],
        ];
        const scales = [
          [0.7, 1.1],
          [1.3, 0.6],
        ];
        const factors = [[0.8], [-1.2]];
        const y = [0.4, 0.3];
        const nll = (l: number[], m: number[][], s: number[][], f: number[][]) =>
          -referenceFullLogProb(
            { logits: l, means: m, covariances: s.map((row, k) => referenceCovarianceFromFactor(row, f[k]!)) },
            y,
          );
        const grads = tf.grads((l, m, s, f) =>
          GaussianMixture.full({
            logits: l as tf.Tensor2D,
            means: m as tf.Tensor3D,
            scales: s as tf.Tensor3D,
            factors: f as tf.Tensor3D,
          }).nll(tf.tensor2d([y])),
        )([tf.tensor2d([logits]), tf.tensor3d([means]), tf.tensor3d([scales]), tf.tensor3d([factors])]);
        const [gl, gm, gs, gf] = grads.map((g) => g.dataSync());
        const h = 1e-6;
        const tolerance = 50 * precisionTolerance(info.floatPrecision);
        const bumped = (values: number[][], k: number, e: number, delta: number) =>
          values.map((row, i) => row.map((v, j) => (i === k && j === e ? v + delta : v)));
        for (let k = 0; k < 2; k++) {
          const bumpL = (delta: number) => logits.map((v, i) => (i === k ? v + delta : v));
          within(
            gl![k]!,
            (nll(bumpL(h), means, scales, factors) - nll(bumpL(-h), means, scales, factors)) / (2 * h),
            tolerance,
            `dlogit ${k}`,
          );
          for (let e = 0; e < 2; e++) {
            within(
              gm![k * 2 + e]!,
              (nll(logits, bumped(means, k, e, h), scales, factors) -
                nll(logits, bumped(means, k, e, -h), scales, factors)) /
                (2 * h),
              tolerance,
              `dmean ${k},${e}`,
            );
            within(
              gs![k * 2 + e]!,
              (nll(logits, means, bumped(scales, k, e, h), factors) -
                nll(logits, means, bumped(scales, k, e, -h), factors)) /
                (2 * h),
              tolerance,
              `dscale ${k},${e}`,
            );
          }
          within(
            gf![k]!,
            (nll(logits, means, scales, bumped(factors, k, 0, h)) -
              nll(logits, means, scales, bumped(factors, k, 0, -h))) /
              (2 * h),
            tolerance,
            `dfactor ${k}`,
          );
        }
        tf.dispose(grads);
      });
    });

    suite('fused kernels', () => {
      // The kernels an adapter registers must compute what the plain-op path (the reference) computes.
      const random = (shape: number[], seed: number, scale = 1) =>
        tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));
      const compare = (actual: tf.Tensor, expected: tf.Tensor, label: string) => {
        const a = actual.dataSync();
        const e = expected.dataSync();
        expect(a.length).toBe(e.length);
        const tolerance = 4 * precisionTolerance(info.floatPrecision);
        for (let i = 0; i < a.length; i++) within(a[i]!, e[i]!, tolerance, `${label}[${i}]`);
      };

      it('the mixture NLL and its analytic gradient match the plain ops', ({ skip }) => {
        if (info.fusedKernels.length === 0) skip('this backend registers no fused kernels');
        tf.tidy(() => {
          const [b, k, d] = [37, 4, 2];
          const logits = random([b, k], 1, 3) as tf.Tensor2D;
          const means = random([b, k, d], 2, 2) as tf.Tensor3D;
          const raw = random([b, k, d], 3, 4) as tf.Tensor3D; // softplus from ~0 (σ at the floor) to ~12
          const y = random([b, d], 4, 3) as tf.Tensor2D;
          const fused = mixtureNllWithGradients(logits, means, raw, y, 1e-3);
          const plain = mixtureNllWithGradients(logits, means, raw, y, 1e-3, true);
          compare(fused.loss, plain.loss, 'loss');
          compare(fused.dLogits, plain.dLogits, 'dLogits');
          compare(fused.dMeans, plain.dMeans, 'dMeans');
          compare(fused.dRaw, plain.dRaw, 'dRaw');
        });
      });

      it.for([
        ['no lower edge', null],
        ['a lower edge', -1.5],
      ] as const)(
        'the binned (whole-number) NLL and its analytic gradient match binLogProb differentiated by tfjs (%s)',
        ([, lower], { skip }) => {
          if (!info.fusedKernels.includes(FUSED_KERNELS.binnedMixtureNll))
            skip('this backend registers no such kernel');
          tf.tidy(() => {
            const [b, k] = [41, 5];
            const logits = random([b, k], 11, 2) as tf.Tensor2D;
            const means = random([b, k, 1], 12, 1.5) as tf.Tensor3D;
            const raw = random([b, k, 1], 13, 2) as tf.Tensor3D; // narrow bins' masses and wide ones
            // Whole numbers standardised with scale 2: bins of half-width 0.25, some rows at the lower edge.
            const y = tf.tidy(() => {
              const counts = tf.round(tf.mul(random([b, 1], 14, 1), 3));
              const floored = lower === null ? counts : tf.maximum(counts, tf.scalar(2 * lower));
              return tf.div(floored, tf.scalar(2));
            }) as tf.Tensor2D;
            const bins = { halfWidth: 0.25, lower };
            const fused = binnedMixtureNllWithGradients(logits, means, raw, y, 1e-3, bins);
            const plain = binnedMixtureNllWithGradients(logits, means, raw, y, 1e-3, bins, true);
            compare(fused.loss, plain.loss, 'loss');
            compare(fused.dLogits, plain.dLogits, 'dLogits');
            compare(fused.dMeans, plain.dMeans, 'dMeans');
            compare(fused.dRaw, plain.dRaw, 'dRaw');
          });
        },
      );

      it('the full-covariance NLL and its analytic gradient match the plain ops differentiated by tfjs', ({ skip }) => {
        if (!info.fusedKernels.includes(FUSED_KERNELS.fullMixtureNll)) skip('this backend registers no such kernel');
        tf.tidy(() => {
          const [b, k, d] = [29, 3, 3];
          const logits = random([b, k], 5, 2) as tf.Tensor2D;
          const means = random([b, k, d], 6, 1.5) as tf.Tensor3D;
          const raw = random([b, k, d], 7, 1.5) as tf.Tensor3D;
          const factors = random([b, k, 3], 8, 0.8) as tf.Tensor3D;
          const y = random([b, d], 9, 2) as tf.Tensor2D;
          const fused = fullMixtureNllWithGradients(logits, means, raw, factors, y, 1e-3);
          const plain = fullMixtureNllWithGradients(logits, means, raw, factors, y, 1e-3, true);
          compare(fused.loss, plain.loss, 'loss');
          compare(fused.dLogits, plain.dLogits, 'dLogits');
          compare(fused.dMeans, plain.dMeans, 'dMeans');
          compare(fused.dRaw, plain.dRaw, 'dRaw');
          compare(fused.dFactors, plain.dFactors, 'dFactors');
        });
      });

      it.for(['relu', 'tanh', 'elu', 'silu'] as const)(
        'the dense-layer kernels match the plain ops, tiles and edges included (%s)',
        (activation, { skip }) => {
          if (!info.fusedKernels.includes(FUSED_KERNELS.denseForward)) skip('this backend registers no dense kernels');
          const plainOptions = { plain: true, explicitTranspose: false };
          const fusedOptions = { plain: false, explicitTranspose: false };
          tf.tidy(() => {
            // Rows, inputs, width: whole 4 × 8 tiles, 1-row and 4-column edges, scalar columns, one input, and
            // batches summed in slices (64 rows each, the last one partial).
            for (const [b, p, width] of [
              [37, 13, 21],
              [150, 6, 10],
              [64, 1, 128],
              [5, 130, 9],
              [1, 3, 2],
            ] as const) {
              const x = random([b, p], b + p, 1.5) as tf.Tensor2D;
              const w = random([p, width], p + width, 0.7) as tf.Tensor2D;
              const bias = random([width], width, 0.5) as tf.Tensor1D;
              const dh = random([b, width], 3 * b + width) as tf.Tensor2D;
              const fused = denseForward(x, w, bias, activation);
              const plain = denseForward(x, w, bias, activation, true);
              compare(fused.h, plain.h, `h ${b}×${p}×${width}`);
              const gradFused = denseBackward(x, w, fused, dh, activation, true, fusedOptions);
              const gradPlain = denseBackward(x, w, plain, dh, activation, true, plainOptions);
              compare(gradFused.dW, gradPlain.dW, `dW ${b}×${p}×${width}`);
              compare(gradFused.db, gradPlain.db, `db ${b}×${p}×${width}`);
              compare(gradFused.dx!, gradPlain.dx!, `dx ${b}×${p}×${width}`);
              expect(denseBackward(x, w, fused, dh, activation, false, fusedOptions).dx).toBeUndefined();
            }
            // Heads: narrow (transposed routes) and wide ones on one input.
            const x = random([130, 19], 60) as tf.Tensor2D;
            const widths = [5, 12, 1, 8, 3];
            const weights = widths.map((n, j) => random([19, n], 61 + j, 0.6) as tf.Tensor2D);
            const biases = widths.map((n, j) => random([n], 70 + j) as tf.Tensor1D);
            const dz = widths.map((n, j) => random([130, n], 80 + j) as tf.Tensor2D);
            const outFused = headsForward(x, weights, biases);
            const outPlain = headsForward(x, weights, biases, true);
            for (const [j, out] of outFused.entries()) compare(out, outPlain[j]!, `head ${j}`);
            const gradFused = headsBackward(x, weights, dz, true, fusedOptions);
            const gradPlain = headsBackward(x, weights, dz, true, plainOptions);
            for (let j = 0; j < widths.length; j++) {
              compare(gradFused.dW[j]!, gradPlain.dW[j]!, `head dW ${j}`);
              compare(gradFused.db[j]!, gradPlain.db[j]!, `head db ${j}`);
            }
            compare(gradFused.dx!, gradPlain.dx!, 'heads dx');
          });
        },
      );

      it('the 2-D transpose matches tf.transpose exactly, tiles and edges included', ({ skip }) => {
        if (info.fusedKernels.length === 0) skip('this backend registers no fused kernels');
        tf.tidy(() => {
          for (const [rows, columns] of [
            [1, 1],
            [1, 7],
            [33, 65],
            [1024, 128],
            [5, 300],
          ] as const) {
            const x = random([rows, columns], rows + columns) as tf.Tensor2D;
            expect(Array.from(transpose2d(x).dataSync())).toEqual(Array.from(tf.transpose(x).dataSync()));
            expect(transpose2d(x).shape).toEqual([columns, rows]);
          }
        });
      });

      it('the Adam step with clipping and the NaN/Inf guard matches the plain ops', ({ skip }) => {
        if (info.fusedKernels.length === 0) skip('this backend registers no fused kernels');
        const shapes = [[3, 5], [5], [1]];
        const make = () =>
          tf.tidy(() => ({
            params: shapes.map((shape, i) => tf.variable(random(shape, 10 + i), false)),
            m: tf.variable(tf.zeros([21]), false),
            v: tf.variable(tf.zeros([21]), false),
            state: tf.variable(tf.zeros([6]), false),
          }));
        const fused = make();
        const plain = make();
        const settings = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, clipNorm: 2, guard: true };
        // Steps: small gradients, a large one (clipped), a NaN one (skipped), an Inf loss (skipped), small again,
        // and gradients of 1e20 whose float32 sum of squares would overflow (clipped, not skipped).
        const steps: [number, number][] = [
          [0.1, 1],
          [50, 2],
          [Number.NaN, 3],
          [0.1, 4],
          [0.3, 5],
          [1e20, 6],
        ];
        for (const [scale, seed] of steps) {
          const grads = shapes.map((shape, i) => random(shape, seed * 7 + i, scale));
          const loss = tf.scalar(seed === 4 ? Number.POSITIVE_INFINITY : 1.5 * seed);
          adamStep(fused.params, grads, fused.m, fused.v, fused.state, loss, 8, settings);
          adamStep(plain.params, grads, plain.m, plain.v, plain.state, loss, 8, settings, true);
          tf.dispose([...grads, loss]);
        }
        for (const [i] of shapes.entries()) compare(fused.params[i]!, plain.params[i]!, `param ${i}`);
        compare(fused.m, plain.m, 'm');
        compare(fused.v, plain.v, 'v');
        // [t, consecutive bad, bad, loss sum, rows, last norm]: 4 applied, 2 skipped.
        expect(Array.from(fused.state.dataSync()).slice(0, 5)).toEqual([4, 0, 2, 8 * (1.5 + 3 + 7.5 + 9), 32]);
        compare(fused.state, plain.state, 'state');
        tf.dispose([fused, plain].flatMap((s) => [...s.params, s.m, s.v, s.state]));
      });

      it.for(['diagonal', 'full'] as const)(
        'training steps with the fused kernels follow the plain-op steps (%s covariance)',
        (covariance, { skip }) => {
          if (info.fusedKernels.length === 0) skip('this backend registers no fused kernels');
          const config = {
            inputDimension: 2,
            outputDimension: 2,
            components: 3,
            hidden: [16, 16],
            activation: 'relu' as const,
            covariance,
          };
          const before = tf.memory().numTensors;
          const models = [
            MixtureDensityNetwork.create(config, { seed: 5 }),
            MixtureDensityNetwork.create(config, { seed: 5 }),
          ];
          const steps = [new TrainingStep(models[0]!), new TrainingStep(models[1]!, { plain: true })];
          const x = random([64, 2], 30) as tf.Tensor2D;
          const y = random([64, 2], 31) as tf.Tensor2D;
          // Two mean-first warm-up steps, then five full ones.
          for (let i = 0; i < 7; i++) for (const step of steps) step.run(x, y, 1e-2, i < 2);
          const [a, b] = steps.map((step) => step.readStats());
          within(a!.lossSum, b!.lossSum, 1e-4, 'loss sum');
          const [wa, wb] = models.map((model) => model.getWeights());
          for (const [i, w] of wa!.entries()) {
            for (let j = 0; j < w.values.length; j++) within(w.values[j]!, wb![i]!.values[j]!, 1e-4, `${w.name}[${j}]`);
          }
          for (const step of steps) step.dispose();
          for (const model of models) model.dispose();
          tf.dispose([x, y]);
          // Adam's moments, the state, the warm-up σ and the per-step transposes are all freed.
          expect(tf.memory().numTensors).toBe(before);
        },
      );
    });

    suite('training', () => {
      it("a short run with Laplace components (tfjs's gradients of the plain ops) fits the forum toy", async () => {
        const data = forumToy({ rows: 1000, seed: 24 });
        const test = forumToy({ rows: 1000, seed: 25 });
        const { model } = await train(data.x, data.y, {
          model: { hidden: [32, 32], family: 'laplace' },
          epochs: 30,
          seed: 1,
          ensemble: 1,
        });
        let trueNll = 0;
        for (const v of test.trueLogProb) trueNll -= v / test.trueLogProb.length;
        // Laplace components on Gaussian noise: close to the true density, not exact.
        expect((await model.nll(test.x, test.y)) - trueNll).toBeLessThan(0.15);
        const host = await model.predictHost([[1], [9]]);
        expect(host.distribution).toBe('laplace');
        const sd = Array.from(host.variance(), Math.sqrt);
        expect(sd[1]! / sd[0]!).toBeGreaterThan(3);
        model.dispose();
      });

      it('a short run on the forum toy reaches the target NLL and σ grows with x', async () => {
        const data = forumToy({ rows: 2000, seed: 21 });
        const test = forumToy({ rows: 2000, seed: 22 });
        const { model } = await train(data.x, data.y, { model: { hidden: [32, 32] }, epochs: 30, seed: 1 });
        let trueNll = 0;
        for (const v of test.trueLogProb) trueNll -= v / test.trueLogProb.length;
        expect((await model.nll(test.x, test.y)) - trueNll).toBeLessThan(0.08);
        const sd = Array.from((await model.predictHost([[1], [9]])).variance(), Math.sqrt);
        expect(sd[1]! / sd[0]!).toBeGreaterThan(3);
        model.dispose();
      });
    });

    suite('save and load', () => {
      /** Loads `text` on the reference backend (this one when none is set): its log-densities there, and the file saved again. */
      const onReference = async (text: string, x: MatrixInput, y: MatrixInput) => {
        const reference = options.reference;
        if (reference) await useBackend(reference);
        try {
          const loaded = loadModel(text);
          const logProb = await loaded.logProb(x, y);
          const saved = saveModel(loaded);
          loaded.dispose();
          return { logProb, saved };
        } finally {
          if (reference) await useBackend(adapter);
        }
      };
      it('a model saved on this backend gives the same densities when loaded on the reference backend, and back', async () => {
        const data = forumToy({ rows: 200, seed: 23 });
        const model = MixtureDensityNetwork.create(
          { inputDimension: 1, outputDimension: 1, hidden: [16] },
          { seed: 3, initialTargets: data.y },
        );
        const here = await model.logProb(data.x, data.y);
        const text = saveModel(model);
        model.dispose();
        const { logProb: there, saved: roundTrip } = await onReference(text, data.x, data.y);
        const back = loadModel(roundTrip);
        const again = await back.logProb(data.x, data.y);
        back.dispose();
        const tolerance = precisionTolerance(info.floatPrecision);
        for (let i = 0; i < here.length; i++) {
          within(there[i]!, here[i]!, tolerance, `row ${i} across backends`);
          expect(again[i]).toBe(here[i]);
        }
      });

      it('a model with predictive tails and atoms gives the same densities here as on the reference backend', async () => {
        const data = forumToy({ rows: 200, seed: 26 });
        const ys = Array.from(data.y.data);
        const y = [...ys].sort((a, b) => a - b);
        const [low, middle, high] = [y[0]!, y[100]!, y.at(-1)!];
        const plain = MixtureDensityNetwork.create(
          { inputDimension: 1, outputDimension: 1, hidden: [16], tailWeight: 0.05 },
          { seed: 5, initialTargets: data.y },
        );
        // Reaches that give both atoms a sizeable weight on every row, so their weights' precision shows.
        const model = plain.withAtoms([
          { value: low, side: 'lower', scale: 0.01, reach: (middle - low) / 2 },
          { value: high, side: 'upper', scale: 0.02, reach: high - middle },
        ]);
        plain.dispose();
        const x = [...Array.from(data.x.data, (v) => [v]), [1], [5], [9], [1], [5], [9]];
        const targets = [...ys.map((v) => [v]), [low], [low], [low], [high], [high], [high]];
        const here = await model.logProb(x, targets);
        const text = saveModel(model);
        model.dispose();
        const { logProb: there } = await onReference(text, x, targets);
        const tolerance = precisionTolerance(info.floatPrecision);
        for (let i = 0; i < here.length; i++) {
          expect(Number.isFinite(here[i])).toBe(true);
          within(there[i]!, here[i]!, tolerance, `row ${i} across backends`);
        }
      });

      it('a full-covariance model trains a few steps here and gives the same densities on the reference backend', async () => {
        const data = correlated2d({ rows: 300, seed: 25 });
        // Past the mean-first warm-up, so the full-covariance NLL steps run (fused kernel or plain ops).
        const { model, history } = await train(data.x, data.y, {
          model: { hidden: [16], components: 2, covariance: 'full' },
          epochs: 4,
          meanWarmupEpochs: 1,
          seed: 4,
        });
        expect(model.config.covariance).toBe('full');
        expect(history.at(-1)!.trainLoss).toBeLessThan(history[1]!.trainLoss);
        const here = await model.logProb(data.x, data.y);
        const text = saveModel(model);
        model.dispose();
        const { logProb: there } = await onReference(text, data.x, data.y);
        const tolerance = precisionTolerance(info.floatPrecision);
        for (let i = 0; i < here.length; i++) {
          expect(Number.isFinite(here[i])).toBe(true);
          within(there[i]!, here[i]!, tolerance, `row ${i} across backends`);
        }
      });
    });

    suite('no leaks', () => {
      it('prediction, densities and a training run leave only the model variables behind', async () => {
        const data = forumToy({ rows: 256, seed: 24 });
        const before = tf.memory().numTensors;
        const { model } = await train(data.x, data.y, { model: { hidden: [8] }, epochs: 2 });
        await model.logProb(data.x, data.y);
        (await model.predictHost([[1]])).mode();
        expect(tf.memory().numTensors - before).toBe(model.variables.length);
        model.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    });
  });
}
