/**
 * The network's dense layers as training operations: a hidden layer's forward pass and its backward pass, and the
 * heads' (several linear layers on one input) forward and backward passes. Each is one kernel where the backend
 * registers it (`FUSED_KERNELS.dense*`, `FUSED_KERNELS.heads*`: the wasm adapter's SIMD products work on the
 * backend's memory with no transpose of the batch and one dispatch per layer), else plain tfjs ops — the
 * reference, which the conformance suite compares the kernels with. The kernels' inputs, attributes and outputs
 * are typed in `dense-contract.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../model/config.js';
import {
  denseBackwardCall,
  denseForwardCall,
  headsBackwardCall,
  headsForwardCall,
  type KernelCall,
  readDenseBackwardOutputs,
  readDenseForwardOutputs,
  readHeadsBackwardOutputs,
} from './dense-contract.js';
import { FUSED_KERNELS, hasFusedKernel, transpose2d } from './fused.js';

/** How the plain-op path does its products (see `TrainingStepOptions.explicitTranspose`). */
export interface DenseOptions {
  /** Use plain tfjs ops even where the kernels are registered. */
  plain: boolean;
  /** Transpose first so that every product is a plain one (wasm: transposed products leave XNNPACK). */
  explicitTranspose: boolean;
}

const kernel = (name: string, call: KernelCall<tf.Tensor>) =>
  tf
    .engine()
    .runKernel(name, call.inputs as tf.NamedTensorMap, call.attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];

/** dy·activation'(·) from the layer's output h (and its pre-activation z, for silu). */
export function activationGrad(activation: Activation, dy: tf.Tensor2D, h: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.mul(dy, tf.step(h));
    case 'tanh':
      return tf.mul(dy, tf.sub(tf.scalar(1), tf.square(h)));
    case 'elu':
      return tf.mul(dy, tf.minimum(tf.add(h, tf.scalar(1)), tf.scalar(1)));
    case 'silu': {
      const sigmoid = tf.sigmoid(z);
      return tf.mul(dy, tf.mul(sigmoid, tf.add(tf.scalar(1), tf.mul(z, tf.sub(tf.scalar(1), sigmoid)))));
    }
  }
}

/** A hidden layer's output h = activation(x W + b) and its pre-activation z (z is h except for silu and tanh). */
export interface DenseOutput {
  h: tf.Tensor2D;
  z: tf.Tensor2D;
}

/** A hidden layer's forward pass. */
export function denseForward(
  x: tf.Tensor2D,
  weights: tf.Tensor2D,
  bias: tf.Tensor1D,
  activation: Activation,
  plain = false,
): DenseOutput {
  if (!plain && hasFusedKernel(FUSED_KERNELS.denseForward)) {
    const out = kernel(
      FUSED_KERNELS.denseForward,
      denseForwardCall<tf.Tensor>({ x, kernel: weights, bias }, { activation }),
    );
    return readDenseForwardOutputs(out as tf.Tensor2D[]);
  }
  if (activation === 'relu' || activation === 'elu') {
    const h = tf.fused.matMul({ a: x, b: weights, bias, activation }) as tf.Tensor2D;
    return { h, z: h };
  }
  const z = tf.fused.matMul({ a: x, b: weights, bias }) as tf.Tensor2D;
  return { h: activation === 'tanh' ? tf.tanh(z) : (tf.mul(z, tf.sigmoid(z)) as tf.Tensor2D), z };
}

/** Gradients of a dense layer: weights, bias and (when asked) input. */
export interface DenseGradients {
  dW: tf.Tensor2D;
  db: tf.Tensor1D;
  dx: tf.Tensor2D | undefined;
}

/** Σ over rows, as a product with a row of ones where a reduction along axis 0 would transpose first (wasm). */
function columnSums(dz: tf.Tensor2D, options: DenseOptions): tf.Tensor1D {
  if (!options.explicitTranspose) return tf.sum(dz, 0) as tf.Tensor1D;
  return tf.reshape(tf.matMul(tf.ones([1, dz.shape[0]]), dz), [dz.shape[1]]);
}

