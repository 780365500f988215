/**
 * Float64 reference maths for full-covariance Gaussian mixtures, written independently of @mdn/core: the
 * precision matrix is built as AᵀA from an explicit A, inverted by Gauss–Jordan elimination with partial pivoting,
 * determinants by LU, conditioning by the Schur complement of explicit inverses. Slow and simple on purpose.
 */
import { referenceLogSumExp } from './reference.js';

/** One full-covariance mixture: logits, means[k][d], covariances[k][d][d]. */
export interface ReferenceFullMixture {
  logits: number[];
  means: number[][];
  covariances: number[][][];
}

type Matrix = number[][];

const identity = (d: number): Matrix =>
  Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));

function multiply(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((sum, v, c) => sum + v * b[c]![j]!, 0)));
}

function transpose(a: Matrix): Matrix {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}

/** Inverse by Gauss–Jordan elimination with partial pivoting. */
export function referenceInverse(a: Matrix): Matrix {
  const d = a.length;
  const m = a.map((row, i) => [...row, ...identity(d)[i]!]);
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    if (p === 0) throw new Error('singular matrix');
    for (let c = 0; c < 2 * d; c++) m[col]![c]! /= p;
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = m[r]![col]!;
      for (let c = 0; c < 2 * d; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row) => row.slice(d));
}

/** log |det a| by LU elimination with partial pivoting. */
export function referenceLogDet(a: Matrix): number {
  const m = a.map((row) => [...row]);
  const d = m.length;
  let total = 0;
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    total += Math.log(Math.abs(p));
    for (let r = col + 1; r < d; r++) {
      const f = m[r]![col]! / p;
      for (let c = col; c < d; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return total;
}

/**
 * The covariance of a component given as the core stores it: scales σ `[D]` and the packed strictly upper
 * entries L `[D(D−1)/2]` (row-major) of A = diag(1/σ)(I + L), precision AᵀA: Σ = (AᵀA)⁻¹, by explicit inversion.
 */
export function referenceCovarianceFromFactor(scales: readonly number[], factors: readonly number[]): Matrix {
  const d = scales.length;
  const a = identity(d);
  let at = 0;
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) a[i]![j] = factors[at++]!;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i]![j]! /= scales[i]!;
  return referenceInverse(multiply(transpose(a), a));
}

/** log N(y; μ, Σ) with Σ⁻¹ and log |Σ| from the explicit inverse and LU. */
export function referenceGaussianLogPdf(y: readonly number[], mean: readonly number[], covariance: Matrix): number {
  const d = y.length;
  const precision = referenceInverse(covariance);
  const r = y.map((v, i) => v - mean[i]!);
  let quadratic = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) quadratic += r[i]! * precision[i]![j]! * r[j]!;
  return -0.5 * d * Math.log(2 * Math.PI) - 0.5 * referenceLogDet(covariance) - 0.5 * quadratic;
}

/** log p(y) of a full-covariance mixture. */
export function referenceFullLogProb(mixture: ReferenceFullMixture, y: readonly number[]): number {
  const logNorm = referenceLogSumExp(mixture.logits);
  return referenceLogSumExp(
    mixture.logits.map((l, k) => l - logNorm + referenceGaussianLogPdf(y, mixture.means[k]!, mixture.covariances[k]!)),
  );
}

/**
 * The conditional mixture of the unobserved dimensions (ascending) given `observed` (dimension → value): each
 * component's Schur complement Σ_FF − Σ_FO Σ_OO⁻¹ Σ_OF, mean μ_F + Σ_FO Σ_OO⁻¹ (y_O − μ_O), and log-weight
 * log π_k + log N(y_O; μ_O, Σ_OO) (normalised).
 */
export function referenceCondition(
  mixture: ReferenceFullMixture,
  observed: Readonly<Record<number, number>>,
): ReferenceFullMixture {
  const d = mixture.means[0]!.length;
  const given = Object.keys(observed).map(Number);
  const free = Array.from({ length: d }, (_, e) => e).filter((e) => !given.includes(e));
  const pick = (m: Matrix, rows: number[], cols: number[]) => rows.map((r) => cols.map((c) => m[r]![c]!));
  const yO = given.map((e) => observed[e]!);
  const logits: number[] = [];
  const means: number[][] = [];
  const covariances: number[][][] = [];
  const logNorm = referenceLogSumExp(mixture.logits);
  mixture.logits.forEach((l, k) => {
    const s = mixture.covariances[k]!;
    const mu = mixture.means[k]!;
    const sOO = pick(s, given, given);
    const sFO = pick(s, free, given);
    const gain = multiply(sFO, referenceInverse(sOO));
    const residual = given.map((e, a) => [yO[a]! - mu[e]!]);
    const shift = multiply(gain, residual);
    logits.push(
      l -
        logNorm +
        referenceGaussianLogPdf(
          yO,
          given.map((e) => mu[e]!),
          sOO,
        ),
    );
    means.push(free.map((e, a) => mu[e]! + shift[a]![0]!));
    const schur = multiply(gain, transpose(sFO));
    covariances.push(pick(s, free, free).map((row, a) => row.map((v, b) => v - schur[a]![b]!)));
  });
  return { logits, means, covariances };
}
