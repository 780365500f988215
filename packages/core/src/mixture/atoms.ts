/**
 * Point masses at the ends of a one-column target's range (see {@link TargetAtom}) added to a predicted mixture on
 * the backend. Finding them, and the same maths on the host in float64, are in `atoms-host.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TargetAtom } from '../model/config.js';
import { gatherFrom, MIN_ATOM_WEIGHT, MIN_KEPT } from './atoms-host.js';
import type { ComponentFamily } from './components/standard.js';

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

/** P(Z ≤ z) of the standard Laplace on the backend: ½e^{z} below 0, 1 − ½e^{−z} above (each side directly). */
function laplaceCdfTensor(z: tf.Tensor): tf.Tensor {
  const half = tf.mul(tf.exp(tf.neg(tf.abs(z))), 0.5);
  return tf.where(tf.less(z, 0), half, tf.sub(1, half));
}

/** The standard component's CDF of `distribution` on the backend (relative precision in both tails). */
export function cdfTensor(z: tf.Tensor, distribution: ComponentFamily): tf.Tensor {
  return distribution === 'laplace' ? laplaceCdfTensor(z) : normalCdfTensor(z);
}

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
  /** The components' distribution (whose CDF gives each one's mass beyond a bound). Default 'gaussian'. */
  distribution: ComponentFamily = 'gaussian',
): { logits: tf.Tensor2D; means: tf.Tensor3D; scales: tf.Tensor3D } {
  const [n] = logits.shape;
  const weights = tf.softmax(logits);
  const mu = tf.reshape(means, [n, -1]);
  const sigma = tf.reshape(scales, [n, -1]);
  // Each component's mass beyond b, Φ(z) with z = (μ − b)/σ above b and (b − μ)/σ below it, and the mass on this
  // side of b, Φ(−z), each computed directly so a small one keeps its relative precision `[N, K]`.
  const sides = atoms.map((atom) => {
    const z = tf.div(atom.side === 'upper' ? tf.sub(mu, gatherFrom(atom)) : tf.sub(gatherFrom(atom), mu), sigma);
    return { beyond: cdfTensor(z, distribution), within: cdfTensor(tf.neg(z), distribution) };
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
