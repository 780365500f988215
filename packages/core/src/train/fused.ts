/**
 * The two hot spots of a training step as single operations: the mixture NLL with its analytic gradient, and the
 * Adam update of every variable with gradient clipping and the NaN/Inf guard. Each has a plain-op path (tfjs ops,
 * any backend: the reference) and a host-memory kernel that backend adapters may register
 * ({@link registerHostKernels}); the conformance suite checks the kernels against the plain ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { normalCdf, normalPdf } from '../math/normal.js';
import { GaussianMixture, scalesFromRaw } from '../mixture/gaussian-mixture.js';
import { DENSE_KERNELS } from './dense-contract.js';

/** Kernel names: those {@link registerHostKernels} registers, and the dense layers' (which adapters may register). */
export const FUSED_KERNELS = {
  mixtureNll: 'MdnMixtureNllGrad',
  fullMixtureNll: 'MdnFullMixtureNllGrad',
  binnedMixtureNll: 'MdnBinnedMixtureNllGrad',
  adam: 'MdnAdamStep',
  transpose: 'MdnTranspose2D',
  // Dense layers (train/dense.ts, contract in train/dense-contract.ts): registered by adapters with fast matrix
  // products (wasm).
  ...DENSE_KERNELS,
} as const;

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Adam and guard settings of {@link adamStep}. */
export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Global gradient-norm clip (Infinity for none). */
  clipNorm: number;
  /** Skip steps whose loss or gradient norm is NaN/Inf (else apply them). */
  guard: boolean;
}

/**
 * The optimiser state kept on the device so a step needs no host sync, a vector of {@link STATE_SIZE} floats: the
 * slot of each value. Every reader and writer addresses it through these names.
 */
export const ADAM_STATE = {
  /** Applied steps (Adam's t). */
  steps: 0,
  /** Non-finite steps in a row. */
  consecutiveBad: 1,
  /** Non-finite steps skipped since the last read. */
  skipped: 2,
  /** Σ loss × rows of applied steps since the last read. */
  lossSum: 3,
  /** Rows of applied steps since the last read. */
  rows: 4,
  /** The latest step's gradient norm. */
  lastNorm: 5,
} as const;

/** The length of the optimiser state vector (see {@link ADAM_STATE}). */
export const STATE_SIZE = Object.keys(ADAM_STATE).length;

/** The state vector's values by name (from a vector read back from the device). */
export function readAdamState(values: ArrayLike<number>): { [slot in keyof typeof ADAM_STATE]: number } {
  return Object.fromEntries(Object.entries(ADAM_STATE).map(([name, at]) => [name, values[at]!])) as {
    [slot in keyof typeof ADAM_STATE]: number;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Host implementations (float32 arrays in, float32 arrays out); used by the registered kernels.

/**
 * Row `row` of `logits` `[·, K]`: writes softmax(logits[row]) into `weights` and returns log Σ_j exp(logits[row, j])
 * (subtract it for the log-weights).
 */
function softmaxRow(logits: Float32Array, row: number, k: number, weights: Float64Array): number {
  let maxLogit = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++) maxLogit = Math.max(maxLogit, logits[row * k + j]!);
  let sumLogit = 0;
  for (let j = 0; j < k; j++) {
    weights[j] = Math.exp(logits[row * k + j]! - maxLogit);
    sumLogit += weights[j]!;
  }
  for (let j = 0; j < k; j++) weights[j] = weights[j]! / sumLogit;
  return maxLogit + Math.log(sumLogit);
}

/**
 * σ = softplus(r) + floor, with sigmoid(r) (softplus's derivative) written to `sigmoids[at]`: both from one
 * exponential (e^−r for large r).
 */
function scaleFromRaw(r: number, floor: number, sigmoids: Float64Array, at: number): number {
  if (r > 20) {
    sigmoids[at] = 1 / (1 + Math.exp(-r));
    return r + floor;
  }
  const e = Math.exp(r);
  sigmoids[at] = e / (1 + e);
  return Math.log1p(e) + floor;
}

/**
 * Mean NLL of a diagonal mixture with σ = softplus(raw) + floor, and its gradients with respect to the logits
 * `[B,K]`, means `[B,K,D]` and raw scales `[B,K,D]`. Writes the gradients; returns the loss.
 */
export function mixtureNllHost(
  logits: Float32Array,
  means: Float32Array,
  raw: Float32Array,
  y: Float32Array,
  b: number,
  k: number,
  d: number,
  floor: number,
  dLogits: Float32Array,
  dMeans: Float32Array,
  dRaw: Float32Array,
): number {
  // Per row: the softmax weights, each component's log-density term and, per element, σ, z and sigmoid(raw),
  // each computed once (five transcendentals per element and component instead of ten).
  const a = new Float64Array(k);
  const weights = new Float64Array(k);
  const sigmas = new Float64Array(k * d);
  const zs = new Float64Array(k * d);
  const sigmoids = new Float64Array(k * d);
  let total = 0;
  const inv = 1 / b;
  for (let i = 0; i < b; i++) {
    const logNorm = softmaxRow(logits, i, k, weights);
    let maxA = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      let logN = -d * LOG_SQRT_2PI;
      for (let c = 0; c < d; c++) {
        const index = (i * k + j) * d + c;
        const sigma = scaleFromRaw(raw[index]!, floor, sigmoids, j * d + c);
        const z = (y[i * d + c]! - means[index]!) / sigma;
        sigmas[j * d + c] = sigma;
        zs[j * d + c] = z;
        logN -= 0.5 * z * z + Math.log(sigma);
      }
      a[j] = logits[i * k + j]! - logNorm + logN;
      maxA = Math.max(maxA, a[j]!);
    }
    let sumA = 0;
    for (let j = 0; j < k; j++) {
      a[j] = Math.exp(a[j]! - maxA);
      sumA += a[j]!;
    }
    total -= maxA + Math.log(sumA);
    for (let j = 0; j < k; j++) {
      const gamma = a[j]! / sumA;
      const pi = weights[j]!;
      dLogits[i * k + j] = (pi - gamma) * inv;
      for (let c = 0; c < d; c++) {
        const index = (i * k + j) * d + c;
        const sigma = sigmas[j * d + c]!;
        const z = zs[j * d + c]!;
        dMeans[index] = (-gamma * z * inv) / sigma;
        dRaw[index] = ((-gamma * (z * z - 1)) / sigma) * sigmoids[j * d + c]! * inv;
      }
    }
  }
  return total * inv;
}

