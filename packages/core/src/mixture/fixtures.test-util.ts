// Shared test fixtures: random mixtures as fast-check arbitraries, and converters to tensors and to the
// float64 reference's plain objects.
import type { ReferenceMixture } from '@mdn/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { GaussianMixture } from './gaussian-mixture.js';
import { HostMixture } from './host-mixture.js';

/** `rows` rows of the standard normal N(0, 1) as a one-component host mixture. */
export function standardNormalRows(rows: number): HostMixture {
  return new HostMixture({
    rows,
    components: 1,
    dimensions: 1,
    logWeights: new Float64Array(rows),
    means: new Float64Array(rows),
    scales: new Float64Array(rows).fill(1),
  });
}

export interface MixtureSpec {
  /** [N][K] */
  logits: number[][];
  /** [N][K][D] */
  means: number[][][];
  /** [N][K][D] */
  scales: number[][][];
}

const float = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** Random batches of mixtures with N rows, K components and D dimensions in the given ranges. */
export function mixtureSpec(
  options: { rows?: [number, number]; components?: [number, number]; dimensions?: [number, number] } = {},
) {
  const [nMin, nMax] = options.rows ?? [1, 4];
  const [kMin, kMax] = options.components ?? [1, 5];
  const [dMin, dMax] = options.dimensions ?? [1, 1];
  return fc
    .record({
      n: fc.integer({ min: nMin, max: nMax }),
      k: fc.integer({ min: kMin, max: kMax }),
      d: fc.integer({ min: dMin, max: dMax }),
    })
    .chain(({ n, k, d }) =>
      fc.record({
        logits: fc.array(fc.array(float(-3, 3), { minLength: k, maxLength: k }), { minLength: n, maxLength: n }),
        means: fc.array(
          fc.array(fc.array(float(-5, 5), { minLength: d, maxLength: d }), { minLength: k, maxLength: k }),
          {
            minLength: n,
            maxLength: n,
          },
        ),
        scales: fc.array(
          fc.array(fc.array(float(0.05, 3), { minLength: d, maxLength: d }), { minLength: k, maxLength: k }),
          {
            minLength: n,
            maxLength: n,
          },
        ),
      }),
    );
}

export function toMixture(spec: MixtureSpec): GaussianMixture {
  return GaussianMixture.diagonal({
    logits: tf.tensor2d(spec.logits),
    means: tf.tensor3d(spec.means),
    scales: tf.tensor3d(spec.scales),
  });
}

export function referenceRow(spec: MixtureSpec, row: number): ReferenceMixture {
  return { logits: spec.logits[row]!, means: spec.means[row]!, scales: spec.scales[row]! };
}

/** Float32 rounding of the spec, so float64 references see exactly the numbers the tensors hold. */
export function roundToFloat32(spec: MixtureSpec): MixtureSpec {
  const r = (v: number) => Math.fround(v);
  return {
    logits: spec.logits.map((row) => row.map(r)),
    means: spec.means.map((row) => row.map((c) => c.map(r))),
    scales: spec.scales.map((row) => row.map((c) => c.map(r))),
  };
}

/** |actual − expected| ≤ absolute + relative · |expected| */
export function expectClose(actual: number, expected: number, relative: number, absolute: number, label = ''): void {
  const tolerance = absolute + relative * Math.abs(expected);
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(
      `${label} expected ${expected}, got ${actual} (|diff| ${Math.abs(actual - expected)} > ${tolerance})`,
    );
  }
}
