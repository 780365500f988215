import type { BackendAdapter, BackendInfo } from '@mdn/core';

/** Options for {@link wasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Where the `.wasm` files are served from (a URL prefix ending in '/', or a map from file name to URL).
   * Not needed in Node, where the files are found next to the package.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Threads for the threaded build. Used only where the platform allows threads (a cross-origin-isolated page
   * with SharedArrayBuffer); tfjs-backend-wasm never uses threads in Node.
   */
  threads?: number;
}

/**
 * The WebAssembly backend: XNNPACK kernels with SIMD where supported, threads in cross-origin-isolated pages.
 * `await useBackend(wasmBackend())`.
 */
export function wasmBackend(options: WasmBackendOptions = {}): BackendAdapter {
  return {
    contractVersion: 1,
    name: 'wasm',
    async initialize(tfjs): Promise<BackendInfo> {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const notes: string[] = [];
      if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths as never);
      if (options.threads !== undefined) wasm.setThreadsCount(options.threads);
      if (!(await tfjs.setBackend('wasm')))
        throw new Error('the tfjs wasm backend failed to initialise (is the .wasm file reachable?)');
      await tfjs.ready();
      const simd = Boolean(await tfjs.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const multithread = Boolean(await tfjs.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
      const threads = multithread ? wasm.getThreadsCount() : 1;
      if (!simd) notes.push('WebAssembly SIMD is not available: the slower scalar build is in use');
      if (!multithread) {
        notes.push(
          typeof process !== 'undefined' && process.versions?.node
            ? 'single-threaded: tfjs-backend-wasm does not use threads in Node'
            : 'single-threaded: threads need a cross-origin-isolated page (COOP/COEP headers)',
        );
      }
      return { adapter: 'wasm', tfjsBackend: 'wasm', simd, threads, floatPrecision: 32, fusedKernels: [], notes };
    },
  };
}
