import * as tf from '@tensorflow/tfjs-core';
import '../backend/register-gradients.js';
import { isRawInput, type RawInput } from '../data/columns.js';
import type { EncodingReport, InputSchema, InputSchemaJSON } from '../data/input-schema.js';
import { checkedMatrix, type Matrix, type MatrixInput, toMatrix } from '../data/matrix.js';
import { Standardiser } from '../data/standardiser.js';
import { InputError, MdnError, optionError } from '../errors.js';
import { inverseSoftplus } from '../math/host-math.js';
import { factorCount, factorFromCovariance } from '../math/precision-factor.js';
import { addAtoms } from '../mixture/atoms.js';
import { addAtomsHost, removeAtomsHost, standardiseAtoms } from '../mixture/atoms-host.js';
import { standardComponent } from '../mixture/components/standard.js';
import { GaussianMixture, scalesFromRaw } from '../mixture/gaussian-mixture.js';
import { HostMixture, type SampleOptions } from '../mixture/host-mixture.js';
import { MixtureParts } from '../mixture/parts.js';
import { createRandom } from '../random/rng.js';
import type { TrainPlan } from '../train/plan.js';
import type { SavedTrainingRecord } from '../train/record.js';
import {
  checkWeightShapes,
  hasFactorHead,
  layerLayout,
  type MdnConfig,
  resolveConfig,
  rowsPerBlock,
  type TargetAtom,
} from './config.js';
import { kMeans } from './kmeans.js';
import { encodeWithSchema, inputSchemaOf } from './metadata.js';

/** One dense layer's variables. */
export interface DenseLayer {
  /** `[fan-in, fan-out]` */
  kernel: tf.Variable<tf.Rank.R2>;
  /** `[fan-out]` */
  bias: tf.Variable<tf.Rank.R1>;
}

/** The heads of one network, by name: each maps the trunk's last layer to one kind of mixture parameter. */
export interface NetworkHeads {
  /** `[width, K]`: the components' unnormalised log-weights. */
  logits: DenseLayer;
  /** `[width, K·D]`: their locations (standardised units). */
  means: DenseLayer;
  /** `[width, K·D]`: their scales before the scale activation. */
  scales: DenseLayer;
  /** `[width, K·D(D − 1)/2]`: the precision factors (full covariance only). */
  factors?: DenseLayer | undefined;
}

/** One network's layers by name: the trunk's dense layers in order, then the heads. */
export interface NetworkLayers {
  trunk: readonly DenseLayer[];
  heads: NetworkHeads;
}

type Dense = DenseLayer;
type Member = NetworkLayers;

/** The heads in save order (the order of `layerLayout` in config.ts: logits, means, scales, factors). */
export function headsInOrder(heads: NetworkHeads): DenseLayer[] {
  return heads.factors === undefined
    ? [heads.logits, heads.means, heads.scales]
    : [heads.logits, heads.means, heads.scales, heads.factors];
}

/** Each layer's variables in save order: kernel then bias, the trunk's layers, then the heads. */
function flattenLayers(layers: NetworkLayers): tf.Variable[] {
  return [...layers.trunk, ...headsInOrder(layers.heads)].flatMap((layer) => [layer.kernel, layer.bias]);
}

/** What a trained model remembers beside its weights (saved with it). */
export interface ModelMetadata {
  /** Names of the network's inputs (the schema's features when it has one), when trained from a table. */
  inputColumns?: string[];
  /**
   * How raw input columns (text, dates, missing cells) become the network's inputs; present for models trained on
   * raw columns (format 6 on). See {@link MixtureDensityNetwork.inputSchema}.
   */
  inputSchema?: InputSchemaJSON;
  /** Names of the target columns. */
  targetColumns?: string[];
  /** Per-epoch losses (NLL per row in original units) of the training run that produced the weights. */
  history?: { member?: number; epoch: number; trainLoss: number; validationLoss: number | null }[];
  /** Every setting of the training run that produced the weights. */
  plan?: TrainPlan;
  /** What the training run did (see `TrainingRecord`; a file from an older version may lack fields). */
  training?: SavedTrainingRecord;
}

/** Options for {@link MixtureDensityNetwork.create}. */
export interface CreateOptions {
  /** Seed for the weight initialisation. Default 0. */
  seed?: number;
  /** Fitted on the training inputs; identity when omitted. */
  inputStandardiser?: Standardiser;
  /** Fitted on the training targets; identity when omitted. */
  targetStandardiser?: Standardiser;
  /**
   * Training targets (original units). When given, component means start at k-means centres of the
   * standardised targets and σ at the within-cluster spread; otherwise means are spread on [−1, 1].
   */
  initialTargets?: MatrixInput;
  /**
   * 'spread' (default): the symmetry-breaking initialisation described on {@link MixtureDensityNetwork.create}.
   * 'naive': PyTorch's default nn.Linear initialisation (weights and biases U(±1/√fan_in)) for every layer,
   * heads included — what the forum post used; kept to reproduce and diagnose collapse.
   */
  initialization?: 'spread' | 'naive';
}

