/**
 * One optimisation step of a mixture density network, built for speed: the forward pass in fused products, the
 * mixture NLL with its analytic gradient in one operation, the backward pass written out by hand (no autodiff
 * tape: only the kernels the step needs run, about a third fewer), keeping to plain matrix products where
 * transposed-operand products fall off the backend's fast path (wasm), and one Adam update for every variable
 * with clipping and the NaN/Inf guard computed on the device — no host sync per step. The fused operations use
 * kernels that adapters register when the backend has them; otherwise (and with `plain: true`) the same maths in
 * plain tfjs ops. Custom objectives and the mean-first warm-up are differentiated by tfjs through the heads only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError, optionError } from '../errors.js';
import { factorCount } from '../math/precision-factor.js';
import { GaussianMixture } from '../mixture/gaussian-mixture.js';
import { hasFactorHead } from '../model/config.js';
import { headsInOrder, type MixtureDensityNetwork } from '../model/network.js';
import { requireOption, TRAIN_DEFAULTS } from '../options/schema.js';
import { type DenseOutput, denseBackward, denseForward, headsBackward, headsForward } from './dense.js';
import {
  ADAM_STATE,
  type AdamSettings,
  adamStep,
  binnedMixtureNllWithGradients,
  FUSED_KERNELS,
  fullMixtureNllWithGradients,
  hasFusedKernel,
  mixtureNllWithGradients,
  readAdamState,
  STATE_SIZE,
} from './fused.js';

/** Options of {@link TrainingStep}. */
export interface TrainingStepOptions {
  /** Global gradient-norm clip (Infinity: none). Default: the training option's (options/schema.ts). */
  clipNorm?: number;
  /** Skip steps whose loss or gradient is NaN/Inf. Default: the training option's. */
  guardNonFinite?: boolean;
  /** Adam β₁, β₂, ε. Defaults: the training option `adam`'s. */
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

/** The heads' mean loss and its gradient with respect to each head's output `[B, width]`, in head order. */
interface HeadGradients {
  value: tf.Scalar;
  grads: tf.Tensor2D[];
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
      throw new InputError('a training step trains one network; train an ensemble member by member');
    }
    this.model = model;
    this.plain = options.plain ?? false;
    this.loss = options.loss;
    this.explicitTranspose = options.explicitTranspose ?? tf.getBackend() === 'wasm';
    const { adam } = TRAIN_DEFAULTS;
    const clipNorm = options.clipNorm ?? TRAIN_DEFAULTS.clipNorm;
    requireOption('clipNorm', clipNorm);
    this.settings = {
      beta1: options.beta1 ?? adam.beta1,
      beta2: options.beta2 ?? adam.beta2,
      epsilon: options.epsilon ?? adam.epsilon,
      clipNorm,
      guard: options.guardNonFinite ?? TRAIN_DEFAULTS.guardNonFinite,
    };
    const variables = model.variables;
    const size = variables.reduce((total, variable) => total + variable.size, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([size]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([size]), false));
    this.state = tf.tidy(() => tf.variable(tf.zeros([STATE_SIZE]), false));
    this.warmupScales = tf.tidy(() => {
      const { components, outputDimension } = model.config;
      const scaleBias = tf.reshape(model.layers().heads.scales.bias, [1, components, outputDimension]);
      return model.scalesFromRaw(scaleBias as tf.Tensor3D);
    });
  }

  /**
   * One step on a standardised batch `x` `[B, P]`, `y` `[B, D]`. `meanWarmup` trains the means only, with
   * uniform weights and each component's σ as it was when this step was made.
   */
  run(x: tf.Tensor2D, y: tf.Tensor2D, learningRate: number, meanWarmup = false): void {
    const model = this.model;
    const { trunk, heads } = model.layers();
    const { activation } = model.config;
    const rows = x.shape[0];
    tf.tidy(() => {
      // Forward through the trunk, keeping what the backward pass needs. No tape: the gradient is written out
      // below, so each step runs only the kernels it needs (one per layer where the backend has dense kernels).
      const options = { plain: this.plain, explicitTranspose: this.explicitTranspose };
      const inputs: tf.Tensor2D[] = [];
      const outputs: DenseOutput[] = [];
      let h = x;
      for (const layer of trunk) {
        const out = denseForward(h, layer.kernel, layer.bias, activation, this.plain);
        inputs.push(h);
        outputs.push(out);
        h = out.h;
      }
      const headLayers = headsInOrder(heads);
      const headWeights = headLayers.map((head) => head.kernel as tf.Tensor2D);
      const headBiases = headLayers.map((head) => head.bias as tf.Tensor1D);
      const { value, grads: headGrads } = this.headGradients(
        headsForward(h, headWeights, headBiases, this.plain),
        y,
        meanWarmup,
      );

      // Backward: the heads, then the trunk layer by layer (dW = inputᵀ·dz, db = Σ_rows dz, d input = dz·Wᵀ).
      const gradients = new Map<tf.Variable, tf.Tensor>();
      const headsGrad = headsBackward(h, headWeights, headGrads, trunk.length > 0, options);
      for (const [j, head] of headLayers.entries()) {
        gradients.set(head.kernel, headsGrad.dW[j]!);
        gradients.set(head.bias, headsGrad.db[j]!);
      }
      let dh = headsGrad.dx;
      for (let i = trunk.length - 1; i >= 0; i--) {
        const layer = trunk[i]!;
        const grads = denseBackward(inputs[i]!, layer.kernel, outputs[i]!, dh!, activation, i > 0, options);
        gradients.set(layer.kernel, grads.dW);
        gradients.set(layer.bias, grads.db);
        dh = grads.dx;
      }
      // One Adam update over every variable, in the model's flat order (Adam's moments follow it).
      const variables = model.flatten();
      adamStep(
        variables,
        variables.map((variable) => gradients.get(variable)!),
        this.m,
        this.v,
        this.state,
        value,
        rows,
        { ...this.settings, learningRate },
        this.plain,
      );
    });
  }

  /**
   * The mean loss over the batch and its gradient with respect to each head's output: the Gaussian mixture NLL
   * with its analytic gradient (the fused kernel, or the same maths in plain ops); otherwise — a custom loss, the
   * mean-first warm-up, a scale activation other than softplus, full covariance without its kernel or on plain ops,
   * Laplace components, a discrete target — tfjs's autodiff of the loss through the heads' outputs alone.
   */
  private headGradients(outputs: tf.Tensor2D[], y: tf.Tensor2D, meanWarmup: boolean): HeadGradients {
    const model = this.model;
    const { components: k, outputDimension: d, scaleActivation, scaleFloor, family: distribution } = model.config;
    const rows = y.shape[0];
    const full = hasFactorHead(model.config);
    const [logits, meansOut, rawOut, factorsOut] = outputs as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D | undefined,
    ];
    const means = tf.reshape(meansOut, [rows, k, d]) as tf.Tensor3D;
    const raw = tf.reshape(rawOut, [rows, k, d]) as tf.Tensor3D;
    const flat = (t: tf.Tensor) => tf.reshape(t, [rows, -1]) as tf.Tensor2D;
    if (meanWarmup) {
      // The means alone, with uniform weights and each component's σ as it was when this step was made.
      const uniform = tf.zeros([rows, k]) as tf.Tensor2D;
      const scales = tf.tile(this.warmupScales, [rows, 1, 1]) as tf.Tensor3D;
      const { value, grad } = tf.valueAndGrad((m: tf.Tensor) =>
        GaussianMixture.diagonal({ logits: uniform, means: m as tf.Tensor3D, scales, distribution }).nll(y),
      )(means);
      return { value, grads: outputs.map((o, j) => (j === 1 ? flat(grad) : tf.zerosLike(o))) };
    }
    const bins = model.standardisedBins;
    if (!this.loss && !full && !bins && scaleActivation === 'softplus' && distribution === 'gaussian') {
      const result = mixtureNllWithGradients(logits, means, raw, y, scaleFloor, this.plain);
      return { value: result.loss, grads: [result.dLogits, flat(result.dMeans), flat(result.dRaw)] };
    }
    if (!this.loss && bins && !full && scaleActivation === 'softplus' && distribution === 'gaussian') {
      const result = binnedMixtureNllWithGradients(logits, means, raw, y, scaleFloor, bins, this.plain);
      return { value: result.loss, grads: [result.dLogits, flat(result.dMeans), flat(result.dRaw)] };
    }
    const factors = full ? (tf.reshape(factorsOut!, [rows, k, factorCount(d)]) as tf.Tensor3D) : undefined;
    if (!this.loss && factors && !this.plain && hasFusedKernel(FUSED_KERNELS.fullMixtureNll)) {
      const result = fullMixtureNllWithGradients(logits, means, raw, factors, y, scaleFloor);
      return {
        value: result.loss,
        grads: [result.dLogits, flat(result.dMeans), flat(result.dRaw), flat(result.dFactors)],
      };
    }
    const objective = (...t: tf.Tensor[]): tf.Scalar => {
      const [l, m, r, f] = t as [tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D | undefined];
      const scales = model.scalesFromRaw(r);
      const mixture =
        f === undefined
          ? GaussianMixture.diagonal({ logits: l, means: m, scales, distribution })
          : GaussianMixture.full({ logits: l, means: m, scales, factors: f });
      // A whole-number target: the mass of each value's bin (autodiff here: Laplace, elu + 1 or a full covariance;
      // Gaussian components with softplus scales take the fused kernel above).
      if (!this.loss) return bins ? (tf.neg(tf.mean(mixture.binLogProb(y, bins))) as tf.Scalar) : mixture.nll(y);
      const value = this.loss(mixture, y);
      if (value.rank !== 0) throw optionError('loss', `must return a scalar, got shape [${value.shape}]`);
      return value;
    };
    const { value, grads } = tf.valueAndGrads(objective)(
      factors ? [logits, means, raw, factors] : [logits, means, raw],
    );
    return { value, grads: grads.map(flat) };
  }

  /** Reads the counters (one host sync) and resets the per-read sums. */
  readStats(): StepStats {
    const values = this.state.dataSync();
    const state = readAdamState(values);
    const stats: StepStats = {
      appliedSteps: state.steps,
      consecutiveBad: state.consecutiveBad,
      skipped: state.skipped,
      lossSum: state.lossSum,
      rows: state.rows,
      lastNorm: state.lastNorm,
    };
    this.writeState(values, { skipped: 0, lossSum: 0, rows: 0 });
    return stats;
  }

  /** Clears the count of non-finite steps in a row (after the caller recovered from them). */
  resetBadSteps(): void {
    this.writeState(this.state.dataSync(), { consecutiveBad: 0 });
  }

  /** Writes the state back from `values` with the named `changes`. */
  private writeState(values: ArrayLike<number>, changes: Partial<Record<keyof typeof ADAM_STATE, number>>): void {
    const next = Float32Array.from(values);
    for (const [name, value] of Object.entries(changes)) next[ADAM_STATE[name as keyof typeof ADAM_STATE]] = value;
    tf.tidy(() => this.state.assign(tf.tensor1d(next)));
  }

  /** Frees Adam's state. */
  dispose(): void {
    tf.dispose([this.m, this.v, this.state, this.warmupScales]);
  }
}
