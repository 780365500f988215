import { cpuBackend } from '@mdn/backend-cpu';
import { wasmBackend } from '@mdn/backend-wasm';
import type { BackendAdapter, BackendInfo } from '@mdn/core/adapter';

/** Options for {@link nodeBackend}. */
export interface NodeBackendOptions {
  /** Candidates in order of preference. Default ['tensorflow', 'wasm', 'cpu']. */
  prefer?: ('tensorflow' | 'wasm' | 'cpu')[];
  /** Loads a module by name; replaceable for tests. Default: dynamic import(). */
  importModule?: (name: string) => Promise<unknown>;
}

const reason = (error: unknown) => (error instanceof Error ? error.message.split('\n')[0] : String(error));

/**
 * The fastest backend this Node process has: `@tensorflow/tfjs-node` (native TensorFlow) when it is installed,
 * otherwise WebAssembly, otherwise the cpu backend. The returned info's `notes` say which was chosen and why.
 * `await useBackend(nodeBackend())`.
 */
export function nodeBackend(options: NodeBackendOptions = {}): BackendAdapter {
  const prefer = options.prefer ?? ['tensorflow', 'wasm', 'cpu'];
  const importModule = options.importModule ?? ((name: string) => import(/* @vite-ignore */ name));
  return {
    contractVersion: 1,
    name: 'node',
    async initialize(tfjs): Promise<BackendInfo> {
      const skipped: string[] = [];
      for (const candidate of prefer) {
        try {
          if (candidate === 'tensorflow') {
            await importModule('@tensorflow/tfjs-node');
            if (!(await tfjs.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise');
            await tfjs.ready();
            return {
              adapter: 'node',
              tfjsBackend: 'tensorflow',
              simd: null,
              threads: 0,
              floatPrecision: 32,
              fusedKernels: [],
              notes: ['chose tensorflow: @tensorflow/tfjs-node (native TensorFlow) is installed', ...skipped],
            };
          }
          const info = await (candidate === 'wasm' ? wasmBackend() : cpuBackend()).initialize(tfjs);
          return { ...info, adapter: 'node', notes: [`chose ${candidate}`, ...skipped, ...info.notes] };
        } catch (error) {
          skipped.push(`${candidate} unavailable: ${reason(error)}`);
        }
      }
      throw new Error(`no backend could be initialised: ${skipped.join('; ')}`);
    },
  };
}
