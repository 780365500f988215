/**
 * The model file format: what a saved model holds, how it is checked and read. Nothing here imports TensorFlow.js:
 * `@mdn/core/host`'s {@link HostModel} reads files with it, and `loadModel` builds a network from what it reads.
 */
import { MIN_TARGET_SPREAD, Standardiser } from '../data/standardiser.js';
import { MAX_MAGNITUDE, printable } from '../data/table.js';
import { InputError } from '../errors.js';
import { checkWeightShapes, type MdnConfig, resolveConfig } from './config.js';
import { checkMetadata } from './metadata.js';
import type { ModelMetadata } from './network.js';

/** The format name written in every model file. */
export const MODEL_FORMAT = 'mdn-model';
/**
 * The version of the model file format this library writes. Version 2 added `config.covariance` (full-covariance
 * models have a fourth head, `head.factors`); version 3 added `config.tailWeight` and `config.tailScale` (predictive
 * tails: a reader that ignored them would predict a different density, so older readers must refuse the file);
 * version 4 added `config.atoms` (point masses at the ends of the target's range, for the same reason); version 5
 * added `config.family` (Gaussian or Laplace components); version 6 added `metadata.inputSchema` (how raw columns
 * become the network's inputs: a reader that ignored it would feed the network the wrong numbers) and
 * `config.discrete` (a whole-number target's probabilities). Every older file
 * (no such fields) still loads unchanged, without tails or atoms, with Gaussian components, reading numbers.
 */
export const MODEL_FORMAT_VERSION = 6;
/**
 * Where a saved file points editors and validators for its JSON Schema (`$schema`): the schema as published with
 * @mdn/core (`schema/model-file.schema.json`, also importable as `@mdn/core/model-file.schema.json`).
 */
export const MODEL_FILE_SCHEMA_URL = 'https://unpkg.com/@mdn/core@0/schema/model-file.schema.json';
/** The versions this library reads. */
export const READABLE_MODEL_FORMAT_VERSIONS: readonly number[] = [1, 2, 3, 4, 5, 6];

/** One weight tensor in a model file: float32 little-endian bytes, base64-encoded. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  data: string;
}

/**
 * A saved model: one JSON document holding the architecture, the standardisation statistics, the weights
 * and what the training run reported. Identical bytes load in Node and in the browser.
 */
export interface ModelFile {
  /** The file's JSON Schema ({@link MODEL_FILE_SCHEMA_URL}); not covered by the checksums, not needed to read it. */
  $schema?: string;
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  config: MdnConfig;
  inputStandardiser: { mean: number[]; scale: number[] };
  targetStandardiser: { mean: number[]; scale: number[] };
  metadata: ModelMetadata;
  weights: WeightEntry[];
  /** FNV-1a 32-bit hash of every weight's bytes in order, hex; detects truncated or edited weights. */
  checksum: string;
  /**
   * FNV-1a 32-bit hash, hex, of everything else too: the canonical JSON (sorted keys) of format, version, config,
   * standardisers, metadata and the weights' names and shapes, then the weights' bytes. An edited activation,
   * scale floor, standardiser or column name is refused on load. Required from format version 2 on (version-1
   * files written before it existed have only `checksum`, and still load).
   */
  contentChecksum?: string;
}

/** A model file that cannot be read; `message` says what is wrong and what to do. */
export class ModelFormatError extends InputError {
  override name = 'ModelFormatError';
  constructor(message: string) {
    super(message, 'model-format');
  }
}

/** JSON with object keys sorted at every level: the same text for the same content, whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The checksum over every field of a (parsed) model file and its weight bytes; see {@link ModelFile.contentChecksum}. */
function contentChecksum(file: Partial<ModelFile>, bytes: readonly Uint8Array[]): string {
  const described = {
    format: file.format,
    formatVersion: file.formatVersion,
    config: file.config,
    inputStandardiser: file.inputStandardiser,
    targetStandardiser: file.targetStandardiser,
    metadata: file.metadata,
    weights: (file.weights ?? []).map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype })),
  };
  return fnv1a([new TextEncoder().encode(canonicalJson(described)), ...bytes]);
}

