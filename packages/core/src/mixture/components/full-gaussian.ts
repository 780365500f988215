/**
 * Gaussian components with a full covariance (D ≥ 2) through each one's precision factor: Σ⁻¹ = AᵀA with
 * A = diag(1/σ)(I + L), L strictly upper-triangular (see math/precision-factor.ts). Marginals and conditionals are
 * exact Gaussians again (diagonal for one dimension). One-dimensional methods never reach this family: a mixture of
 * one dimension is diagonal.
 */
import { InputError } from '../../errors.js';
import { logSumExp } from '../../math/host-math.js';
import { LOG_SQRT_2PI } from '../../math/normal.js';
import {
  choleskyInPlace,
  choleskySolveInPlace,
  covarianceFromFactor,
  factorCount,
  factorFromCovariance,
  factorIndex,
} from '../../math/precision-factor.js';
import type { Random } from '../../random/rng.js';
import type { ComponentArrays, DerivedComponents, HostFamily } from './family.js';
import { type Climber, climbModes } from './mode.js';

const notOneDimensional = (what: string) =>
  new InputError(`${what} needs one-dimensional targets; use marginal(d) for one of them`);

export class FullGaussianFamily implements HostFamily {
  readonly family = 'gaussian' as const;
  readonly kind = 'full' as const;

  logDensity(m: ComponentArrays, row: number, j: number, y: ArrayLike<number>): number {
    const { components: k, dimensions: d } = m;
    const factors = m.factors!;
    const base = (row * k + j) * d;
    let at = (row * k + j) * factorCount(d);
    let total = 0;
    for (let e = 0; e < d; e++) {
      let t = y[e]! - m.means[base + e]!;
      for (let c = e + 1; c < d; c++) t += factors[at++]! * (y[c]! - m.means[base + c]!);
      const sigma = m.scales[base + e]!;
      const z = t / sigma;
      total -= LOG_SQRT_2PI + Math.log(sigma) + 0.5 * z * z;
    }
    return total;
  }

  covariance(m: ComponentArrays, row: number, j: number, out: Float64Array): Float64Array {
    const { components: k, dimensions: d } = m;
    return covarianceFromFactor(m.scales, (row * k + j) * d, m.factors!, (row * k + j) * factorCount(d), d, out);
  }

  marginal(m: ComponentArrays, kept: readonly number[]): DerivedComponents {
    const { rows: n, components: k, dimensions: d } = m;
    const f = kept.length;
    const means = new Float64Array(n * k * f);
    const scales = new Float64Array(n * k * f);
    for (let r = 0; r < n * k; r++) for (let a = 0; a < f; a++) means[r * f + a] = m.means[r * d + kept[a]!]!;
    const factors = f > 1 ? new Float64Array(n * k * factorCount(f)) : undefined;
    const full = new Float64Array(d * d);
    const sub = new Float64Array(f * f);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const r = i * k + j;
        this.covariance(m, i, j, full);
        for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) sub[a * f + b] = full[kept[a]! * d + kept[b]!]!;
        if (factors === undefined) scales[r] = Math.sqrt(sub[0]!);
        else if (!factorFromCovariance(sub, f, scales, r * f, factors, r * factorCount(f))) {
          throw new InputError(`component ${j} of row ${i} has a covariance that is not positive definite`, {
            row: i,
            reason: `component ${j} has a covariance that is not positive definite`,
          });
        }
      }
    }
    return { logWeights: m.logWeights, means, scales, factors };
  }

  condition(
    m: ComponentArrays,
    given: readonly number[],
    free: readonly number[],
    observed: (dimension: number, row: number) => number,
  ): DerivedComponents {
    const { rows: n, components: k, dimensions: d } = m;
    const o = given.length;
    const f = free.length;
    const logWeights = new Float64Array(n * k);
    const means = new Float64Array(n * k * f);
    const scales = new Float64Array(n * k * f);
    const factors = f > 1 ? new Float64Array(n * k * factorCount(f)) : undefined;
    const full = new Float64Array(d * d);
    const observedCovariance = new Float64Array(o * o);
    const residual = new Float64Array(o);
    const solved = new Float64Array(o);
    const column = new Float64Array(o);
    const conditional = new Float64Array(f * f);
    const gainColumns = new Float64Array(f * o);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const r = i * k + j;
        const base = r * d;
        this.covariance(m, i, j, full);
        for (let a = 0; a < o; a++) {
          residual[a] = observed(given[a]!, i) - m.means[base + given[a]!]!;
          for (let b = 0; b < o; b++) observedCovariance[a * o + b] = full[given[a]! * d + given[b]!]!;
        }
        if (!choleskyInPlace(observedCovariance, o)) {
          throw new InputError(`component ${j} of row ${i} has a covariance that is not positive definite`, {
            row: i,
            reason: `component ${j} has a covariance that is not positive definite`,
          });
        }
        // log N(y_O; μ_O, Σ_OO) = −o/2 log 2π − Σ log G_aa − ½ ‖G⁻¹ r‖².
        let logDensity = -o * LOG_SQRT_2PI;
        for (let a = 0; a < o; a++) {
          let value = residual[a]!;
          for (let c = 0; c < a; c++) value -= observedCovariance[a * o + c]! * solved[c]!;
          solved[a] = value / observedCovariance[a * o + a]!;
          logDensity -= Math.log(observedCovariance[a * o + a]!) + 0.5 * solved[a]! ** 2;
        }
        logWeights[r] = m.logWeights[r]! + logDensity;
        solved.set(residual);
        choleskySolveInPlace(observedCovariance, o, solved);
        for (let a = 0; a < f; a++) {
          let shift = 0;
          for (let b = 0; b < o; b++) shift += full[free[a]! * d + given[b]!]! * solved[b]!;
          means[r * f + a] = m.means[base + free[a]!]! + shift;
          // Σ_OO⁻¹ Σ_Oa, for the conditional covariance.
          for (let b = 0; b < o; b++) column[b] = full[given[b]! * d + free[a]!]!;
          choleskySolveInPlace(observedCovariance, o, column);
          gainColumns.set(column, a * o);
        }
        for (let a = 0; a < f; a++) {
          for (let b = 0; b < f; b++) {
            let value = full[free[a]! * d + free[b]!]!;
            for (let c = 0; c < o; c++) value -= full[free[a]! * d + given[c]!]! * gainColumns[b * o + c]!;
            conditional[a * f + b] = value;
          }
        }
        if (factors === undefined) scales[r * f] = Math.sqrt(conditional[0]!);
        else if (!factorFromCovariance(conditional, f, scales, r * f, factors, r * factorCount(f))) {
          throw new InputError(
            `component ${j} of row ${i} has a conditional covariance that is not positive definite`,
            {
              row: i,
            },
          );
        }
      }
    }
    return { logWeights, means, scales, factors };
  }

  mode(m: ComponentArrays): Float64Array {
    return climbModes(m, this, fullShift(m, this));
  }

  draw(m: ComponentArrays, row: number, j: number, spread: number, random: Random, out: Float64Array, offset: number) {
    const { components: k, dimensions: d } = m;
    const base = (row * k + j) * d;
    for (let e = 0; e < d; e++) out[offset + e] = spread === 0 ? 0 : spread * m.scales[base + e]! * random.normal();
    if (spread !== 0) {
      // y − μ = (I + L)⁻¹ (√s σ ⊙ ε): back-substitution from the last dimension up.
      const factorBase = (row * k + j) * factorCount(d);
      for (let e = d - 2; e >= 0; e--) {
        let value = out[offset + e]!;
        for (let c = e + 1; c < d; c++) value -= m.factors![factorBase + factorIndex(e, c, d)]! * out[offset + c]!;
        out[offset + e] = value;
      }
    }
    for (let e = 0; e < d; e++) out[offset + e]! += m.means[base + e]!;
  }

  cdf(): number {
    throw notOneDimensional('cdf');
  }

  pdf(): number {
    throw notOneDimensional('pdf');
  }

  quantiles(): Float64Array {
    throw notOneDimensional('quantile');
  }

  crps(): number {
    throw notOneDimensional('crps');
  }
}