/** The raw head outputs of the network for a batch. */
export interface RawOutputs {
  /** `[N, K]` */
  logits: tf.Tensor2D;
  /** `[N, K, D]` standardised units */
  means: tf.Tensor3D;
  /** `[N, K, D]` before the scale activation */
  rawScales: tf.Tensor3D;
  /** `[N, K, D(D − 1)/2]`, the precision factors' off-diagonal entries (full covariance only; no activation) */
  factors?: tf.Tensor3D | undefined;
}

let modelCounter = 0;

/** What the prediction methods read: numbers (a matrix or a tensor of the network's inputs) or raw rows. */
export type ModelInput = MatrixInput | tf.Tensor2D | RawInput;

/** Rows per block in prediction (see MixtureDensityNetwork's inputChunks). */
export const PREDICT_CHUNK_ROWS = 65_536;

const identity = (columns: number) => new Standardiser(new Float64Array(columns), new Float64Array(columns).fill(1));

/**
 * Range of the first trunk layer's initial biases for tanh, U(−1, 1). Measured against zero biases (bench:fit 2 seeds,
 * bench:real 20 splits): circle-2d excess 0.037/0.031 → 0.011/0.012, Bishop 0.143/0.153 → 0.124/0.145, forum toy and
 * the smooth sets unchanged; wages 2.729 → 2.634, penguins 7.388 → 7.375, births 6.854 → 6.867, Boston 2.484 → 2.526,
 * cars 2.314 → 2.333. Half the range (0.5) gave smaller gains and smaller losses (circle 0.015/0.018).
 */
const FIRST_LAYER_BIAS = 1;

function uniformMatrix(
  rows: number,
  columns: number,
  limit: number,
  random: ReturnType<typeof createRandom>,
): Float32Array {
  const values = new Float32Array(rows * columns);
  for (let i = 0; i < values.length; i++) values[i] = (2 * random.uniform() - 1) * limit;
  return values;
}

/**
 * A mixture density network: an MLP trunk and three heads (logits, means, raw scales) that map inputs
 * to a Gaussian mixture over the targets. Inputs and targets are standardised inside the model with the
 * statistics it was created with, so `predict` takes and returns original units.
 */
export class MixtureDensityNetwork {
  readonly config: MdnConfig;
  readonly inputStandardiser: Standardiser;
  readonly targetStandardiser: Standardiser;
  metadata: ModelMetadata;
  /** One network, or the members of an ensemble (see {@link MixtureDensityNetwork.ensemble}). */
  private readonly members: Member[];
  private disposed = false;

  private constructor(
    config: MdnConfig,
    members: Member[],
    inputStandardiser: Standardiser,
    targetStandardiser: Standardiser,
    metadata: ModelMetadata,
  ) {
    this.config = config;
    this.members = members;
    this.inputStandardiser = inputStandardiser;
    this.targetStandardiser = targetStandardiser;
    this.metadata = metadata;
  }

