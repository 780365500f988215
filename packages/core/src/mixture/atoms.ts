/**
 * Point masses at the ends of a one-column target's range (see {@link TargetAtom}): finding them in the training
 * targets, and adding them to a predicted mixture, on the backend (tensors) and on the host (float64). A capped
 * target (a price recorded as "50 or more" at 50) or a zero-inflated one (rainfall, claims, hours worked) has a
 * share of its rows at exactly one value; a smooth mixture spreads that mass over its neighbourhood instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { normalCdf } from '../math/normal.js';
import type { TargetAtom } from '../model/config.js';
import { HostMixture } from './host-mixture.js';

/** An end of the target's range that holds a point mass, as {@link findBoundaryAtoms} found it. */
export interface BoundaryAtom {
  /** The smallest or largest target. */
  value: number;
  side: 'lower' | 'upper';
  /** Rows at exactly `value`. */
  rows: number;
}

/** When an end of the range counts as a point mass (see TRAIN_DEFAULTS.atoms). */
export interface BoundaryAtomRule {
  /** At least this many rows at the end value… */
  minimumRows: number;
  /** …and at least this fraction of all rows… */
  minimumFraction: number;
  /** …and this many times as many as any other value within `neighbourhood` of the range from that end. */
  dominance: number;
  /** Fraction of the range, from the end, whose values the end is compared with. */
  neighbourhood: number;
  /** Targets with fewer distinct values are categories, not a continuum with a point mass: none found. */
  minimumDistinct: number;
}

/**
 * The ends of the range of `values` (one target column) that hold a point mass under `rule`: at most one per end,
 * the lower first. Non-finite values are ignored.
 */
export function findBoundaryAtoms(values: ArrayLike<number>, rule: BoundaryAtomRule): BoundaryAtom[] {
  const sorted = Float64Array.from(values).filter(Number.isFinite).sort();
  const n = sorted.length;
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) counts[counts.length - 1]!++;
    else {
      distinct.push(sorted[i]!);
      counts.push(1);
    }
  }
  if (distinct.length < Math.max(2, rule.minimumDistinct)) return [];
  const low = distinct[0]!;
  const high = distinct.at(-1)!;
  const reach = rule.neighbourhood * (high - low);
  const found: BoundaryAtom[] = [];
  for (const side of ['lower', 'upper'] as const) {
    const end = side === 'lower' ? 0 : distinct.length - 1;
    const step = side === 'lower' ? 1 : -1;
    const value = distinct[end]!;
    const rows = counts[end]!;
    let neighbours = 0;
    for (let i = end + step; i >= 0 && i < distinct.length && Math.abs(distinct[i]! - value) <= reach; i += step) {
      neighbours = Math.max(neighbours, counts[i]!);
    }
    if (
      rows >= rule.minimumRows &&
      rows >= rule.minimumFraction * n &&
      rows >= rule.dominance * Math.max(1, neighbours)
    ) {
      found.push({ value, side, rows });
    }
  }
  return found;
}

/** The least weight an atom is given, and the least share of its weight a component keeps (no log-weight is −∞). */
const MIN_ATOM_WEIGHT = 1e-6;
const MIN_KEPT = 1e-6;

/**
 * Φ(z) on the backend, through erfc with a relative error under 1.2e-7 in both tails (Numerical Recipes' erfcc,
 * Press et al. 2007 §6.2): only exp and arithmetic, so every backend agrees to float precision, and a small Φ keeps
 * its relative precision (1 − Φ(−z) through erf would round it away in float32).
 */
function normalCdfTensor(z: tf.Tensor): tf.Tensor {
  const x = tf.mul(z, -Math.SQRT1_2); // Φ(z) = erfc(−z/√2) / 2
  const a = tf.abs(x);
  const t = tf.div(1, tf.add(1, tf.mul(a, 0.5)));
  let polynomial: tf.Tensor = tf.scalar(0.17087277);
  for (const c of [
    -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223,
  ]) {
    polynomial = tf.add(c, tf.mul(t, polynomial));
  }
  const upper = tf.mul(t, tf.exp(tf.sub(polynomial, tf.square(a)))); // erfc(|x|)
  return tf.mul(tf.where(tf.greaterEqual(x, 0), upper, tf.sub(2, upper)), 0.5);
}

/** Where an atom starts gathering mass: `value ∓ reach`. */
const gatherFrom = (atom: TargetAtom) => (atom.side === 'upper' ? atom.value - atom.reach : atom.value + atom.reach);

/**
 * A one-column mixture's parameters with `atoms` added, on the backend: one component per atom after the others
 * (mean `value`, σ `scale`), whose weight is the mass the mixture gives beyond `value ∓ reach`. That mass moves: each
 * component gives up its own mass beyond (weight π·(1 − P_k(beyond))), so a component the fit put on the point
 * mass hands its weight to the atom and one far from it keeps its own. Call inside `tf.tidy`. `atoms` in the units
 * of the mixture.
 * @param logits `[N, K]` @param means `[N, K, 1]` @param scales `[N, K, 1]`
 * @returns `[N, K + A]` logits (log-weights), `[N, K + A, 1]` means and scales
 */