/** The bins of a whole-number target in standardised units (see `MixtureDensityNetwork.standardisedBins`). */
export interface StandardisedBins {
  /** Half a bin: ½ / the target's scale. */
  halfWidth: number;
  /** The lower edge's value (its bin holds the mass below it too), or null for none. */
  lower: number | null;
}

/** Below this mass a bin is read as the density at its centre times its width (as `GaussianMixture.binLogProb`). */
const BIN_MASS_FLOOR = 1e-30;

/**
 * Mean −log P(y) of a one-dimensional Gaussian mixture over whole-number bins (P(y) = the mass on
 * [y − h, y + h], and everything below for the lower edge: `GaussianMixture.binLogProb`), σ = softplus(raw) + floor,
 * with its gradients with respect to the logits `[B,K]`, means `[B,K,1]` and raw scales `[B,K,1]`. With
 * a = (y − h − μ)/σ, b = (y + h − μ)/σ and m = Φ(b) − Φ(a) (from the tail each side lies in), per row (÷ B):
 *   ∂/∂logit = π − γ,  ∂/∂μ = −γ (φ(a) − φ(b))/(σ m),  ∂/∂raw = −γ (a φ(a) − b φ(b))/(σ m) · sigmoid(raw),
 * γ the components' shares of P(y) (at the lower edge m = Φ(b) and the a terms drop out; below a mass of 1e-30 the
 * bin is the density at y times 2h, with the density's gradients). Writes the gradients; returns the loss.
 */