  /**
   * A freshly initialised network. Trunk weights: He-uniform (relu/elu/silu) or Glorot-uniform (tanh, with
   * first-layer biases U(±1), zero biases otherwise);
   * head weights: Glorot-uniform × 0.1 so the first predictions are set by the head biases: uniform weights,
   * means at k-means centres of the targets, σ at their within-cluster spread (symmetry broken from step 0).
   */
  static create(
    config: Partial<MdnConfig> & Pick<MdnConfig, 'inputDimension' | 'outputDimension'>,
    options: CreateOptions = {},
  ): MixtureDensityNetwork {
    const resolved = resolveConfig(config);
    if (resolved.members !== 1) {
      throw new InputError('create() makes one network; train with `ensemble` or use MixtureDensityNetwork.ensemble()');
    }
    const { inputDimension, outputDimension: d, components: k } = resolved;
    const inputStandardiser = options.inputStandardiser ?? identity(inputDimension);
    const targetStandardiser = options.targetStandardiser ?? identity(d);
    if (inputStandardiser.columns !== inputDimension)
      throw new InputError('inputStandardiser has the wrong number of columns');
    if (targetStandardiser.columns !== d) throw new InputError('targetStandardiser has the wrong number of columns');
    const random = createRandom(options.seed ?? 0);
    // tfjs variable names are process-global: prefix them per model; saved files use the part after '/'.
    const prefix = `mdn${modelCounter++}/`;
    // tf.variable keeps its initial tensor alive: create each inside tidy so only the variable survives.
    const dense = (fanIn: number, fanOut: number, limit: number, bias?: Float32Array, name = 'dense'): Dense =>
      tf.tidy(() => ({
        kernel: tf.variable(
          tf.tensor2d(uniformMatrix(fanIn, fanOut, limit, random), [fanIn, fanOut]),
          true,
          `${prefix}${name}.kernel`,
        ),
        bias: tf.variable(tf.tensor1d(bias ?? new Float32Array(fanOut)), true, `${prefix}${name}.bias`),
      }));
    const trunk: Dense[] = [];
    let width = inputDimension;
    resolved.hidden.forEach((next, i) => {
      const tanh = resolved.activation === 'tanh';
      const limit = tanh ? Math.sqrt(6 / (width + next)) : Math.sqrt(6 / width);
      // tanh's first layer gets biases U(−1, 1): with zero biases every unit is centred on the inputs' mean and the
      // trunk starts as an odd, nearly linear function of x, slow to bend into curves and kinks.
      const bias = tanh && i === 0 ? uniformMatrix(1, next, FIRST_LAYER_BIAS, random) : undefined;
      trunk.push(dense(width, next, limit, bias, `trunk.${i}`));
      width = next;
    });
    const headLimit = (out: number) => 0.1 * Math.sqrt(6 / (width + out));

    // Component means at k-means centres of the standardised targets, σ at the within-cluster spread.
    const meanBias = new Float32Array(k * d);
    const spread = new Float64Array(d).fill(Math.min(1, 1 / k + 0.1));
    const p = factorCount(d);
    // Full covariance: every component starts with the shape of the pooled within-cluster covariance (σ its
    // conditional scales, L its regression coefficients), so correlated targets are not first tiled by components.
    const factorBias = new Float32Array(k * p);
    if (options.initialTargets !== undefined) {
      const targets = targetStandardiser.transform(options.initialTargets);
      const { centres, spread: within, covariance } = kMeans(targets, k, { seed: options.seed ?? 0 });
      meanBias.set(centres);
      for (let e = 0; e < d; e++) spread[e] = Math.min(1, Math.max(0.05, within[e]!));
      if (hasFactorHead(resolved)) {
        const scales = new Float64Array(d);
        const factors = new Float64Array(p);
        if (factorFromCovariance(covariance, d, scales, 0, factors, 0)) {
          for (let e = 0; e < d; e++) spread[e] = Math.min(1, Math.max(0.05, scales[e]!));
          for (let c = 0; c < k; c++) factorBias.set(factors, c * p);
        }
      }
    } else {
      for (let c = 0; c < k; c++)
        for (let e = 0; e < d; e++) meanBias[c * d + e] = k === 1 ? 0 : -1 + (2 * c) / (k - 1);
    }
    const scaleBias = new Float32Array(k * d);
    // The scale parameter whose component has the spread's standard deviation (Laplace: b = sd / √2).
    const unit = Math.sqrt(standardComponent(resolved.family).variance);
    for (let c = 0; c < k; c++) {
      for (let e = 0; e < d; e++) {
        const sigma = spread[e]! / unit;
        scaleBias[c * d + e] =
          resolved.scaleActivation === 'softplus'
            ? inverseSoftplus(sigma - resolved.scaleFloor)
            : sigma >= 1
              ? sigma - 1
              : Math.log(sigma);
      }
    }
    if (options.initialization === 'naive') {
      const naive = (fanIn: number, fanOut: number, name: string) =>
        dense(fanIn, fanOut, 1 / Math.sqrt(fanIn), uniformMatrix(1, fanOut, 1 / Math.sqrt(fanIn), random), name);
      tf.dispose(trunk.flatMap((layer) => [layer.kernel, layer.bias]));
      trunk.length = 0;
      let fanIn = inputDimension;
      resolved.hidden.forEach((next, i) => {
        trunk.push(naive(fanIn, next, `trunk.${i}`));
        fanIn = next;
      });
      const naiveHeads = {
        logits: naive(width, k, 'head.logits'),
        means: naive(width, k * d, 'head.means'),
        scales: naive(width, k * d, 'head.scales'),
        factors: hasFactorHead(resolved) ? naive(width, k * factorCount(d), 'head.factors') : undefined,
      };
      return new MixtureDensityNetwork(
        resolved,
        [{ trunk, heads: naiveHeads }],
        inputStandardiser,
        targetStandardiser,
        {},
      );
    }
    const heads = {
      logits: dense(width, k, headLimit(k), undefined, 'head.logits'),
      means: dense(width, k * d, headLimit(k * d), meanBias, 'head.means'),
      scales: dense(width, k * d, headLimit(k * d), scaleBias, 'head.scales'),
      factors: hasFactorHead(resolved) ? dense(width, k * p, headLimit(k * p), factorBias, 'head.factors') : undefined,
    };
    return new MixtureDensityNetwork(resolved, [{ trunk, heads }], inputStandardiser, targetStandardiser, {});
  }

  /** Every trainable variable, trunk first then heads (member by member), in a stable order (the save order). */
  get variables(): tf.Variable[] {
    return this.flatten();
  }

  /** Every trainable variable in the save order (Adam's flat moments and the model file follow it). */
  flatten(): tf.Variable[] {
    return this.members.flatMap(flattenLayers);
  }

  /** The layers of network `member` (0 for a single network) by name. */
  layers(member = 0): NetworkLayers {
    this.assertUsable();
    const layers = this.members[member];
    if (!layers)
      throw new InputError(`this model has ${this.members.length} network(s); there is no network ${member}`);
    return layers;
  }

