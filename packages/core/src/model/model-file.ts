import { type ModelFile, type ModelSource, modelFileOf, readModelFile } from './file-format.js';
import { MixtureDensityNetwork } from './network.js';

/** The model as a {@link ModelFile} object. */
export function toModelFile(model: MixtureDensityNetwork): ModelFile {
  return modelFileOf({ ...model, metadata: model.metadata, weights: model.getWeights() });
}

/** The model serialised as JSON text (the portable model file). */
export function saveModel(model: MixtureDensityNetwork): string {
  return `${JSON.stringify(toModelFile(model))}\n`;
}

/**
 * Reads a model file (JSON text, its bytes or the parsed object) into a network on the active backend. Throws
 * {@link ModelFormatError} with a clear message for text that is not a model, another format version, a corrupt
 * or truncated file (see {@link readModelFile}; `HostModel.load` reads the same files without TensorFlow.js).
 */
export function loadModel(source: ModelSource): MixtureDensityNetwork {
  const { config, inputStandardiser, targetStandardiser, weights, metadata } = readModelFile(source);
  return MixtureDensityNetwork.fromParts(config, inputStandardiser, targetStandardiser, weights, metadata);
}