/**
 * The full family's climb: x ← (Σ_k γ_k(x) Σ_k⁻¹)⁻¹ Σ_k γ_k(x) Σ_k⁻¹ μ_k, with each component's precision
 * Σ⁻¹ = AᵀA, A = diag(1/σ)(I + L), and Σ⁻¹μ prepared per row.
 */
function fullShift(m: ComponentArrays, family: FullGaussianFamily): Climber {
  const { components: k, dimensions: d } = m;
  const p = factorCount(d);
  const precisions = new Float64Array(k * d * d);
  const precisionMeans = new Float64Array(k * d);
  const system = new Float64Array(d * d);
  const num = new Float64Array(d);
  const terms = new Float64Array(k);
  return {
    prepareRow(i) {
      const factors = m.factors!;
      for (let j = 0; j < k; j++) {
        const base = (i * k + j) * d;
        const precision = precisions.subarray(j * d * d, (j + 1) * d * d);
        precision.fill(0);
        // Σ⁻¹_bc = Σ_a A_ab A_ac with A_ab = ([a = b] + L_ab [a < b]) / σ_a.
        for (let a = 0; a < d; a++) {
          const inverse = 1 / m.scales[base + a]!;
          const entry = (b: number) =>
            b === a ? inverse : b > a ? factors[(i * k + j) * p + factorIndex(a, b, d)]! * inverse : 0;
          for (let b = a; b < d; b++) {
            const ab = entry(b);
            if (ab === 0) continue;
            for (let c = a; c < d; c++) precision[b * d + c]! += ab * entry(c);
          }
        }
        for (let b = 0; b < d; b++) {
          let value = 0;
          for (let c = 0; c < d; c++) value += precision[b * d + c]! * m.means[base + c]!;
          precisionMeans[j * d + b] = value;
        }
      }
    },
    step(i, x, move, gamma) {
      for (let j = 0; j < k; j++) terms[j] = m.logWeights[i * k + j]! + family.logDensity(m, i, j, x);
      const norm = logSumExp(terms, 0, k);
      system.fill(0);
      num.fill(0);
      for (let j = 0; j < k; j++) {
        const g = Math.exp(terms[j]! - norm);
        gamma[j] = g;
        if (g === 0) continue;
        for (let a = 0; a < d * d; a++) system[a]! += g * precisions[j * d * d + a]!;
        for (let e = 0; e < d; e++) num[e]! += g * precisionMeans[j * d + e]!;
      }
      if (!choleskyInPlace(system, d)) {
        move.fill(0);
        return 0;
      }
      choleskySolveInPlace(system, d, num);
      let step = 0;
      for (let e = 0; e < d; e++) {
        move[e] = num[e]! - x[e]!;
        step = Math.max(step, Math.abs(move[e]!));
      }
      return step;
    },
  };
}