  /**
   * Which component of this model's predicted mixture is which (original units): each network's components, then
   * their tail companions in the same order (see {@link MdnConfig.tailWeight}), then one point mass per atom (see
   * {@link MdnConfig.atoms}). Every mixture the model predicts carries these parts.
   */
  get parts(): MixtureParts {
    return MixtureParts.ofConfig(this.config);
  }

  /**
   * A discrete target's bins in standardised units (their half-width and the lower edge's value), for the training
   * loss and the validation NLL on the backend; undefined for a continuous target.
   */
  get standardisedBins(): { halfWidth: number; lower: number | null } | undefined {
    const { discrete } = this.config;
    if (!discrete) return undefined;
    const { mean, scale } = this.targetStandardiser;
    return {
      halfWidth: 0.5 / scale[0]!,
      lower: discrete.lower === null ? null : (discrete.lower - mean[0]!) / scale[0]!,
    };
  }

  /** Components of the predicted mixture (see {@link parts}). */
  get mixtureComponents(): number {
    return this.parts.components;
  }

  /** Components the networks predict (`components` × `members`), before any tail companions. */
  get networkComponents(): number {
    return this.config.components * this.config.members;
  }

  /**
   * The networks' own components of a mixture this model predicted (or of one network's prediction,
   * {@link networkPrediction}), their tail companions and point masses dropped and the weights renormalised (the
   * point masses first give back what they gathered): what component-level summaries (usage, duplicates, pruning)
   * look at. The mixture's parts say which component is which.
   */
  networkPart(mixture: HostMixture): HostMixture {
    const predicted = removeAtomsHost(mixture);
    const own = predicted.parts.networkComponents;
    return own.length === predicted.components ? predicted : predicted.selectComponents(own);
  }

  /**
   * What one network of an ensemble predicts alone: row i's mixture restricted to the components of network
   * `networks[i]` (and their tail companions, in the same layout as a one-network model's), the weights
   * renormalised, and the model's atoms weighted from that network's components alone. An ensemble's training rows
   * that a network held out for its validation are held-out data for that network (see `TrainResult.outOfBag`):
   * scored this way they check the ensemble out of sample. In the result every row's network is network 0.
   */
  networkPrediction(mixture: HostMixture, networks: ArrayLike<number>): HostMixture {
    const { members } = this.config;
    if (networks.length !== mixture.rows) {
      throw new InputError(`networks names ${networks.length} rows' networks but the mixture has ${mixture.rows} rows`);
    }
    for (let r = 0; r < networks.length; r++) {
      const m = networks[r]!;
      if (!(Number.isInteger(m) && m >= 0 && m < members)) {
        throw new InputError(`networks[${r}] is ${m}; this model has ${members} network(s), numbered from 0`);
      }
    }
    const predicted = removeAtomsHost(mixture);
    const { parts } = predicted;
    // Each network's components and companions, in the mixture's order; alone, each is network 0.
    const byNetwork = Array.from({ length: members }, (_, m) =>
      parts.where((role) => role.kind === 'network' && role.network === m),
    );
    const own = predicted.selectComponents(
      (r) => byNetwork[networks[r]!]!,
      parts.select(byNetwork[0]!).renumber(() => 0),
    );
    const atoms = mixture.parts.pointMasses.map((p) => p.atom);
    return atoms.length > 0 ? addAtomsHost(own, atoms) : own;
  }

  /**
   * An ensemble of trained networks as one model whose prediction is the equal-weight mixture of theirs: one
   * mixture of M·K components (2·M·K with predictive tails, then any atoms) with weights π/M (Lakshminarayanan et
   * al. 2017 average M predictive distributions the same way), so every mixture tool applies to it unchanged. The members must share
   * the architecture and the standardisers; their weights are copied (the members stay the caller's).
   */
  static ensemble(models: readonly MixtureDensityNetwork[], metadata: ModelMetadata = {}): MixtureDensityNetwork {
    const first = models[0];
    if (!first) throw new InputError('an ensemble needs at least one model');
    const same = (a: Standardiser, b: Standardiser) =>
      a.mean.every((v, i) => v === b.mean[i]) && a.scale.every((v, i) => v === b.scale[i]);
    for (const [i, model] of models.entries()) {
      model.assertUsable();
      const { members, ...config } = model.config;
      const { members: firstMembers, ...firstConfig } = first.config;
      if (JSON.stringify(config) !== JSON.stringify(firstConfig) || members !== 1 || firstMembers !== 1) {
        throw new InputError(`ensemble member ${i} has another architecture than member 0 (or is itself an ensemble)`);
      }
      if (
        !same(model.inputStandardiser, first.inputStandardiser) ||
        !same(model.targetStandardiser, first.targetStandardiser)
      ) {
        throw new InputError(
          `ensemble member ${i} was standardised differently from member 0; fit the members on shared statistics`,
        );
      }
    }
    const config: MdnConfig = { ...first.config, members: models.length };
    const weights = models.flatMap((model) => model.getWeights());
    return MixtureDensityNetwork.fromParts(
      config,
      first.inputStandardiser,
      first.targetStandardiser,
      weights,
      metadata,
    );
  }