/** xᵀ·dz, with x already transposed when given. */
function weightGrad(x: tf.Tensor2D, dz: tf.Tensor2D, options: DenseOptions, xT?: tf.Tensor2D): tf.Tensor2D {
  if (!options.explicitTranspose) return tf.matMul(x, dz, true, false);
  return tf.matMul(xT ?? transpose2d(x, options.plain), dz);
}

/** dz·Wᵀ. */
function inputGrad(dz: tf.Tensor2D, weights: tf.Tensor2D, options: DenseOptions): tf.Tensor2D {
  if (!options.explicitTranspose) return tf.matMul(dz, weights, false, true);
  return tf.matMul(dz, transpose2d(weights, options.plain));
}

/** A hidden layer's backward pass from the gradient `dh` of its output. */
export function denseBackward(
  x: tf.Tensor2D,
  weights: tf.Tensor2D,
  out: DenseOutput,
  dh: tf.Tensor2D,
  activation: Activation,
  needInputGrad: boolean,
  options: DenseOptions,
): DenseGradients {
  if (!options.plain && hasFusedKernel(FUSED_KERNELS.denseBackward)) {
    const call = denseBackwardCall<tf.Tensor>(
      { x, kernel: weights, h: out.h, z: out.z, dh },
      { activation, inputGrad: needInputGrad },
    );
    const { dW, db, dx } = readDenseBackwardOutputs(kernel(FUSED_KERNELS.denseBackward, call));
    return { dW: dW as tf.Tensor2D, db: db as tf.Tensor1D, dx: dx as tf.Tensor2D | undefined };
  }
  const dz = activationGrad(activation, dh, out.h, out.z);
  return {
    dW: weightGrad(x, dz, options),
    db: columnSums(dz, options),
    dx: needInputGrad ? inputGrad(dz, weights, options) : undefined,
  };
}

/** The heads' outputs `x W_j + b_j` (no activation). */
export function headsForward(
  x: tf.Tensor2D,
  weights: readonly tf.Tensor2D[],
  biases: readonly tf.Tensor1D[],
  plain = false,
): tf.Tensor2D[] {
  if (!plain && hasFusedKernel(FUSED_KERNELS.headsForward)) {
    const call = headsForwardCall<tf.Tensor>({ x, kernels: [...weights], biases: [...biases] });
    return kernel(FUSED_KERNELS.headsForward, call) as tf.Tensor2D[];
  }
  return weights.map((w, j) => tf.fused.matMul({ a: x, b: w, bias: biases[j]! }) as tf.Tensor2D);
}

/** Gradients of the heads: per head dW_j and db_j, and (when asked) dx = Σ_j dz_j W_jᵀ. */
export interface HeadsGradients {
  dW: tf.Tensor2D[];
  db: tf.Tensor1D[];
  dx: tf.Tensor2D | undefined;
}

/** The heads' backward pass from the gradients `dz_j` of their outputs. */
export function headsBackward(
  x: tf.Tensor2D,
  weights: readonly tf.Tensor2D[],
  dz: readonly tf.Tensor2D[],
  needInputGrad: boolean,
  options: DenseOptions,
): HeadsGradients {
  const count = weights.length;
  if (!options.plain && hasFusedKernel(FUSED_KERNELS.headsBackward)) {
    const call = headsBackwardCall<tf.Tensor>({ x, kernels: [...weights], dz: [...dz] }, { inputGrad: needInputGrad });
    const out = readHeadsBackwardOutputs(kernel(FUSED_KERNELS.headsBackward, call), count);
    return { dW: out.dW as tf.Tensor2D[], db: out.db as tf.Tensor1D[], dx: out.dx as tf.Tensor2D | undefined };
  }
  // The heads share their input: transpose it once.
  const xT = options.explicitTranspose ? transpose2d(x, options.plain) : undefined;
  let dx: tf.Tensor2D | undefined;
  if (needInputGrad) {
    for (const [j, w] of weights.entries()) {
      const part = inputGrad(dz[j]!, w, options);
      dx = dx ? (tf.add(dx, part) as tf.Tensor2D) : part;
    }
  }
  return {
    dW: dz.map((d) => weightGrad(x, d, options, xT)),
    db: dz.map((d) => columnSums(d, options)),
    dx,
  };
}