export function binnedMixtureNllHost(
  logits: Float32Array,
  means: Float32Array,
  raw: Float32Array,
  y: Float32Array,
  b: number,
  k: number,
  floor: number,
  bins: StandardisedBins,
  dLogits: Float32Array,
  dMeans: Float32Array,
  dRaw: Float32Array,
): number {
  const h = bins.halfWidth;
  const r = new Float64Array(k);
  const weights = new Float64Array(k);
  const slopeMean = new Float64Array(k);
  const slopeScale = new Float64Array(k);
  const sigmoids = new Float64Array(k);
  const logWidth = Math.log(2 * h);
  let total = 0;
  const inv = 1 / b;
  for (let i = 0; i < b; i++) {
    const target = y[i]!;
    const lowest = bins.lower !== null && bins.lower + h / 2 >= target;
    const logNorm = softmaxRow(logits, i, k, weights);
    let maxR = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const index = i * k + j;
      const sigma = scaleFromRaw(raw[index]!, floor, sigmoids, j);
      const mu = means[index]!;
      const za = (target - h - mu) / sigma;
      const zb = (target + h - mu) / sigma;
      const mass = lowest ? normalCdf(zb) : za >= 0 ? normalCdf(-za) - normalCdf(-zb) : normalCdf(zb) - normalCdf(za);
      let logMass: number;
      if (mass >= BIN_MASS_FLOOR) {
        const pa = lowest ? 0 : normalPdf(za);
        const pb = normalPdf(zb);
        logMass = Math.log(mass);
        slopeMean[j] = (pa - pb) / (sigma * mass);
        slopeScale[j] = (za * pa - zb * pb) / (sigma * mass);
      } else {
        const z = (target - mu) / sigma;
        logMass = -0.5 * z * z - Math.log(sigma) - LOG_SQRT_2PI + logWidth;
        slopeMean[j] = z / sigma;
        slopeScale[j] = (z * z - 1) / sigma;
      }
      r[j] = logits[index]! - logNorm + logMass;
      maxR = Math.max(maxR, r[j]!);
    }
    let sumR = 0;
    for (let j = 0; j < k; j++) {
      r[j] = Math.exp(r[j]! - maxR);
      sumR += r[j]!;
    }
    total -= maxR + Math.log(sumR);
    for (let j = 0; j < k; j++) {
      const index = i * k + j;
      const gamma = r[j]! / sumR;
      dLogits[index] = (weights[j]! - gamma) * inv;
      dMeans[index] = -gamma * slopeMean[j]! * inv;
      dRaw[index] = -gamma * slopeScale[j]! * sigmoids[j]! * inv;
    }
  }
  return total * inv;
}

/**
 * Mean NLL of a full-covariance mixture (precision factor A = diag(1/σ)(I + L), σ = softplus(raw) + floor; see
 * math/precision-factor.ts) and its gradients with respect to the logits `[B,K]`, means `[B,K,D]`, raw scales
 * `[B,K,D]` and factors `[B,K,P]` (P = D(D − 1)/2). With r = y − μ, t = (I + L) r, z = t/σ, u = z/σ and γ the
 * responsibilities, per row (÷ B):
 *   ∂/∂μ_c = −γ (u_c + Σ_{e<c} L_ec u_e),  ∂/∂raw_e = −γ (z_e² − 1)/σ_e · sigmoid(raw_e),  ∂/∂L_ec = γ u_e r_c.
 * Writes the gradients; returns the loss.
 */
export function fullMixtureNllHost(
  logits: Float32Array,
  means: Float32Array,
  raw: Float32Array,
  factors: Float32Array,
  y: Float32Array,
  b: number,
  k: number,
  d: number,
  floor: number,
  dLogits: Float32Array,
  dMeans: Float32Array,
  dRaw: Float32Array,
  dFactors: Float32Array,
): number {
  const p = (d * (d - 1)) / 2;
  const a = new Float64Array(k);
  const residual = new Float64Array(k * d);
  const zs = new Float64Array(k * d);
  const us = new Float64Array(k * d);
  const sigmas = new Float64Array(k * d);
  const weights = new Float64Array(k);
  let total = 0;
  const inv = 1 / b;
  for (let i = 0; i < b; i++) {
    const logNorm = softmaxRow(logits, i, k, weights);
    let maxA = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const base = (i * k + j) * d;
      for (let c = 0; c < d; c++) residual[j * d + c] = y[i * d + c]! - means[base + c]!;
      let logN = -d * LOG_SQRT_2PI;
      let at = (i * k + j) * p;
      for (let e = 0; e < d; e++) {
        let t = residual[j * d + e]!;
        for (let c = e + 1; c < d; c++) t += factors[at++]! * residual[j * d + c]!;
        const r = raw[base + e]!;
        const sigma = (r > 20 ? r : Math.log1p(Math.exp(r))) + floor;
        const z = t / sigma;
        sigmas[j * d + e] = sigma;
        zs[j * d + e] = z;
        us[j * d + e] = z / sigma;
        logN -= 0.5 * z * z + Math.log(sigma);
      }
      a[j] = logits[i * k + j]! - logNorm + logN;
      maxA = Math.max(maxA, a[j]!);
    }
    let sumA = 0;
    for (let j = 0; j < k; j++) sumA += Math.exp(a[j]! - maxA);
    const lse = maxA + Math.log(sumA);
    total -= lse;
    for (let j = 0; j < k; j++) {
      const gamma = Math.exp(a[j]! - lse);
      const pi = weights[j]!;
      dLogits[i * k + j] = (pi - gamma) * inv;
      const base = (i * k + j) * d;
      const factorBase = (i * k + j) * p;
      const g = gamma * inv;
      for (let c = 0; c < d; c++) dMeans[base + c] = -g * us[j * d + c]!;
      let at = factorBase;
      for (let e = 0; e < d; e++) {
        const u = us[j * d + e]!;
        for (let c = e + 1; c < d; c++) {
          const l = factors[at]!;
          dMeans[base + c]! -= g * l * u;
          dFactors[at] = g * u * residual[j * d + c]!;
          at++;
        }
        const z = zs[j * d + e]!;
        const sigmoid = 1 / (1 + Math.exp(-raw[base + e]!));
        dRaw[base + e] = ((-g * (z * z - 1)) / sigmas[j * d + e]!) * sigmoid;
      }
    }
  }
  return total * inv;
}