  /**
   * A copy of this model with other point masses at the ends of the target's range (see {@link MdnConfig.atoms}):
   * [] removes them; the networks are the same. For a cap or floor the training targets did not show, or to
   * compare the prediction with and without them.
   */
  withAtoms(atoms: readonly TargetAtom[], metadata: ModelMetadata = this.metadata): MixtureDensityNetwork {
    this.assertUsable();
    let config: MdnConfig;
    try {
      config = resolveConfig({ ...this.config, atoms });
    } catch (error) {
      throw new InputError((error as Error).message, 'invalid-option');
    }
    return MixtureDensityNetwork.fromParts(
      config,
      this.inputStandardiser,
      this.targetStandardiser,
      this.getWeights(),
      metadata,
    );
  }

  /**
   * A copy of this network with only the components `keep` (indices in [0, K)), in that order: their columns of the
   * logits, means, scales (and factors) heads; the trunk is shared in value. The weights of the kept components are
   * renormalised by the softmax, so dropping components that carry ~0 weight leaves the density unchanged.
   */
  withComponents(keep: readonly number[], metadata: ModelMetadata = this.metadata): MixtureDensityNetwork {
    this.assertUsable();
    const { components: k, outputDimension: d, members } = this.config;
    if (members !== 1) throw new InputError('withComponents works on one network, not an ensemble');
    if (
      keep.length === 0 ||
      keep.some((c) => !Number.isInteger(c) || c < 0 || c >= k) ||
      new Set(keep).size !== keep.length
    ) {
      throw optionError('keep', `must list distinct components in [0, ${k - 1}], got [${keep.join(', ')}]`);
    }
    // Columns per component of each head, by its name: logits 1, means D, scales D, factors D(D − 1)/2.
    const widths: Record<string, number> = { logits: 1, means: d, scales: d, factors: factorCount(d) };
    const pick = (values: Float32Array, rows: number, columns: number, width: number) => {
      const out = new Float32Array(rows * keep.length * width);
      for (let r = 0; r < rows; r++) {
        keep.forEach((c, position) => {
          out.set(
            values.subarray(r * columns + c * width, r * columns + (c + 1) * width),
            (r * keep.length + position) * width,
          );
        });
      }
      return out;
    };
    // Weights are named `trunk.<i>.kernel`, `head.<name>.bias`, …: a head's columns are its components'.
    const sliced = this.getWeights().map((w) => {
      const [part, head, kind] = w.name.split('.');
      if (part !== 'head') return w;
      const width = widths[head!]!;
      const isKernel = kind === 'kernel';
      const rows = isKernel ? w.shape[0]! : 1;
      const columns = isKernel ? w.shape[1]! : w.shape[0]!;
      const values = pick(w.values, rows, columns, width);
      return { ...w, shape: isKernel ? [rows, keep.length * width] : [keep.length * width], values };
    });
    return MixtureDensityNetwork.fromParts(
      { ...this.config, components: keep.length },
      this.inputStandardiser,
      this.targetStandardiser,
      sliced,
      metadata,
    );
  }

  /** Number of trainable parameters. */
  get parameterCount(): number {
    return this.variables.reduce((total, v) => total + v.size, 0);
  }

  /**
   * The raw head outputs for standardised inputs. Call inside `tf.tidy` (or dispose the outputs).
   * @param x standardised inputs `[N, inputDimension]`
   */
  forward(x: tf.Tensor2D): RawOutputs {
    this.assertUsable();
    const { components: k, outputDimension: d, members } = this.config;
    const n = x.shape[0];
    const outputs = this.members.map(({ trunk, heads }) => {
      let h: tf.Tensor2D = x;
      for (const layer of trunk) h = this.activate(tf.add(tf.matMul(h, layer.kernel), layer.bias) as tf.Tensor2D);
      const affine = (head: Dense) => tf.add(tf.matMul(h, head.kernel), head.bias) as tf.Tensor2D;
      return {
        logits: affine(heads.logits),
        means: tf.reshape(affine(heads.means), [n, k, d]) as tf.Tensor3D,
        rawScales: tf.reshape(affine(heads.scales), [n, k, d]) as tf.Tensor3D,
        factors:
          heads.factors === undefined
            ? undefined
            : (tf.reshape(affine(heads.factors), [n, k, factorCount(d)]) as tf.Tensor3D),
      };
    });
    if (members === 1) return outputs[0]!;
    // The equal-weight mixture of the members' mixtures: log π_mk − log M, components side by side.
    const logM = tf.scalar(Math.log(members));
    return {
      logits: tf.concat(
        outputs.map((o) => tf.sub(tf.logSoftmax(o.logits), logM) as tf.Tensor2D),
        1,
      ),
      means: tf.concat(
        outputs.map((o) => o.means),
        1,
      ),
      rawScales: tf.concat(
        outputs.map((o) => o.rawScales),
        1,
      ),
      factors:
        outputs[0]!.factors === undefined
          ? undefined
          : tf.concat(
              outputs.map((o) => o.factors!),
              1,
            ),
    };
  }

