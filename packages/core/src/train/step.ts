/**
 * One optimisation step of a mixture density network, built for speed: dense layers whose backward pass keeps to
 * plain matrix products (transposed-operand products fall off the fast path of the wasm backend), the mixture NLL
 * with its analytic gradient in one operation, and one Adam update for every variable with clipping and the
 * NaN/Inf guard computed on the device — no host sync per step. The fused operations use kernels that adapters
 * register when the backend has them; otherwise (and with `plain: true`) the same maths in plain tfjs ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { factorCount } from '../math/precision-factor.js';
import { GaussianMixture } from '../mixture/gaussian-mixture.js';
import { type Activation, hasFactorHead } from '../model/config.js';
import type { MixtureDensityNetwork } from '../model/network.js';
import {
  type AdamSettings,
  adamStep,
  FUSED_KERNELS,
  fullMixtureNllWithGradients,
  hasFusedKernel,
  mixtureNllWithGradients,
  STATE_SIZE,
  transpose2d,
} from './fused.js';
import { TRAIN_DEFAULTS } from './plan.js';

/** Options of {@link TrainingStep}. */
export interface TrainingStepOptions {
  /** Global gradient-norm clip (Infinity: none). Default: the training plan's default. */
  clipNorm?: number;
  /** Skip steps whose loss or gradient is NaN/Inf. Default true. */
  guardNonFinite?: boolean;
  /** Adam β₁, β₂, ε. Defaults 0.9, 0.999, 1e-7. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Use plain tfjs ops even where fused kernels are registered (the reference path). Default false. */
  plain?: boolean;
  /**
   * Transpose before the backward products instead of using transposed-operand products. Default: on the wasm
   * backend only (its transposed products miss XNNPACK; on cpu and webgl the transpose is an extra copy).
   */
  explicitTranspose?: boolean;
  /**
   * Replaces the objective (default: the mixture's mean NLL, with its fused analytic gradient): gets the mixture
   * over standardised targets and the batch's standardised targets `[B, D]`, returns a scalar to minimise.
   */
  loss?: (mixture: GaussianMixture, y: tf.Tensor2D) => tf.Scalar;
}

/** Totals since the last {@link TrainingStep.readStats} (one host sync). */
export interface StepStats {
  /** Applied steps so far (Adam's t). */
  appliedSteps: number;
  /** Non-finite steps in a row at the moment. */
  consecutiveBad: number;
  /** Non-finite steps skipped since the last read. */
  skipped: number;
  /** Sum of loss × rows over applied steps since the last read (standardised units). */
  lossSum: number;
  /** Rows of applied steps since the last read. */
  rows: number;
  /** Gradient norm of the latest step. */
  lastNorm: number;
}