/**
 * One Adam step over the given arrays (updated in place: the kernel passes fresh copies), with global-norm
 * clipping and the guard; updates `state` (its slots: {@link ADAM_STATE}). `rows` is the batch size (for the loss
 * sum).
 */
export function adamHost(
  params: Float32Array[],
  grads: Float32Array[],
  m: Float32Array[],
  v: Float32Array[],
  state: Float32Array,
  loss: number,
  rows: number,
  s: AdamSettings,
  outParams: Float32Array[] = params,
): void {
  let squares = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) squares += g[i]! * g[i]!;
  const norm = Math.sqrt(squares);
  const ok = !s.guard || (Number.isFinite(loss) && Number.isFinite(norm));
  const S = ADAM_STATE;
  state[S.lastNorm] = norm;
  if (!ok) {
    state[S.consecutiveBad] = state[S.consecutiveBad]! + 1;
    state[S.skipped] = state[S.skipped]! + 1;
    for (let p = 0; p < params.length; p++) if (outParams[p] !== params[p]) outParams[p]!.set(params[p]!);
    return;
  }
  const factor = norm > s.clipNorm ? s.clipNorm / norm : 1;
  const t = state[S.steps]! + 1;
  state[S.steps] = t;
  state[S.consecutiveBad] = 0;
  state[S.lossSum] = state[S.lossSum]! + loss * rows;
  state[S.rows] = state[S.rows]! + rows;
  const { beta1, beta2, epsilon } = s;
  const step = s.learningRate / (1 - beta1 ** t);
  const correction2 = 1 / (1 - beta2 ** t);
  for (let p = 0; p < params.length; p++) {
    const param = params[p]!;
    const out = outParams[p]!;
    const g = grads[p]!;
    const mp = m[p]!;
    const vp = v[p]!;
    for (let i = 0; i < param.length; i++) {
      const gi = g[i]! * factor;
      const mi = beta1 * mp[i]! + (1 - beta1) * gi;
      const vi = beta2 * vp[i]! + (1 - beta2) * gi * gi;
      mp[i] = mi;
      vp[i] = vi;
      out[i] = param[i]! - (step * mi) / (Math.sqrt(vi * correction2) + epsilon);
    }
  }
}

/**
 * Writes the transpose of the row-major `rows × columns` matrix `source` into `target`, in cache-sized tiles.
 * Each tile writes whole runs of the output and reads down the input's columns: the other order writes with a
 * stride of `rows` floats, which for power-of-two batch sizes maps every write of a tile to the same cache set
 * (1024 × 128: 0.88 ms that way, 0.17 ms this way).
 */
