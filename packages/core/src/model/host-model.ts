/**
 * A saved model evaluated without TensorFlow.js: the model file read and checked as `loadModel` reads it, the
 * network's forward pass in float64 on the host, and the predicted mixture as a {@link HostMixture} (quantiles,
 * intervals, mode, sampling, scores). For an edge function, a serverless handler, a small page, Deno or Bun: one
 * row at a time needs no backend and no wasm binary. It agrees with `model.predictHost` to float32 rounding (the
 * network there runs in float32; here every product is float64 over the file's float32 weights).
 */
import { isRawInput, type RawInput } from '../data/columns.js';
import type { EncodingReport, InputSchema } from '../data/input-schema.js';
import { checkedMatrix, type Matrix, type MatrixInput } from '../data/matrix.js';
import type { Standardiser } from '../data/standardiser.js';
import { softplus } from '../math/host-math.js';
import { factorCount } from '../math/precision-factor.js';
import { addAtomsHost } from '../mixture/atoms-host.js';
import { HostMixture } from '../mixture/host-mixture.js';
import { MixtureParts } from '../mixture/parts.js';
import { hasFactorHead, type MdnConfig } from './config.js';
import { type ModelSource, readModelFile } from './file-format.js';
import { encodeWithSchema, inputSchemaOf } from './metadata.js';
import type { ModelMetadata } from './network.js';

/** One dense layer: `kernel` `[fanIn, fanOut]` row-major, `bias` `[fanOut]`. */
interface HostDense {
  fanIn: number;
  fanOut: number;
  kernel: Float32Array;
  bias: Float32Array;
}

/** One network: its trunk, then its heads in save order (logits, means, scales, factors). */
interface HostNetwork {
  trunk: HostDense[];
  heads: HostDense[];
}

const ACTIVATIONS: Record<MdnConfig['activation'], (v: number) => number> = {
  relu: (v) => Math.max(v, 0),
  tanh: Math.tanh,
  elu: (v) => (v > 0 ? v : Math.expm1(v)),
  silu: (v) => v / (1 + Math.exp(-v)),
};

/** A model read from its file, predicting on the host in float64 (see the module comment). */
export class HostModel {
  readonly config: MdnConfig;
  readonly inputStandardiser: Standardiser;
  readonly targetStandardiser: Standardiser;
  readonly metadata: ModelMetadata;
  /** How the model reads raw rows (see `MixtureDensityNetwork.inputSchema`); undefined when it takes numbers only. */
  readonly inputSchema: InputSchema | undefined;
  private readonly networks: HostNetwork[];

  private constructor(source: ModelSource) {
    const { config, inputStandardiser, targetStandardiser, metadata, weights } = readModelFile(source);
    this.config = config;
    this.inputStandardiser = inputStandardiser;
    this.targetStandardiser = targetStandardiser;
    this.metadata = metadata;
    this.inputSchema = inputSchemaOf(metadata);
    // readModelFile checked the weights against the layout: each network's trunk layers, then its heads.
    const perNetwork = config.hidden.length + (hasFactorHead(config) ? 4 : 3);
    const dense = (at: number): HostDense => {
      const [fanIn, fanOut] = weights[2 * at]!.shape as [number, number];
      return { fanIn, fanOut, kernel: weights[2 * at]!.values, bias: weights[2 * at + 1]!.values };
    };
    this.networks = Array.from({ length: config.members }, (_, m) => {
      const first = m * perNetwork;
      return {
        trunk: config.hidden.map((_, i) => dense(first + i)),
        heads: Array.from({ length: perNetwork - config.hidden.length }, (_, h) =>
          dense(first + config.hidden.length + h),
        ),
      };
    });
  }

  /**
   * Reads a model file (JSON text, its UTF-8 bytes or the parsed object) with every check `loadModel` makes; throws
   * `ModelFormatError` saying what is wrong otherwise.
   */
  static load(source: ModelSource): HostModel {
    return new HostModel(source);
  }

  /** Raw rows (records or columns by name) as the network's numeric inputs, with what was filled in. */
  encodeInputs(input: RawInput, names?: readonly string[]): { x: Matrix; report: EncodingReport } {
    return encodeWithSchema(this.inputSchema, input, names);
  }