  /** σ from the raw scale outputs, with the configured activation and floor. */
  scalesFromRaw(rawScales: tf.Tensor3D): tf.Tensor3D {
    if (this.config.scaleActivation === 'elu-plus-one') return tf.add(tf.elu(rawScales), tf.scalar(1)) as tf.Tensor3D;
    return scalesFromRaw(rawScales, this.config.scaleFloor);
  }

  /**
   * The mixture over standardised targets for standardised inputs: the network's components, with `tailWeight` > 0
   * their tail companions, and the atoms (validation and prediction score this; the training loss fits the
   * network's components alone, see train/step.ts).
   * @param x standardised inputs `[N, inputDimension]`
   */
  mixtureStandardised(x: tf.Tensor2D): GaussianMixture {
    const { logits, means, rawScales, factors } = this.forward(x);
    const scales = this.scalesFromRaw(rawScales);
    const { tailWeight, tailScale, atoms } = this.config;
    let mixture = { logits, means, scales, factors };
    if (tailWeight > 0) {
      // Each component (π, μ, σ, L) becomes ((1 − w)π, μ, σ, L) and (wπ, μ, sσ, L): Σ scales by s², same correlations.
      const logPi = tf.logSoftmax(logits);
      mixture = {
        logits: tf.concat(
          [tf.add(logPi, tf.scalar(Math.log1p(-tailWeight))), tf.add(logPi, tf.scalar(Math.log(tailWeight)))],
          1,
        ) as tf.Tensor2D,
        means: tf.concat([means, means], 1) as tf.Tensor3D,
        scales: tf.concat([scales, tf.mul(scales, tf.scalar(tailScale))], 1) as tf.Tensor3D,
        factors: factors === undefined ? undefined : (tf.concat([factors, factors], 1) as tf.Tensor3D),
      };
    }
    const { members, components, family: distribution } = this.config;
    if (atoms.length > 0) {
      // One target column (resolveConfig checks): no factors.
      const { mean, scale } = this.targetStandardiser;
      const standardised = standardiseAtoms(atoms, mean[0]!, scale[0]!);
      const parts = MixtureParts.ofModel({ members, components, tails: tailWeight > 0, atoms: standardised });
      return GaussianMixture.diagonal({
        ...addAtoms(mixture.logits, mixture.means, mixture.scales, standardised, distribution),
        parts,
        distribution,
      });
    }
    return GaussianMixture.of({
      ...mixture,
      parts: MixtureParts.ofModel({ members, components, tails: tailWeight > 0, atoms }),
      distribution,
    });
  }

  /**
   * The predicted mixture p(y | x) in original units; the caller owns (and disposes) it.
   * @param x inputs in original units, `[N, inputDimension]`
   */
  predict(x: ModelInput): GaussianMixture {
    this.assertUsable();
    return GaussianMixture.tidy(() =>
      this.targetStandardiser.inverseMixture(this.mixtureStandardised(this.standardisedInputs(x))),
    );
  }

  /**
   * The predicted mixtures on the host in float64, original units. The network's output (standardised units) is
   * copied to the host first and mapped back to original units there in float64, so targets with a large offset
   * (say 1e8 + small variations) keep their resolution.
   */
  async predictHost(x: ModelInput): Promise<HostMixture> {
    const parts: HostMixture[] = [];
    for (const chunk of this.inputChunks(x)) {
      const mixture = this.predictStandardised(chunk);
      try {
        parts.push(await mixture.toHost());
      } finally {
        mixture.dispose();
        if (chunk !== x && chunk instanceof tf.Tensor) chunk.dispose();
      }
    }
    return this.withExactAtoms(this.targetStandardiser.inverseHostMixture(HostMixture.concatenate(parts)));
  }

  /**
   * The predicted mixture in original units with this model's parts (their atoms exactly as configured), and each
   * point mass's mean and σ exactly as configured, not as they come back from float32 standardised units: a draw from
   * a point mass at 50 is 50, not 50.000001.
   */
  private withExactAtoms(host: HostMixture): HostMixture {
    const parts = this.parts;
    const k = host.components;
    for (const { component, atom } of parts.pointMasses) {
      for (let r = 0; r < host.rows; r++) {
        host.means[r * k + component] = atom.value;
        host.scales[r * k + component] = atom.scale;
      }
    }
    return host.withParts(parts);
  }

  /** Synchronous {@link predictHost} (blocks on GPU backends). */
  predictHostSync(x: ModelInput): HostMixture {
    const parts: HostMixture[] = [];
    for (const chunk of this.inputChunks(x)) {
      const mixture = this.predictStandardised(chunk);
      try {
        parts.push(mixture.toHostSync());
      } finally {
        mixture.dispose();
        if (chunk !== x && chunk instanceof tf.Tensor) chunk.dispose();
      }
    }
    return this.withExactAtoms(this.targetStandardiser.inverseHostMixture(HostMixture.concatenate(parts)));
  }