export function transposeHost(source: Float32Array, rows: number, columns: number, target: Float32Array): void {
  const tile = 32;
  for (let c0 = 0; c0 < columns; c0 += tile) {
    const c1 = Math.min(c0 + tile, columns);
    for (let r0 = 0; r0 < rows; r0 += tile) {
      const r1 = Math.min(r0 + tile, rows);
      for (let c = c0; c < c1; c++) {
        const out = c * rows;
        for (let r = r0; r < r1; r++) target[out + r] = source[r * columns + c]!;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Registration by adapters.

/** A tensor's float32 values in the backend's memory (read inputs, fill outputs). */
export type HostView = (backend: unknown, tensor: tf.TensorInfo) => Float32Array;
/** Makes an output tensor of the given shape on the backend. */
export type HostOutput = (backend: unknown, shape: number[]) => tf.TensorInfo;

/**
 * Registers the fused kernels for a backend whose tensors live in host memory (cpu, wasm). The adapter supplies
 * how to view a tensor's memory and how to make an output. Returns the registered kernel names.
 */
export function registerHostKernels(backendName: string, view: HostView, output: HostOutput): string[] {
  const register = (kernelName: string, kernelFunc: tf.KernelFunc) => {
    if (tf.getKernel(kernelName, backendName) === undefined) tf.registerKernel({ kernelName, backendName, kernelFunc });
  };
  register(FUSED_KERNELS.mixtureNll, ({ inputs, backend, attrs }) => {
    const { logits, means, raw, y } = inputs as Record<string, tf.TensorInfo>;
    const [b, k, d] = means!.shape as [number, number, number];
    const outLoss = output(backend, []);
    const outLogits = output(backend, [b, k]);
    const outMeans = output(backend, [b, k, d]);
    const outRaw = output(backend, [b, k, d]);
    // Views last: making outputs may grow (and detach) wasm memory.
    const loss = mixtureNllHost(
      view(backend, logits!),
      view(backend, means!),
      view(backend, raw!),
      view(backend, y!),
      b,
      k,
      d,
      (attrs as { floor: number }).floor,
      view(backend, outLogits),
      view(backend, outMeans),
      view(backend, outRaw),
    );
    view(backend, outLoss)[0] = loss;
    return [outLoss, outLogits, outMeans, outRaw];
  });
  register(FUSED_KERNELS.fullMixtureNll, ({ inputs, backend, attrs }) => {
    const { logits, means, raw, factors, y } = inputs as Record<string, tf.TensorInfo>;
    const [b, k, d] = means!.shape as [number, number, number];
    const p = factors!.shape[2]!;
    const outLoss = output(backend, []);
    const outLogits = output(backend, [b, k]);
    const outMeans = output(backend, [b, k, d]);
    const outRaw = output(backend, [b, k, d]);
    const outFactors = output(backend, [b, k, p]);
    // Views last: making outputs may grow (and detach) wasm memory.
    const loss = fullMixtureNllHost(
      view(backend, logits!),
      view(backend, means!),
      view(backend, raw!),
      view(backend, factors!),
      view(backend, y!),
      b,
      k,
      d,
      (attrs as { floor: number }).floor,
      view(backend, outLogits),
      view(backend, outMeans),
      view(backend, outRaw),
      view(backend, outFactors),
    );
    view(backend, outLoss)[0] = loss;
    return [outLoss, outLogits, outMeans, outRaw, outFactors];
  });
  register(FUSED_KERNELS.binnedMixtureNll, ({ inputs, backend, attrs }) => {
    const { logits, means, raw, y } = inputs as Record<string, tf.TensorInfo>;
    const [b, k] = means!.shape as [number, number, number];
    const { floor, halfWidth, lower } = attrs as { floor: number; halfWidth: number; lower: number };
    const outLoss = output(backend, []);
    const outLogits = output(backend, [b, k]);
    const outMeans = output(backend, [b, k, 1]);
    const outRaw = output(backend, [b, k, 1]);
    // Views last: making outputs may grow (and detach) wasm memory.
    const loss = binnedMixtureNllHost(
      view(backend, logits!),
      view(backend, means!),
      view(backend, raw!),
      view(backend, y!),
      b,
      k,
      floor,
      // attributes hold numbers: NaN stands for "no lower edge"
      { halfWidth, lower: Number.isNaN(lower) ? null : lower },
      view(backend, outLogits),
      view(backend, outMeans),
      view(backend, outRaw),
    );
    view(backend, outLoss)[0] = loss;
    return [outLoss, outLogits, outMeans, outRaw];
  });
  register(FUSED_KERNELS.adam, ({ inputs, backend, attrs }) => {
    // The variables come out as new tensors, never updated in place: backends cache work derived from a
    // tensor's memory (the wasm backend's XNNPACK operators hold packed copies of matrix-product weights),
    // which in-place writes would leave stale. Adam's moments and the state are the optimiser's own and are
    // updated in place.
    const list = inputs as unknown as tf.TensorInfo[];
    const settings = attrs as unknown as AdamSettings & { count: number; rows: number };
    const n = settings.count;
    const outputs = list.slice(0, n).map((t) => output(backend, [...t.shape]));
    // Views last: making outputs may grow (and detach) wasm memory.
    const all = (from: number, to: number) => list.slice(from, to).map((t) => view(backend, t));
    const params = all(0, n);
    // m and v are flat over every variable, in order: cut them into per-variable views.
    const pieces = (flat: Float32Array) => {
      let offset = 0;
      return params.map((param) => {
        const piece = flat.subarray(offset, offset + param.length);
        offset += param.length;
        return piece;
      });
    };
    adamHost(
      params,
      all(n, 2 * n),
      pieces(view(backend, list[2 * n]!)),
      pieces(view(backend, list[2 * n + 1]!)),
      view(backend, list[2 * n + 2]!),
      view(backend, list[2 * n + 3]!)[0]!,
      settings.rows,
      settings,
      outputs.map((t) => view(backend, t)),
    );
    return outputs;
  });
  register(FUSED_KERNELS.transpose, ({ inputs, backend }) => {
    const { x } = inputs as Record<string, tf.TensorInfo>;
    const [rows, columns] = x!.shape as [number, number];
    const out = output(backend, [columns, rows]);
    transposeHost(view(backend, x!), rows, columns, view(backend, out));
    return out;
  });
  return [
    FUSED_KERNELS.mixtureNll,
    FUSED_KERNELS.fullMixtureNll,
    FUSED_KERNELS.binnedMixtureNll,
    FUSED_KERNELS.adam,
    FUSED_KERNELS.transpose,
  ];
}

/** Removes the fused kernels of a backend (the plain-op path is used again). */
export function unregisterHostKernels(backendName: string): void {
  for (const kernelName of Object.values(FUSED_KERNELS)) {
    if (tf.getKernel(kernelName, backendName) !== undefined) tf.unregisterKernel(kernelName, backendName);
  }
}

/** Whether the active backend has the fused kernel. */
export function hasFusedKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The operations, kernel or plain ops.

/**
 * The transpose of a matrix `[R, C]` → `[C, R]`: the host kernel where registered (tfjs's wasm Transpose takes
 * ~4 ms for 1024 × 128, a tiled copy ~0.3 ms), else `tf.transpose`.
 */
export function transpose2d(x: tf.Tensor2D, plain = false): tf.Tensor2D {
  if (!plain && hasFusedKernel(FUSED_KERNELS.transpose)) {
    return tf.engine().runKernel(FUSED_KERNELS.transpose, { x } as unknown as tf.NamedTensorMap) as tf.Tensor2D;
  }
  return tf.transpose(x);
}

/**
 * Mean NLL `[]` of a diagonal mixture (σ = softplus(raw) + floor) with its gradients, `{ loss, dLogits `[B,K]`,
 * dMeans `[B,K,D]`, dRaw `[B,K,D]` }`. `plain` forces the plain-op path.
 */
export function mixtureNllWithGradients(
  logits: tf.Tensor2D,
  means: tf.Tensor3D,
  raw: tf.Tensor3D,
  y: tf.Tensor2D,
  floor: number,
  plain = false,
): { loss: tf.Scalar; dLogits: tf.Tensor2D; dMeans: tf.Tensor3D; dRaw: tf.Tensor3D } {
  if (!plain && hasFusedKernel(FUSED_KERNELS.mixtureNll)) {
    const [loss, dLogits, dMeans, dRaw] = tf
      .engine()
      .runKernel(
        FUSED_KERNELS.mixtureNll,
        { logits, means, raw, y } as unknown as tf.NamedTensorMap,
        { floor } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    return {
      loss: loss as tf.Scalar,
      dLogits: dLogits as tf.Tensor2D,
      dMeans: dMeans as tf.Tensor3D,
      dRaw: dRaw as tf.Tensor3D,
    };
  }
  return tf.tidy(() => {
    const [b, k, d] = means.shape;
    const sigma = tf.add(tf.softplus(raw), tf.scalar(floor));
    const z = tf.div(tf.sub(tf.reshape(y, [b, 1, d]), means), sigma);
    const logWeights = tf.logSoftmax(logits);
    const logN = tf.sub(
      tf.mul(tf.scalar(-0.5), tf.sum(tf.square(z), 2)),
      tf.add(tf.sum(tf.log(sigma), 2), tf.scalar(d * LOG_SQRT_2PI)),
    );
    const a = tf.add(logWeights, logN);
    const lse = tf.logSumExp(a, 1, true);
    const gamma = tf.exp(tf.sub(a, lse));
    const inv = tf.scalar(1 / b);
    const g3 = tf.reshape(gamma, [b, k, 1]);
    return {
      loss: tf.neg(tf.mean(lse)) as tf.Scalar,
      dLogits: tf.mul(tf.sub(tf.exp(logWeights), gamma), inv) as tf.Tensor2D,
      dMeans: tf.mul(tf.div(tf.mul(g3, z), sigma), tf.scalar(-1 / b)) as tf.Tensor3D,
      dRaw: tf.mul(
        tf.mul(tf.div(tf.mul(g3, tf.sub(tf.square(z), tf.scalar(1))), sigma), tf.sigmoid(raw)),
        tf.scalar(-1 / b),
      ) as tf.Tensor3D,
    };
  });
}

/**
 * Mean NLL `[]` of a full-covariance mixture (σ = softplus(raw) + floor, precision factors `factors` `[B,K,P]`)
 * with its gradients `{ loss, dLogits, dMeans, dRaw, dFactors }`: the fused kernel where registered, else the
 * plain ops of `GaussianMixture.full(...).nll` differentiated by tfjs (the reference). `plain` forces the latter.
 */
export function fullMixtureNllWithGradients(
  logits: tf.Tensor2D,
  means: tf.Tensor3D,
  raw: tf.Tensor3D,
  factors: tf.Tensor3D,
  y: tf.Tensor2D,
  floor: number,
  plain = false,
): { loss: tf.Scalar; dLogits: tf.Tensor2D; dMeans: tf.Tensor3D; dRaw: tf.Tensor3D; dFactors: tf.Tensor3D } {
  if (!plain && hasFusedKernel(FUSED_KERNELS.fullMixtureNll)) {
    const [loss, dLogits, dMeans, dRaw, dFactors] = tf
      .engine()
      .runKernel(
        FUSED_KERNELS.fullMixtureNll,
        { logits, means, raw, factors, y } as unknown as tf.NamedTensorMap,
        { floor } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    return {
      loss: loss as tf.Scalar,
      dLogits: dLogits as tf.Tensor2D,
      dMeans: dMeans as tf.Tensor3D,
      dRaw: dRaw as tf.Tensor3D,
      dFactors: dFactors as tf.Tensor3D,
    };
  }
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((l, m, r, f) =>
      GaussianMixture.full({
        logits: l as tf.Tensor2D,
        means: m as tf.Tensor3D,
        scales: scalesFromRaw(r as tf.Tensor3D, floor),
        factors: f as tf.Tensor3D,
      }).nll(y),
    )([logits, means, raw, factors]);
    const [dLogits, dMeans, dRaw, dFactors] = grads as [tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    return { loss: value as tf.Scalar, dLogits, dMeans, dRaw, dFactors };
  });
}

/**
 * Mean −log P(y) `[]` of a one-dimensional Gaussian mixture over whole-number bins (σ = softplus(raw) + floor) with
 * its gradients `{ loss, dLogits, dMeans, dRaw }`: the fused kernel where registered ({@link binnedMixtureNllHost}),
 * else `GaussianMixture.binLogProb` differentiated by tfjs (the reference). `plain` forces the latter.
 */
export function binnedMixtureNllWithGradients(
  logits: tf.Tensor2D,
  means: tf.Tensor3D,
  raw: tf.Tensor3D,
  y: tf.Tensor2D,
  floor: number,
  bins: StandardisedBins,
  plain = false,
): { loss: tf.Scalar; dLogits: tf.Tensor2D; dMeans: tf.Tensor3D; dRaw: tf.Tensor3D } {
  if (!plain && hasFusedKernel(FUSED_KERNELS.binnedMixtureNll)) {
    const [loss, dLogits, dMeans, dRaw] = tf
      .engine()
      .runKernel(
        FUSED_KERNELS.binnedMixtureNll,
        { logits, means, raw, y } as unknown as tf.NamedTensorMap,
        { floor, halfWidth: bins.halfWidth, lower: bins.lower ?? Number.NaN } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    return {
      loss: loss as tf.Scalar,
      dLogits: dLogits as tf.Tensor2D,
      dMeans: dMeans as tf.Tensor3D,
      dRaw: dRaw as tf.Tensor3D,
    };
  }
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads(
      (l, m, r) =>
        tf.neg(
          tf.mean(
            GaussianMixture.diagonal({
              logits: l as tf.Tensor2D,
              means: m as tf.Tensor3D,
              scales: scalesFromRaw(r as tf.Tensor3D, floor),
            }).binLogProb(y, bins),
          ),
        ) as tf.Scalar,
    )([logits, means, raw]);
    const [dLogits, dMeans, dRaw] = grads as [tf.Tensor2D, tf.Tensor3D, tf.Tensor3D];
    return { loss: value as tf.Scalar, dLogits, dMeans, dRaw };
  });
}

/**
 * One Adam step of `variables` with `grads` (same order), clipping and guard, updating Adam's moments `m` and `v`
 * (flat `[P]` over every variable in order) and `state` (the fused kernel writes those three in place, so they
 * must not share memory with other tensors; the variables get new memory). The state holds loss sums and
 * counters.
 */
export function adamStep(
  variables: readonly tf.Variable[],
  grads: readonly tf.Tensor[],
  m: tf.Variable,
  v: tf.Variable,
  state: tf.Variable,
  loss: tf.Scalar,
  rows: number,
  settings: AdamSettings,
  plain = false,
): void {
  if (!plain && hasFusedKernel(FUSED_KERNELS.adam)) {
    const outputs = tf
      .engine()
      .runKernel(
        FUSED_KERNELS.adam,
        [...variables, ...grads, m, v, state, loss] as unknown as tf.NamedTensorMap,
        { ...settings, count: variables.length, rows } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    // assign() swaps the variable's memory for the output's: no kernel runs.
    for (const [p, variable] of variables.entries()) variable.assign(outputs[p]!);
    tf.dispose(outputs);
    return;
  }
  // Plain ops on one flat vector of every gradient: a few dozen operations whatever the number of variables
  // (on webgl each is a shader pass).
  tf.tidy(() => {
    const g = tf.concat(grads.map((grad) => tf.reshape(grad, [-1])));
    // The global norm, scaled by the largest |g| so the float32 sum of squares cannot overflow (the host kernel
    // sums in float64): max|g| · √Σ(g / max|g|)².
    const largest = tf.max(tf.abs(g));
    const divisor = tf.where(tf.greater(largest, tf.scalar(0)), largest, tf.scalar(1));
    const norm = tf.mul(tf.sqrt(tf.sum(tf.square(tf.div(g, divisor)))), divisor);
    const finite = settings.guard
      ? tf.logicalAnd(tf.isFinite(loss), tf.isFinite(norm))
      : tf.cast(tf.onesLike(norm), 'bool');
    const ok = tf.cast(finite, 'float32');
    // As the host kernel: clip/norm when the norm exceeds the clip, else 1 (0 on a skipped step).
    const clipped = tf.where(
      tf.greater(norm, tf.scalar(settings.clipNorm)),
      tf.div(tf.scalar(settings.clipNorm), norm),
      tf.scalar(1),
    );
    const factor = tf.where(finite, clipped, tf.scalar(0));
    const S = ADAM_STATE;
    const parts = tf.unstack(state);
    const t = tf.add(parts[S.steps]!, ok);
    const safeT = tf.maximum(t, tf.scalar(1));
    const step = tf.div(
      tf.scalar(settings.learningRate),
      tf.sub(tf.scalar(1), tf.pow(tf.scalar(settings.beta1), safeT)),
    );
    const correction2 = tf.div(tf.scalar(1), tf.sub(tf.scalar(1), tf.pow(tf.scalar(settings.beta2), safeT)));
    const gs = tf.where(finite, tf.mul(g, factor), tf.zerosLike(g));
    const mi = tf.add(m, tf.mul(tf.mul(ok, tf.scalar(1 - settings.beta1)), tf.sub(gs, m)));
    const vi = tf.add(v, tf.mul(tf.mul(ok, tf.scalar(1 - settings.beta2)), tf.sub(tf.square(gs), v)));
    const update = tf.mul(
      ok,
      tf.div(tf.mul(step, mi), tf.add(tf.sqrt(tf.mul(vi, correction2)), tf.scalar(settings.epsilon))),
    );
    const pieces = tf.split(
      update,
      variables.map((variable) => variable.size),
    );
    for (const [p, variable] of variables.entries()) {
      variable.assign(tf.sub(variable, tf.reshape(pieces[p]!, variable.shape)));
    }
    m.assign(mi);
    v.assign(vi);
    const bad = tf.sub(tf.scalar(1), ok);
    const safeLoss = tf.where(finite, loss, tf.scalar(0));
    const next: tf.Tensor[] = new Array(STATE_SIZE);
    next[S.steps] = t;
    next[S.consecutiveBad] = tf.mul(tf.add(parts[S.consecutiveBad]!, tf.scalar(1)), bad);
    next[S.skipped] = tf.add(parts[S.skipped]!, bad);
    next[S.lossSum] = tf.add(parts[S.lossSum]!, tf.mul(safeLoss, tf.scalar(rows)));
    next[S.rows] = tf.add(parts[S.rows]!, tf.mul(ok, tf.scalar(rows)));
    next[S.lastNorm] = norm;
    state.assign(tf.stack(next));
  });
}