  /**
   * The predicted mixture p(y | x) of every row, in original units, float64: the same parts (tail companions, point
   * masses, a discrete target's bins) as the model's own prediction.
   * @param x numbers `[N, inputDimension]` in original units, or raw rows read through {@link inputSchema}
   */
  predict(x: MatrixInput | RawInput): HostMixture {
    const { config } = this;
    const matrix = isRawInput(x)
      ? this.encodeInputs(x).x
      : checkedMatrix(x, 'inputs', config.inputDimension, this.metadata.inputColumns);
    const inputs = this.inputStandardiser.standardise(matrix);
    const { members, components: k, outputDimension: d, tailWeight, tailScale, scaleFloor, atoms } = config;
    const n = matrix.rows;
    const p = hasFactorHead(config) ? factorCount(d) : 0;
    const tails = tailWeight > 0 ? 2 : 1;
    const total = members * k * tails;
    const logWeights = new Float64Array(n * total);
    const means = new Float64Array(n * total * d);
    const scales = new Float64Array(n * total * d);
    const factors = p > 0 ? new Float64Array(n * total * p) : undefined;
    const activate = ACTIVATIONS[config.activation];
    const scale =
      config.scaleActivation === 'elu-plus-one'
        ? (v: number) => (v > 0 ? v + 1 : Math.exp(v))
        : (v: number) => softplus(v) + scaleFloor;
    const widest = Math.max(config.inputDimension, ...config.hidden);
    let h = new Float64Array(widest);
    let next = new Float64Array(widest);
    const logMembers = Math.log(members);
    const logKept = Math.log1p(-tailWeight);
    const logTail = Math.log(tailWeight);
    for (let r = 0; r < n; r++) {
      for (const [m, network] of this.networks.entries()) {
        for (let c = 0; c < config.inputDimension; c++) h[c] = inputs.data[r * config.inputDimension + c]!;
        for (const layer of network.trunk) {
          affine(layer, h, next);
          for (let o = 0; o < layer.fanOut; o++) next[o] = activate(next[o]!);
          [h, next] = [next, h];
        }
        const [logits, meanHead, scaleHead, factorHead] = network.heads.map((head) => {
          const out = new Float64Array(head.fanOut);
          affine(head, h, out);
          return out;
        });
        // log π_mk − log M (normalised within the network), then the tail split: (1 − w)π and wπ.
        let top = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < k; j++) top = Math.max(top, logits![j]!);
        let sum = 0;
        for (let j = 0; j < k; j++) sum += Math.exp(logits![j]! - top);
        const normaliser = top + Math.log(sum) + logMembers;
        for (let t = 0; t < tails; t++) {
          for (let j = 0; j < k; j++) {
            // Components: each network's own (network-major), then the tail companions of all in the same order.
            const c = t * members * k + m * k + j;
            const at = r * total + c;
            logWeights[at] = logits![j]! - normaliser + (tails === 1 ? 0 : t === 0 ? logKept : logTail);
            for (let e = 0; e < d; e++) {
              means[at * d + e] = meanHead![j * d + e]!;
              scales[at * d + e] = scale(scaleHead![j * d + e]!) * (t === 0 ? 1 : tailScale);
            }
            for (let f = 0; f < p; f++) factors![at * p + f] = factorHead![j * p + f]!;
          }
        }
      }
    }
    const distribution = config.family;
    const standardised = new HostMixture({
      rows: n,
      components: total,
      dimensions: d,
      logWeights,
      means,
      scales,
      factors,
      parts: MixtureParts.ofConfig({ ...config, atoms: [], discrete: null }),
      distribution,
    });
    const original = this.targetStandardiser.inverseHostMixture(standardised);
    const withAtoms = atoms.length > 0 ? addAtomsHost(original, atoms) : original;
    return withAtoms.withParts(MixtureParts.ofConfig(config));
  }
}

/** `out[o] = bias[o] + Σ_i input[i] · kernel[i, o]`, in float64. */
function affine(layer: HostDense, input: Float64Array, out: Float64Array): void {
  const { fanIn, fanOut, kernel, bias } = layer;
  for (let o = 0; o < fanOut; o++) out[o] = bias[o]!;
  for (let i = 0; i < fanIn; i++) {
    const v = input[i]!;
    if (v === 0) continue;
    const row = i * fanOut;
    for (let o = 0; o < fanOut; o++) out[o]! += v * kernel[row + o]!;
  }
}
