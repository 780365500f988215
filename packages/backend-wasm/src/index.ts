import { type BackendAdapter, type BackendInfo, registerHostKernels, unregisterHostKernels } from '@mdn/core/adapter';
import type * as tfjs from '@tensorflow/tfjs-core';
import { registerDenseKernels, type WasmHeap } from './dense-kernels.js';
import { createSimdGemm, type SimdGemm } from './simd-gemm.js';

/** Options for {@link wasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Where the `.wasm` files are served from (a URL prefix ending in '/', or a map from file name to URL).
   * Not needed in Node, where the files are found next to the package.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Threads for the threaded build. Used only where the platform allows threads (a cross-origin-isolated page
   * with SharedArrayBuffer); tfjs-backend-wasm never uses threads in Node. In browsers threads are off unless
   * this is set: tfjs's threaded build starts its workers from the source text of a bundled function, which
   * minifiers break, so use it only in an unminified build.
   */
  threads?: number;
  /** Register the fused mixture-NLL and Adam kernels (JavaScript on the wasm heap). Default true. */
  fusedKernels?: boolean;
}

/** The fused kernels of @mdn/core, reading tensors on the wasm heap and filling new ones. */
function registerWasmKernels(): string[] {
  const internals = (backend: unknown) => backend as WasmHeap;
  return registerHostKernels(
    'wasm',
    (backend, tensor) => internals(backend).typedArrayFromHeap(tensor as never),
    (backend, shape) => internals(backend).makeOutput(shape, 'float32') as never,
  );
}

/**
 * The dense-layer kernels, with matrix products in WebAssembly SIMD on the backend's own memory. Returns their
 * names, or a note saying why they are not registered (the plain tfjs ops are used then).
 */
function registerWasmDenseKernels(tf: typeof tfjs): { names: string[]; relaxed: boolean } | string {
  const memory = wasmMemory(tf.backend());
  if (!memory) return "the dense-layer kernels are off: tfjs's wasm memory is not reachable";
  const probe = createSimdGemm(memory);
  if (!probe) return 'the dense-layer kernels are off: this runtime has no WebAssembly SIMD';
  // The products are instantiated per memory (a re-created backend has a new one), when a kernel first runs.
  const products = new WeakMap<WebAssembly.Memory, SimdGemm>([[memory, probe]]);
  const names = registerDenseKernels(tf, (backend) => {
    const current = wasmMemory(backend);
    if (!current) throw new Error("mdn dense kernels: tfjs's wasm memory is not reachable");
    let gemm = products.get(current);
    if (!gemm) {
      gemm = createSimdGemm(current)!;
      products.set(current, gemm);
    }
    return gemm;
  });
  return { names, relaxed: probe.relaxed };
}

/** The `WebAssembly.Memory` of tfjs's wasm backend (its Emscripten module's exports). */
function wasmMemory(backend: unknown): WebAssembly.Memory | undefined {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
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
      const inNode = typeof process !== 'undefined' && Boolean(process.versions?.node);
      // In an app built with the mdnWasm() Vite plugin, the plugin says where Vite serves each file (a map from
      // file name to URL). Without it tfjs looks next to the page.
      const served = (globalThis as { __MDN_WASM_PATH__?: unknown }).__MDN_WASM_PATH__;
      if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths as never);
      else if (!inNode && (typeof served === 'string' || (typeof served === 'object' && served !== null))) {
        wasm.setWasmPaths(served as never);
      }
      if (options.threads !== undefined) wasm.setThreadsCount(options.threads);
      else if (!inNode) {
        // tfjs starts its threaded build's workers from the source text of a function in its bundle, which a
        // minifier breaks (the workers die with "e is not defined" and initialisation never finishes), so
        // threads are opt-in in browsers: pass `threads` in an unminified, cross-origin-isolated build.
        tfjs.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        notes.push(
          "threads are opt-in in browsers (tfjs's threaded build fails once minified); pass threads: N to try them",
        );
      }
      if (!(await tfjs.setBackend('wasm'))) {
        throw new Error(
          inNode
            ? 'the tfjs wasm backend failed to initialise'
            : 'the tfjs wasm backend failed to initialise: its .wasm files were not found; with Vite add mdnWasm() ' +
                "from '@mdn/backend-wasm/vite' to the plugins, otherwise serve the files and pass wasmPaths",
        );
      }
      await tfjs.ready();
      const simd = Boolean(await tfjs.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const multithread = Boolean(await tfjs.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
      const threads = multithread ? wasm.getThreadsCount() : 1;
      if (!simd) notes.push('WebAssembly SIMD is not available: the slower scalar build is in use');
      if (!multithread && (inNode || options.threads !== undefined)) {
        notes.push(
          inNode
            ? 'single-threaded: tfjs-backend-wasm does not use threads in Node'
            : 'single-threaded: threads need a cross-origin-isolated page (COOP/COEP headers)',
        );
      }
      if (options.fusedKernels === false) unregisterHostKernels('wasm');
      const fusedKernels = options.fusedKernels === false ? [] : registerWasmKernels();
      if (options.fusedKernels !== false) {
        const dense = registerWasmDenseKernels(tfjs);
        if (typeof dense === 'string') notes.push(dense);
        else {
          fusedKernels.push(...dense.names);
          notes.push(
            dense.relaxed
              ? 'dense layers: WebAssembly SIMD products with fused multiply-add (relaxed SIMD)'
              : 'dense layers: WebAssembly SIMD products (no relaxed SIMD here: multiply and add)',
          );
        }
      }
      return { adapter: 'wasm', tfjsBackend: 'wasm', simd, threads, floatPrecision: 32, fusedKernels, notes };
    },
  };
}
