import { cpuBackend } from '@mdn/backend-cpu';
import { nodeBackend } from '@mdn/backend-node';
import { wasmBackend } from '@mdn/backend-wasm';
import { type BackendInfo, useBackend } from '@mdn/core';
import { CliError } from '../errors.js';

export const BACKEND_CHOICES = ['auto', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/**
 * Switches tfjs to the chosen backend. `auto` picks the fastest this Node has (tfjs-node when the user installed
 * it, else WebAssembly, else cpu); `node` is tfjs-node or an error.
 */
export async function selectBackend(choice: string): Promise<BackendInfo> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) {
    throw new CliError(`--backend '${choice}' is not one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const adapter = choice === 'cpu' ? cpuBackend() : choice === 'wasm' ? wasmBackend() : nodeBackend();
  let info: BackendInfo;
  try {
    info = await useBackend(adapter);
  } catch (error) {
    throw new CliError(`backend '${choice}' could not start: ${(error as Error).message}`, 1);
  }
  // `node` asks for native TensorFlow by name: running on another backend instead would ignore the flag.
  if (choice === 'node' && info.tfjsBackend !== 'tensorflow') {
    throw new CliError(
      '--backend node needs @tensorflow/tfjs-node, which is not installed here (npm install @tensorflow/tfjs-node); ' +
        '--backend auto (the default) uses it when it is there and WebAssembly otherwise',
    );
  }
  return info;
}

/** One line naming the backend and what it detected. */
export function describeBackend(info: BackendInfo): string {
  const simd = info.simd === null ? '' : info.simd ? ', SIMD' : ', no SIMD';
  return `${info.tfjsBackend}${simd}, ${info.threads} thread${info.threads === 1 ? '' : 's'}, float${info.floatPrecision}`;
}