function fnv1a(chunks: readonly Uint8Array[]): string {
  let hash = 0x811c9dc5;
  for (const bytes of chunks) {
    for (const byte of bytes) {
      hash ^= byte;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash.toString(16).padStart(8, '0');
}

function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

function fromLittleEndian(bytes: Uint8Array): Float32Array {
  const values = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

function fromBase64(text: string, name: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new ModelFormatError(
      `weight '${printable(String(name), 80)}' is not valid base64; the model file is corrupt — re-save or retrain it`,
    );
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A standardiser from a model file: finite statistics of a magnitude the data could have had (|mean| and scale at
 * most MAX_MAGNITUDE, as every training value is), and a scale of at least `smallest`. A file edited past these
 * (its checksums recomputed) would predict overflowing or meaningless values.
 */
function checkStandardiser(standardiser: Standardiser, name: string, smallest: number): void {
  for (let c = 0; c < standardiser.columns; c++) {
    const mean = standardiser.mean[c]!;
    const scale = standardiser.scale[c]!;
    if (Math.abs(mean) > MAX_MAGNITUDE || scale > MAX_MAGNITUDE || scale < smallest) {
      throw new ModelFormatError(
        `${name} of column ${c + 1} (mean ${mean}, scale ${scale}) is beyond what training data can give ` +
          `(|mean| and scale at most ${MAX_MAGNITUDE}${smallest > 0 ? `, scale at least ${smallest}` : ''})`,
      );
    }
  }
}

/** The {@link ModelFile} object for a model's contents (weights in save order), with both checksums. */
export function modelFileOf(
  contents: Omit<ModelContents, 'weights'> & {
    weights: readonly { name: string; shape: number[]; values: Float32Array }[];
  },
): ModelFile {
  const bytes = contents.weights.map((w) => littleEndianBytes(w.values));
  const file: ModelFile = {
    $schema: MODEL_FILE_SCHEMA_URL,
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    config: { ...contents.config, hidden: [...contents.config.hidden] },
    inputStandardiser: contents.inputStandardiser.toJSON(),
    targetStandardiser: contents.targetStandardiser.toJSON(),
    // As JSON will hold it (undefined dropped, non-finite numbers null), so the checksum matches on load.
    metadata: JSON.parse(JSON.stringify(contents.metadata)) as ModelMetadata,
    weights: contents.weights.map((w, i) => ({
      name: w.name,
      shape: w.shape,
      dtype: 'float32',
      data: toBase64(bytes[i]!),
    })),
    checksum: fnv1a(bytes),
  };
  file.contentChecksum = contentChecksum(file, bytes);
  return file;
}

/** What a model file holds, read and checked: everything a network or a {@link HostModel} is built from. */
export interface ModelContents {
  config: MdnConfig;
  inputStandardiser: Standardiser;
  targetStandardiser: Standardiser;
  metadata: ModelMetadata;
  /** Every weight tensor in save order (see `layerLayout`), float32 values. */
  weights: { shape: number[]; values: Float32Array }[];
}

/** A model file's text, parsed object or UTF-8 bytes. */
export type ModelSource = string | ModelFile | Uint8Array | ArrayBuffer;

/**
 * Reads and checks a model file (JSON text, its bytes or the parsed object): format and version, checksums, the
 * values they vouch for, and the weights' shapes against the architecture. Throws {@link ModelFormatError} with a
 * clear message for text that is not a model, another format version, a corrupt, edited or truncated file.
 */
export function readModelFile(source: ModelSource): ModelContents {
  let file: Partial<ModelFile>;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    // The file's bytes, as fs.readFileSync or fetch's arrayBuffer() give them: UTF-8 JSON.
    try {
      source = new TextDecoder('utf-8', { fatal: true }).decode(source);
    } catch {
      throw new ModelFormatError('not a model file: its bytes are not UTF-8 text (a model file is UTF-8 JSON)');
    }
  }
  if (typeof source === 'string') {
    // A byte-order mark (an editor's "UTF-8 with BOM") is not part of the JSON.
    if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
    try {
      file = JSON.parse(source) as Partial<ModelFile>;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ModelFormatError(
        `not a model file: the JSON does not parse (${printable(reason, 200)}); the file may be truncated or not an mdn model`,
      );
    }
  } else {
    file = source;
  }
  if (file === null || typeof file !== 'object' || file.format !== MODEL_FORMAT) {
    throw new ModelFormatError(`not a model file: expected "format": "${MODEL_FORMAT}"`);
  }
  if (typeof file.formatVersion !== 'number') {
    throw new ModelFormatError(
      `the model file is corrupt: "formatVersion" must be a number (like ${MODEL_FORMAT_VERSION}), not ${typeof file.formatVersion === 'string' ? `the text "${printable(file.formatVersion, 20)}"` : (JSON.stringify(file.formatVersion) ?? 'missing')}`,
    );
  }
  if (!READABLE_MODEL_FORMAT_VERSIONS.includes(file.formatVersion)) {
    throw new ModelFormatError(
      `model file format version ${file.formatVersion} is not supported: this @mdn/core reads versions ${READABLE_MODEL_FORMAT_VERSIONS.join(', ')}; ` +
        `${file.formatVersion > MODEL_FORMAT_VERSION ? 'upgrade @mdn/core' : 'retrain the model with this version'}`,
    );
  }
  if (!file.config || !file.inputStandardiser || !file.targetStandardiser || !Array.isArray(file.weights)) {
    throw new ModelFormatError(
      'the model file is incomplete: it needs config, inputStandardiser, targetStandardiser and weights',
    );
  }
  let config: MdnConfig;
  let inputStandardiser: Standardiser;
  let targetStandardiser: Standardiser;
  try {
    const claimed = file.config as Partial<MdnConfig>;
    if (file.formatVersion === 1 && claimed.covariance !== undefined) {
      throw new ModelFormatError('a version-1 file has no covariance setting');
    }
    if ((file.formatVersion as number) < 3 && (claimed.tailWeight !== undefined || claimed.tailScale !== undefined)) {
      throw new ModelFormatError(`a version-${file.formatVersion} file has no tail settings (tailWeight, tailScale)`);
    }
    if ((file.formatVersion as number) < 4 && Array.isArray(claimed.atoms) && claimed.atoms.length > 0) {
      throw new ModelFormatError(`a version-${file.formatVersion} file has no atoms`);
    }
    if ((file.formatVersion as number) < 5 && claimed.family !== undefined && claimed.family !== 'gaussian') {
      throw new ModelFormatError(`a version-${file.formatVersion} file has Gaussian components only`);
    }
    if ((file.formatVersion as number) < 6 && claimed.discrete !== undefined && claimed.discrete !== null) {
      throw new ModelFormatError(`a version-${file.formatVersion} file has continuous targets only`);
    }
    const metadataClaims = (file.metadata ?? {}) as { inputSchema?: unknown };
    if ((file.formatVersion as number) < 6 && metadataClaims.inputSchema !== undefined) {
      throw new ModelFormatError(`a version-${file.formatVersion} file has no input schema`);
    }
    config = resolveConfig(file.config);
    inputStandardiser = Standardiser.fromJSON(file.inputStandardiser);
    targetStandardiser = Standardiser.fromJSON(file.targetStandardiser);
  } catch (error) {
    throw new ModelFormatError(
      `the model file is corrupt: ${printable(error instanceof Error ? error.message : String(error), 300)}`,
    );
  }
  const bytes = file.weights.map((w) => {
    if (!w || typeof w.data !== 'string' || !Array.isArray(w.shape) || w.dtype !== 'float32') {
      throw new ModelFormatError('the model file is corrupt: every weight needs name, shape, dtype "float32" and data');
    }
    return fromBase64(w.data, w.name);
  });
  const checksum = fnv1a(bytes);
  if (typeof file.checksum !== 'string') {
    throw new ModelFormatError(
      'the model file is corrupt: it has no weight checksum (every model file is saved with one); restore the file as saved, or retrain',
    );
  }
  if (checksum !== file.checksum) {
    throw new ModelFormatError(
      `the model file is corrupt: weight checksum ${checksum} does not match the recorded ${printable(String(file.checksum), 20)}`,
    );
  }
  if (file.contentChecksum === undefined && file.formatVersion !== 1) {
    // Every version-2 file was written with it: a missing one means the file was edited around the check.
    throw new ModelFormatError(
      'the model file was edited or is corrupt: it has no content checksum (every version-2 file is saved with one); ' +
        'restore the file as saved, or retrain',
    );
  }
  if (file.contentChecksum !== undefined) {
    const expected = contentChecksum(file, bytes);
    if (expected !== file.contentChecksum) {
      throw new ModelFormatError(
        `the model file was edited or is corrupt: its content checksum ${expected} does not match the recorded ` +
          `${printable(String(file.contentChecksum), 20)} (config, standardisers, metadata and weights are all covered); ` +
          'restore the file as saved, or retrain',
      );
    }
  }
  // The values the checksums vouch for, checked for what a file edited around them could hold.
  let metadata: ModelMetadata;
  try {
    checkStandardiser(inputStandardiser, 'inputStandardiser', 0);
    checkStandardiser(targetStandardiser, 'targetStandardiser', MIN_TARGET_SPREAD);
    metadata = checkMetadata(file.metadata, config);
  } catch (error) {
    throw new ModelFormatError(
      `the model file is corrupt: ${printable(error instanceof Error ? error.message : String(error), 300)}`,
    );
  }
  const weights = file.weights.map((w, i) => {
    const b = bytes[i]!;
    if (b.length % 4 !== 0)
      throw new ModelFormatError(
        `the model file is corrupt: weight '${printable(String(w.name), 80)}' has ${b.length} bytes`,
      );
    const values = fromLittleEndian(b);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new ModelFormatError(
        `weight '${printable(String(w.name), 80)}' holds ${values[bad]} at index ${bad}: a model with non-finite weights predicts only NaN; ` +
          'retrain it (the training guard keeps weights finite) or restore the file as saved',
      );
    }
    return { shape: w.shape, values };
  });
  try {
    checkWeightShapes(config, weights);
  } catch (error) {
    throw new ModelFormatError(
      `the model file does not match its architecture: ${printable(error instanceof Error ? error.message : String(error), 300)}`,
    );
  }
  return { config, inputStandardiser, targetStandardiser, metadata, weights };
}