  /**
   * The rows of `x` in blocks of {@link predictionBlockRows}: prediction holds one block's activations on the
   * backend at a time (2.5 million rows at once exhausted the wasm heap and aborted its runtime).
   */
  private inputChunks(x: ModelInput): (Matrix | tf.Tensor2D)[] {
    this.assertUsable();
    if (isRawInput(x)) x = this.encodeInputs(x).x;
    const block = this.predictionBlockRows;
    if (x instanceof tf.Tensor) {
      const rows = x.shape[0];
      if (rows <= block || x.rank !== 2) return [x];
      return Array.from({ length: Math.ceil(rows / block) }, (_, c) => {
        const start = c * block;
        return tf.slice(x, [start, 0], [Math.min(block, rows - start), -1]) as tf.Tensor2D;
      });
    }
    const matrix = checkedMatrix(x, 'inputs', this.config.inputDimension, this.metadata.inputColumns);
    if (matrix.rows <= block) return [matrix];
    const p = matrix.columns;
    return Array.from({ length: Math.ceil(matrix.rows / block) }, (_, c) => {
      const start = c * block;
      const rows = Math.min(block, matrix.rows - start);
      return { data: matrix.data.subarray(start * p, (start + rows) * p), rows, columns: p };
    });
  }

  /**
   * How this model reads raw input columns (see `InputSchema`): the schema it was trained with, or, for a model
   * trained on numbers with named columns, complete numeric columns of those names; undefined without names.
   */
  get inputSchema(): InputSchema | undefined {
    const { inputSchema, inputColumns } = this.metadata;
    const cache = this.schemaCache;
    if (cache === undefined || cache.json !== inputSchema || cache.names !== inputColumns) {
      const schema = inputSchemaOf(this.metadata);
      this.schemaCache = { json: inputSchema, names: inputColumns, schema };
      return schema;
    }
    return cache.schema;
  }

  private schemaCache:
    | { json: InputSchemaJSON | undefined; names: string[] | undefined; schema: InputSchema | undefined }
    | undefined;

  /**
   * The network's inputs for raw rows (a table, records, raw columns), found by column name (any order, other columns
   * ignored; `names` gives the data's own name for each of the schema's columns where they differ), and a report
   * of the cells filled in and the levels never seen in training. The predict, sample and score methods take raw
   * rows too; call this one to see the report.
   */
  encodeInputs(input: RawInput, names?: readonly string[]): { x: Matrix; report: EncodingReport } {
    return encodeWithSchema(this.inputSchema, input, names);
  }

  /**
   * Rows per block of prediction: {@link PREDICT_CHUNK_ROWS} for the usual networks, fewer for a mixture so large
   * that a block of them would not fit the backend's memory (see `rowsPerBlock`). Callers that stream a file
   * through the model read it in blocks of this many rows, so the host's copy of a block stays bounded too.
   */
  get predictionBlockRows(): number {
    return rowsPerBlock(this.config, PREDICT_CHUNK_ROWS);
  }

  private predictStandardised(x: ModelInput): GaussianMixture {
    this.assertUsable();
    return GaussianMixture.tidy(() => this.mixtureStandardised(this.standardisedInputs(x)));
  }