export function addAtoms(
  logits: tf.Tensor2D,
  means: tf.Tensor3D,
  scales: tf.Tensor3D,
  atoms: readonly TargetAtom[],
): { logits: tf.Tensor2D; means: tf.Tensor3D; scales: tf.Tensor3D } {
  const [n] = logits.shape;
  const weights = tf.softmax(logits);
  const mu = tf.reshape(means, [n, -1]);
  const sigma = tf.reshape(scales, [n, -1]);
  // Each component's mass beyond b, Φ(z) with z = (μ − b)/σ above b and (b − μ)/σ below it, and the mass on this
  // side of b, Φ(−z), each computed directly so a small one keeps its relative precision `[N, K]`.
  const sides = atoms.map((atom) => {
    const z = tf.div(atom.side === 'upper' ? tf.sub(mu, gatherFrom(atom)) : tf.sub(gatherFrom(atom), mu), sigma);
    return { beyond: normalCdfTensor(z), within: normalCdfTensor(tf.neg(z)) };
  });
  const atomWeights = sides.map(({ beyond }) => tf.maximum(tf.sum(tf.mul(weights, beyond), 1, true), MIN_ATOM_WEIGHT));
  // What a component keeps: its mass within one bound less its mass beyond the other, from the side of the bound it
  // lies more beyond (1 − beyond − beyond' would lose a small remainder to rounding).
  const [first, second] = sides;
  const kept = tf.maximum(
    !second
      ? first!.within
      : tf.where(
          tf.greater(first!.beyond, second.beyond),
          tf.sub(first!.within, second.beyond),
          tf.sub(second.within, first!.beyond),
        ),
    MIN_KEPT,
  );
  const column = (value: number) => tf.fill([n, 1, 1], value) as tf.Tensor3D;
  return {
    logits: tf.concat(
      [tf.add(tf.logSoftmax(logits), tf.log(kept)), ...atomWeights.map((w) => tf.log(w))],
      1,
    ) as tf.Tensor2D,
    means: tf.concat([means, ...atoms.map((atom) => column(atom.value))], 1),
    scales: tf.concat([scales, ...atoms.map((atom) => column(atom.scale))], 1),
  };
}

/** One component's mass beyond each atom's bound and within it (float64; see {@link addAtoms}). */
function componentSides(mean: number, scale: number, atoms: readonly TargetAtom[]) {
  return atoms.map((atom) => {
    const z = (atom.side === 'upper' ? mean - gatherFrom(atom) : gatherFrom(atom) - mean) / scale;
    return { beyond: normalCdf(z), within: normalCdf(-z) };
  });
}

/** The share of its weight a component keeps, as {@link addAtoms} computes it. */
function keptShare(sides: readonly { beyond: number; within: number }[]): number {
  const [first, second] = sides;
  if (!first) return 1;
  const kept = !second
    ? first.within
    : first.beyond > second.beyond
      ? first.within - second.beyond
      : second.within - first.beyond;
  return Math.max(kept, MIN_KEPT);
}

/**
 * {@link addAtoms} on the host, in float64: `mixture` (one column, without atoms) with one component per atom after
 * its own. `atoms` in the units of the mixture.
 */
export function addAtomsHost(mixture: HostMixture, atoms: readonly TargetAtom[]): HostMixture {
  if (mixture.dimensions !== 1) throw new Error(`atoms need a one-column mixture, got ${mixture.dimensions} columns`);
  const { rows, components: k } = mixture;
  const total = k + atoms.length;
  const logWeights = new Float64Array(rows * total);
  const means = new Float64Array(rows * total);
  const scales = new Float64Array(rows * total);
  const atomWeights = new Float64Array(atoms.length);
  for (let r = 0; r < rows; r++) {
    atomWeights.fill(0);
    for (let c = 0; c < k; c++) {
      const i = r * k + c;
      const weight = Math.exp(mixture.logWeights[i]!);
      const sides = componentSides(mixture.means[i]!, mixture.scales[i]!, atoms);
      for (const [a, { beyond }] of sides.entries()) atomWeights[a] = atomWeights[a]! + weight * beyond;
      logWeights[r * total + c] = mixture.logWeights[i]! + Math.log(keptShare(sides));
      means[r * total + c] = mixture.means[i]!;
      scales[r * total + c] = mixture.scales[i]!;
    }
    for (const [a, atom] of atoms.entries()) {
      logWeights[r * total + k + a] = Math.log(Math.max(atomWeights[a]!, MIN_ATOM_WEIGHT));
      means[r * total + k + a] = atom.value;
      scales[r * total + k + a] = atom.scale;
    }
  }
  return new HostMixture({ rows, components: total, dimensions: 1, logWeights, means, scales });
}

/**
 * The inverse of {@link addAtomsHost}: `mixture` (one column, its last `atoms.length` components the atoms) without
 * its atoms, every other component given back the weight it handed them (what the networks predicted).
 */
export function removeAtomsHost(mixture: HostMixture, atoms: readonly TargetAtom[]): HostMixture {
  const { rows, components: total } = mixture;
  const k = total - atoms.length;
  const logWeights = new Float64Array(rows * k);
  const means = new Float64Array(rows * k);
  const scales = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < k; c++) {
      const from = r * total + c;
      const sides = componentSides(mixture.means[from]!, mixture.scales[from]!, atoms);
      logWeights[r * k + c] = mixture.logWeights[from]! - Math.log(keptShare(sides));
      means[r * k + c] = mixture.means[from]!;
      scales[r * k + c] = mixture.scales[from]!;
    }
  }
  return new HostMixture({ rows, components: k, dimensions: 1, logWeights, means, scales });
}

/** `atoms` in standardised units, for a target standardised as (y − mean) / scale. */
export function standardiseAtoms(atoms: readonly TargetAtom[], mean: number, scale: number): TargetAtom[] {
  return atoms.map((atom) => ({
    value: (atom.value - mean) / scale,
    side: atom.side,
    scale: atom.scale / scale,
    reach: atom.reach / scale,
  }));
}