function activationGrad(activation: Activation, dy: tf.Tensor2D, h: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
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

/**
 * A dense layer `activation(x W + b)` with a hand-written gradient: dW = xᵀ·dz, db = Σ dz, dx = dz·Wᵀ; with
 * `explicitTranspose` each transpose is done first so every product is a plain one.
 */
function dense(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  activation: Activation | 'linear',
  needInputGrad: boolean,
  explicitTranspose: boolean,
  transposeOf: (t: tf.Tensor2D) => tf.Tensor2D = (t) => transpose2d(t),
): tf.Tensor2D {
  const op = tf.customGrad((input, w, b, save) => {
    const fusable = activation === 'relu' || activation === 'elu' || activation === 'linear';
    const z = tf.fused.matMul({
      a: input as tf.Tensor2D,
      b: w as tf.Tensor2D,
      bias: b as tf.Tensor1D,
      activation: fusable ? activation : 'linear',
    });
    const h = fusable ? z : activation === 'tanh' ? tf.tanh(z) : tf.mul(z, tf.sigmoid(z));
    (save as tf.GradSaveFunc)([input as tf.Tensor2D, w as tf.Tensor2D, h, z]);
    return {
      value: h,
      gradFunc: (dy, saved) => {
        const [xs, ws, hs, zs] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dz =
          activation === 'linear' ? (dy as tf.Tensor2D) : activationGrad(activation, dy as tf.Tensor2D, hs, zs);
        // wasm: transposed-operand products leave XNNPACK (5–6× slower), so transpose first; elsewhere
        // (cpu, webgl) a transpose is a copy the product would not need.
        const dw = explicitTranspose ? tf.matMul(transposeOf(xs), dz) : tf.matMul(xs, dz, true, false);
        // Σ over the batch as a product with a row of ones: a reduction along axis 0 transposes first on wasm.
        const db = explicitTranspose
          ? tf.reshape(tf.matMul(tf.ones([1, dz.shape[0]]), dz), [dz.shape[1]])
          : tf.sum(dz, 0);
        const dx = !needInputGrad
          ? tf.zerosLike(xs)
          : explicitTranspose
            ? tf.matMul(dz, transpose2d(ws))
            : tf.matMul(dz, ws, false, true);
        return [dx, dw, db];
      },
    };
  });
  return op(x, kernel, bias) as tf.Tensor2D;
}

/** The mixture NLL as one operation whose gradient is the analytic one (fused kernel or plain ops). */
function mixtureNll(
  logits: tf.Tensor2D,
  means: tf.Tensor3D,
  raw: tf.Tensor3D,
  y: tf.Tensor2D,
  floor: number,
  plain: boolean,
) {
  const op = tf.customGrad((l, m, r, save) => {
    const result = mixtureNllWithGradients(l as tf.Tensor2D, m as tf.Tensor3D, r as tf.Tensor3D, y, floor, plain);
    (save as tf.GradSaveFunc)([result.dLogits, result.dMeans, result.dRaw]);
    return {
      value: result.loss,
      gradFunc: (dy, saved) => saved.map((g) => tf.mul(g, dy as tf.Scalar)),
    };
  });
  return op(logits, means, raw) as tf.Scalar;
}

/** The full-covariance mixture NLL as one operation whose gradient is the fused kernel's analytic one. */
function fullMixtureNll(
  logits: tf.Tensor2D,
  means: tf.Tensor3D,
  raw: tf.Tensor3D,
  factors: tf.Tensor3D,
  y: tf.Tensor2D,
  floor: number,
) {
  const op = tf.customGrad((l, m, r, f, save) => {
    const result = fullMixtureNllWithGradients(
      l as tf.Tensor2D,
      m as tf.Tensor3D,
      r as tf.Tensor3D,
      f as tf.Tensor3D,
      y,
      floor,
    );
    (save as tf.GradSaveFunc)([result.dLogits, result.dMeans, result.dRaw, result.dFactors]);
    return {
      value: result.loss,
      gradFunc: (dy, saved) => saved.map((g) => tf.mul(g, dy as tf.Scalar)),
    };
  });
  return op(logits, means, raw, factors) as tf.Scalar;
}

/**
 * A reusable training step for a model: `run(x, y, learningRate)` does forward, NLL, backward and the Adam update
 * on a standardised batch without reading anything back; `readStats()` syncs once for the loss and counters.
 * Owns Adam's moment estimates; `dispose()` frees them.
 */
export class TrainingStep {
  private readonly model: MixtureDensityNetwork;
  /** σ of the mean-first warm-up: each component's σ at construction, from the scale-head biases, `[1, K, D]`. */
  private readonly warmupScales: tf.Tensor3D;
  /** Adam's moments, flat over every variable in order. */
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly state: tf.Variable;
  private readonly settings: Omit<AdamSettings, 'learningRate'>;
  private readonly plain: boolean;
  private readonly explicitTranspose: boolean;
  private readonly loss: ((mixture: GaussianMixture, y: tf.Tensor2D) => tf.Scalar) | undefined;

  constructor(model: MixtureDensityNetwork, options: TrainingStepOptions = {}) {
    if (model.config.members !== 1) {
      throw new RangeError('a training step trains one network; train an ensemble member by member');
    }
    this.model = model;
    this.plain = options.plain ?? false;
    this.loss = options.loss;
    this.explicitTranspose = options.explicitTranspose ?? tf.getBackend() === 'wasm';
    const clipNorm = options.clipNorm ?? TRAIN_DEFAULTS.clipNorm;
    if (!(clipNorm > 0)) throw new RangeError(`clipNorm must be > 0 (Infinity for no clipping), got ${clipNorm}`);
    this.settings = {
      beta1: options.beta1 ?? 0.9,
      beta2: options.beta2 ?? 0.999,
      epsilon: options.epsilon ?? 1e-7,
      clipNorm,
      guard: options.guardNonFinite ?? true,
    };
    const variables = model.variables;
    const size = variables.reduce((total, variable) => total + variable.size, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([size]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([size]), false));
    this.state = tf.tidy(() => tf.variable(tf.zeros([STATE_SIZE]), false));
    this.warmupScales = tf.tidy(() => {
      const { components, outputDimension, hidden } = model.config;
      // Trunk kernels and biases, then the logits, means and scales heads: the scale head's bias.
      const scaleBias = tf.reshape(variables[2 * hidden.length + 5]!, [1, components, outputDimension]);
      return model.scalesFromRaw(scaleBias as tf.Tensor3D);
    });
  }

  /**
   * One step on a standardised batch `x` `[B, P]`, `y` `[B, D]`. `meanWarmup` trains the means only, with
   * uniform weights and each component's σ as it was when this step was made.
   */
  run(x: tf.Tensor2D, y: tf.Tensor2D, learningRate: number, meanWarmup = false): void {
    const model = this.model;
    const variables = model.variables;
    const { components: k, outputDimension: d, activation, scaleActivation, scaleFloor } = model.config;
    const full = hasFactorHead(model.config);
    const rows = x.shape[0];
    const transposes = new Map<number, tf.Tensor2D>();
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        if (meanWarmup) {
          const { means } = model.forward(x);
          const logits = tf.zeros([rows, k]) as tf.Tensor2D;
          const scales = tf.tile(this.warmupScales, [rows, 1, 1]) as tf.Tensor3D;
          return GaussianMixture.diagonal({ logits, means, scales }).nll(y);
        }
        const layers = model.config.hidden.length;
        const transpose = this.explicitTranspose;
        // The three heads share their input: transpose it once for their weight gradients.
        const transposeOf = (t: tf.Tensor2D) => {
          let transposed = transposes.get(t.id);
          if (!transposed) {
            transposed = tf.keep(transpose2d(t));
            transposes.set(t.id, transposed);
          }
          return transposed;
        };
        let h = x;
        for (let i = 0; i < layers; i++) {
          h = dense(
            h,
            variables[2 * i] as tf.Tensor2D,
            variables[2 * i + 1] as tf.Tensor1D,
            activation,
            i > 0,
            transpose,
          );
        }
        const head = (i: number) =>
          dense(
            h,
            variables[2 * (layers + i)] as tf.Tensor2D,
            variables[2 * (layers + i) + 1] as tf.Tensor1D,
            'linear',
            true,
            transpose,
            transposeOf,
          );
        const logits = head(0);
        const means = tf.reshape(head(1), [rows, k, d]) as tf.Tensor3D;
        const raw = tf.reshape(head(2), [rows, k, d]) as tf.Tensor3D;
        const factors = full ? (tf.reshape(head(3), [rows, k, factorCount(d)]) as tf.Tensor3D) : undefined;
        if (this.loss) {
          const scales = model.scalesFromRaw(raw);
          const mixture =
            factors === undefined
              ? GaussianMixture.diagonal({ logits, means, scales })
              : GaussianMixture.full({ logits, means, scales, factors });
          const value = this.loss(mixture, y);
          if (value.rank !== 0) throw new RangeError(`the loss must return a scalar, got shape [${value.shape}]`);
          return value;
        }
        // Full covariance needs softplus scales (resolveConfig refuses anything else). Its fused kernel has the
        // analytic gradient; without it tfjs differentiates the plain ops here (not inside a customGrad, whose
        // forward pass records no tape).
        if (factors !== undefined) {
          if (!this.plain && hasFusedKernel(FUSED_KERNELS.fullMixtureNll)) {
            return fullMixtureNll(logits, means, raw, factors, y, scaleFloor);
          }
          return GaussianMixture.full({ logits, means, scales: model.scalesFromRaw(raw), factors }).nll(y);
        }
        if (scaleActivation !== 'softplus') {
          return GaussianMixture.diagonal({ logits, means, scales: model.scalesFromRaw(raw) }).nll(y);
        }
        return mixtureNll(logits, means, raw, y, scaleFloor, this.plain);
      }, variables);
      // Every variable gets a gradient in a fixed order (the warm-up leaves heads out).
      const ordered = variables.map((variable) => grads[variable.name] ?? tf.zerosLike(variable));
      adamStep(
        variables,
        ordered,
        this.m,
        this.v,
        this.state,
        value,
        rows,
        { ...this.settings, learningRate },
        this.plain,
      );
    });
    tf.dispose([...transposes.values()]);
  }

  /** Reads the counters (one host sync) and resets the per-read sums. */
  readStats(): StepStats {
    const values = this.state.dataSync();
    const stats: StepStats = {
      appliedSteps: values[0]!,
      consecutiveBad: values[1]!,
      skipped: values[2]!,
      lossSum: values[3]!,
      rows: values[4]!,
      lastNorm: values[5]!,
    };
    tf.tidy(() => {
      this.state.assign(tf.tensor1d([values[0]!, values[1]!, 0, 0, 0, values[5]!]));
    });
    return stats;
  }

  /** Clears the count of non-finite steps in a row (after the caller recovered from them). */
  resetBadSteps(): void {
    tf.tidy(() => {
      const values = this.state.dataSync();
      this.state.assign(tf.tensor1d([values[0]!, 0, values[2]!, values[3]!, values[4]!, values[5]!]));
    });
  }

  /** Frees Adam's state. */
  dispose(): void {
    tf.dispose([this.m, this.v, this.state, this.warmupScales]);
  }
}
