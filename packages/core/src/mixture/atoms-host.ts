/**
 * Point masses at the ends of a one-column target's range (see {@link TargetAtom}): finding them in the training
 * targets, and adding them to a predicted mixture on the host (float64; no TensorFlow.js, so the host entry point
 * and the diagnosis's baselines use it). The same maths on the backend is `atoms.ts`. A capped
 * target (a price recorded as "50 or more" at 50) or a zero-inflated one (rainfall, claims, hours worked) has a
 * share of its rows at exactly one value; a smooth mixture spreads that mass over its neighbourhood instead.
 */

import { InputError } from '../errors.js';
import type { TargetAtom } from '../model/config.js';
import { type StandardComponent, standardComponent } from './components/standard.js';
import { HostMixture } from './host-mixture.js';
import { MixtureParts } from './parts.js';

/** An end of the target's range that holds a point mass, as {@link findBoundaryAtoms} found it. */
export interface BoundaryAtom {
  /** The smallest or largest target. */
  value: number;
  side: 'lower' | 'upper';
  /** Rows at exactly `value`. */
  rows: number;
  /** The distance from `value` to the nearest other target (on the inner side). */
  gap: number;
  /**
   * How far from `value` the point mass may gather mass before its neighbourhood holds more other rows than a
   * 1/`dominance` share of its own (half-way between the last row it may hold and the next): on a skewed target
   * (films' gross: 66 at 0, hundreds just above it) a reach in the target's units would take their mass too.
   */
  room: number;
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
      // Walk inward over the other rows until more than rows / dominance of them are passed.
      const allowed = Math.floor(rows / rule.dominance);
      let passed = 0;
      let last = value;
      let room = Number.POSITIVE_INFINITY;
      for (let i = end + step; i >= 0 && i < distinct.length; i += step) {
        if (passed + counts[i]! > allowed) {
          room = (Math.abs(last - value) + Math.abs(distinct[i]! - value)) / 2;
          break;
        }
        passed += counts[i]!;
        last = distinct[i]!;
      }
      found.push({ value, side, rows, gap: Math.abs(distinct[end + step]! - value), room });
    }
  }
  return found;
}

/** The least weight an atom is given, and the least share of its weight a component keeps (no log-weight is −∞). */
export const MIN_ATOM_WEIGHT = 1e-6;
export const MIN_KEPT = 1e-6;

/** Where an atom starts gathering mass: `value ∓ reach`. */
export const gatherFrom = (atom: TargetAtom) =>
  atom.side === 'upper' ? atom.value - atom.reach : atom.value + atom.reach;

/** One component's mass beyond each atom's bound and within it (float64; see `addAtoms` in atoms.ts). */
function componentSides(mean: number, scale: number, atoms: readonly TargetAtom[], standard: StandardComponent) {
  return atoms.map((atom) => {
    const z = (atom.side === 'upper' ? mean - gatherFrom(atom) : gatherFrom(atom) - mean) / scale;
    return { beyond: standard.cdf(z), within: standard.cdf(-z) };
  });
}

/** The share of its weight a component keeps, as `addAtoms` (atoms.ts) computes it. */
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
 * `addAtoms` (atoms.ts) on the host, in float64: `mixture` (one column, without atoms) with one point mass per atom
 * after its own components (its parts say which). `atoms` in the units of the mixture.
 */
export function addAtomsHost(mixture: HostMixture, atoms: readonly TargetAtom[]): HostMixture {
  if (mixture.dimensions !== 1) {
    throw new InputError(`atoms need a one-column mixture, got ${mixture.dimensions} columns`);
  }
  const { rows, components: k } = mixture;
  const standard = standardComponent(mixture.distribution);
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
      const sides = componentSides(mixture.means[i]!, mixture.scales[i]!, atoms, standard);
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
  const parts = mixture.parts.concat(MixtureParts.fromRoles(atoms.map((atom) => ({ kind: 'point-mass', atom }))));
  const { distribution } = mixture;
  return new HostMixture({ rows, components: total, dimensions: 1, logWeights, means, scales, parts, distribution });
}

/**
 * The inverse of {@link addAtomsHost}: `mixture` (one column) without its point masses (its parts say which), every
 * other component given back the weight it handed them (what the networks predicted).
 */
export function removeAtomsHost(mixture: HostMixture): HostMixture {
  const { rows, components: total, parts } = mixture;
  const atoms = parts.pointMasses.map((p) => p.atom);
  if (atoms.length === 0) return mixture;
  const kept = parts.where((role) => role.kind !== 'point-mass');
  const k = kept.length;
  const standard = standardComponent(mixture.distribution);
  const logWeights = new Float64Array(rows * k);
  const means = new Float64Array(rows * k);
  const scales = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (const [c, component] of kept.entries()) {
      const from = r * total + component;
      const sides = componentSides(mixture.means[from]!, mixture.scales[from]!, atoms, standard);
      logWeights[r * k + c] = mixture.logWeights[from]! - Math.log(keptShare(sides));
      means[r * k + c] = mixture.means[from]!;
      scales[r * k + c] = mixture.scales[from]!;
    }
  }
  const { distribution } = mixture;
  return new HostMixture({
    rows,
    components: k,
    dimensions: 1,
    logWeights,
    means,
    scales,
    parts: parts.select(kept),
    distribution,
  });
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