  /**
   * log p(y | x) per row in original units, `[N]`.
   * @param x `[N, inputDimension]` @param y `[N, outputDimension]`
   */
  async logProb(x: ModelInput, y: MatrixInput): Promise<Float64Array> {
    this.assertUsable();
    if (isRawInput(x)) x = this.encodeInputs(x).x;
    const yMatrix = checkedMatrix(y, 'targets', this.config.outputDimension, this.metadata.targetColumns);
    const rows = x instanceof tf.Tensor ? x.shape[0] : toMatrix(x, 'inputs').rows;
    if (rows !== yMatrix.rows) {
      throw new InputError(`inputs have ${rows} rows but targets have ${yMatrix.rows}; they must match row for row`);
    }
    // In float64 on the predicted mixture in original units: a target far outside the data (|z| beyond 1.8e19,
    // where z² overflows float32) still gets a finite log-density.
    const host = await this.predictHost(x);
    const d = yMatrix.columns;
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) out[r] = host.logProbAt(r, yMatrix.data.subarray(r * d, (r + 1) * d));
    return out;
  }

  /** Mean negative log-likelihood per row, in nats, in original units. */
  async nll(x: ModelInput, y: MatrixInput): Promise<number> {
    const values = await this.logProb(x, y);
    let total = 0;
    for (const v of values) total -= v;
    return total / values.length;
  }

  /** Seeded draws from p(y | x), `[N, n, D]` in original units. */
  async sample(x: ModelInput, n: number, options: SampleOptions = {}): Promise<Float64Array> {
    return (await this.predictHost(x)).sample(n, options);
  }

  /** Copies of the weights in save order. */
  getWeights(): { name: string; shape: number[]; values: Float32Array }[] {
    this.assertUsable();
    return this.variables.map((v) => ({
      name: v.name.slice(v.name.indexOf('/') + 1),
      shape: [...v.shape],
      values: Float32Array.from(v.dataSync()),
    }));
  }

  /** Overwrites the weights (same order and shapes as {@link getWeights}). */
  setWeights(weights: readonly { name?: string; shape: readonly number[]; values: Float32Array }[]): void {
    this.assertUsable();
    const variables = this.variables;
    if (weights.length !== variables.length)
      throw new InputError(`expected ${variables.length} weight tensors, got ${weights.length}`);
    weights.forEach((w, i) => {
      const v = variables[i]!;
      if (!tf.util.arraysEqual(w.shape as number[], v.shape)) {
        throw new InputError(`weight ${i} (${v.name}) must have shape [${v.shape}], got [${w.shape}]`);
      }
      if (w.values.length !== v.size) throw new InputError(`weight ${i} (${v.name}) must hold ${v.size} values`);
      tf.tidy(() => v.assign(tf.tensor(w.values, v.shape)));
    });
  }

  /** A snapshot of the weights on the backend (used to restore the best epoch); dispose with tf.dispose. */
  snapshot(): tf.Tensor[] {
    // Real copies (tf.clone shares memory): fused optimisers update the variables in place.
    return tf.tidy(() => this.variables.map((v) => tf.add(v, tf.scalar(0))));
  }

  /** Restores a {@link MixtureDensityNetwork.snapshot} (copying it: the snapshot stays valid and the variables own their memory). */
  restore(snapshot: readonly tf.Tensor[]): void {
    tf.tidy(() => {
      for (const [i, v] of this.variables.entries()) v.assign(tf.add(snapshot[i]!, tf.scalar(0)));
    });
  }

  /** Frees every variable. The model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    tf.dispose(this.variables);
    this.disposed = true;
  }

  /**
   * Builds a network from saved parts (used by the model file reader): the variables are made from `weights`
   * directly (no random initialisation first), after every shape is checked against the architecture.
   */
  static fromParts(
    config: MdnConfig,
    inputStandardiser: Standardiser,
    targetStandardiser: Standardiser,
    weights: readonly { shape: readonly number[]; values: Float32Array }[],
    metadata: ModelMetadata,
  ): MixtureDensityNetwork {
    const resolved = resolveConfig(config);
    if (inputStandardiser.columns !== resolved.inputDimension)
      throw new InputError('inputStandardiser has the wrong number of columns');
    if (targetStandardiser.columns !== resolved.outputDimension)
      throw new InputError('targetStandardiser has the wrong number of columns');
    const layout = Array.from({ length: resolved.members }, (_, m) =>
      layerLayout(resolved).map(
        ([name, fanIn, fanOut]) => [resolved.members === 1 ? name : `member.${m}.${name}`, fanIn, fanOut] as const,
      ),
    ).flat();
    checkWeightShapes(resolved, weights);
    const prefix = `mdn${modelCounter++}/`;
    const layers = layout.map(([name, fanIn, fanOut], i) =>
      tf.tidy(() => ({
        kernel: tf.variable(tf.tensor2d(weights[2 * i]!.values, [fanIn, fanOut]), true, `${prefix}${name}.kernel`),
        bias: tf.variable(tf.tensor1d(weights[2 * i + 1]!.values), true, `${prefix}${name}.bias`),
      })),
    ) as Dense[];
    // Each network's layers by their names (layerLayout's, `member.<m>.` first in an ensemble).
    const byName = new Map(layout.map(([name], i) => [name, layers[i]!]));
    const members = Array.from({ length: resolved.members }, (_, m): Member => {
      const named = (name: string) => byName.get(resolved.members === 1 ? name : `member.${m}.${name}`);
      return {
        trunk: resolved.hidden.map((_, i) => named(`trunk.${i}`)!),
        heads: {
          logits: named('head.logits')!,
          means: named('head.means')!,
          scales: named('head.scales')!,
          factors: named('head.factors'),
        },
      };
    });
    return new MixtureDensityNetwork(resolved, members, inputStandardiser, targetStandardiser, metadata);
  }

  private standardisedInputs(x: ModelInput): tf.Tensor2D {
    if (isRawInput(x)) x = this.encodeInputs(x).x;
    if (x instanceof tf.Tensor) {
      if (x.rank !== 2 || x.shape[1] !== this.config.inputDimension) {
        throw new InputError(`inputs must be [N, ${this.config.inputDimension}], got shape [${x.shape}]`);
      }
      const { mean, scale } = this.inputStandardiser;
      return tf.tidy(() =>
        tf.div(tf.sub(x, tf.tensor1d(Float32Array.from(mean))), tf.tensor1d(Float32Array.from(scale))),
      ) as tf.Tensor2D;
    }
    const matrix: Matrix = checkedMatrix(x, 'inputs', this.config.inputDimension, this.metadata.inputColumns);
    const standardised = this.inputStandardiser.transform(matrix);
    return tf.tensor2d(standardised.data as Float32Array, [matrix.rows, this.config.inputDimension]);
  }

  private activate(h: tf.Tensor2D): tf.Tensor2D {
    switch (this.config.activation) {
      case 'relu':
        return tf.relu(h);
      case 'tanh':
        return tf.tanh(h);
      case 'elu':
        return tf.elu(h);
      case 'silu':
        return tf.mul(h, tf.sigmoid(h));
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new MdnError('disposed', 'this model was disposed; load or train it again');
  }
}
