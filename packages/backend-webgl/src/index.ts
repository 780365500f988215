import type { BackendAdapter, BackendInfo } from '@mdn/core/adapter';

/** Options for {@link webglBackend}. */
export interface WebglBackendOptions {
  /**
   * What to do on a GPU that computes in 16-bit floats (no float32 render targets, or shaders that round like
   * half floats): 'warn' (default) reports `floatPrecision: 16` with a note, and `train` then refuses unless
   * `allowLowPrecision` is set; 'refuse' makes initialisation fail so the caller can fall back to wasm.
   */
  lowPrecision?: 'warn' | 'refuse';
}

/** 1 + 2⁻²⁰ − 1: exact in float32 (ε = 2⁻²³), 0 in float16 (ε = 2⁻¹⁰). */
const PROBE = 2 ** -20;
/** Above tfjs's CPU hand-off size (128), so the probes run in shaders. */
const PROBE_SIZE = 256;

/**
 * The WebGL backend (WebGL 2 where available): the GPU through fragment shaders. It detects the float precision
 * the GPU really computes in — float32 render targets (`WEBGL_RENDER_FLOAT32_ENABLED`) and a probe that float16
 * arithmetic cannot pass — because 16-bit floats make the NLL wrong (σ near its floor and large squared
 * residuals overflow or round to 0). `await useBackend(webglBackend())`. Browsers only.
 */
export function webglBackend(options: WebglBackendOptions = {}): BackendAdapter {
  const lowPrecision = options.lowPrecision ?? 'warn';
  return {
    contractVersion: 1,
    name: 'webgl',
    async initialize(tfjs): Promise<BackendInfo> {
      const hasCanvas = typeof document !== 'undefined' || typeof OffscreenCanvas !== 'undefined';
      if (!hasCanvas) {
        throw new Error(
          'WebGL needs a browser (this environment has no canvas); in Node use @mdn/backend-node or @mdn/backend-wasm',
        );
      }
      await import('@tensorflow/tfjs-backend-webgl');
      if (!(await tfjs.setBackend('webgl'))) {
        throw new Error('this browser gave no WebGL context (WebGL disabled or unsupported); use @mdn/backend-wasm');
      }
      await tfjs.ready();
      const env = tfjs.env();
      const version = env.getNumber('WEBGL_VERSION');
      const renderFloat32 = env.getBool('WEBGL_RENDER_FLOAT32_ENABLED');
      // Not tfjs's backend.floatPrecision(): in tfjs 4.22 it answers 16 whenever float32 render targets ARE
      // enabled. Textures are float32 when render targets are; otherwise a value below float16's range survives
      // a shader pass only on float32 storage.
      // The probes use 256 values: tfjs hands small tensors to the CPU, which would test the wrong machine.
      const underflow = tfjs.tidy(() => tfjs.abs(tfjs.fill([PROBE_SIZE], 1e-8)));
      const survived = (await underflow.data())[0]! > 0;
      underflow.dispose();
      const texturePrecision: 16 | 32 = renderFloat32 || survived ? 32 : 16;
      const probe = tfjs.tidy(() =>
        tfjs.sub(tfjs.add(tfjs.fill([PROBE_SIZE], 1), tfjs.fill([PROBE_SIZE], PROBE)), tfjs.fill([PROBE_SIZE], 1)),
      );
      const probed = (await probe.data())[0]!;
      probe.dispose();
      const arithmetic32 = Math.abs(probed - PROBE) <= PROBE * 2 ** -10;
      const floatPrecision: 16 | 32 = texturePrecision === 32 && arithmetic32 ? 32 : 16;
      const notes = [`WebGL ${version}`, `float32 render targets: ${renderFloat32 ? 'yes' : 'no'}`];
      if (floatPrecision === 16) {
        const why =
          texturePrecision === 16
            ? 'this GPU stores tensors in 16-bit float textures'
            : `this GPU's shaders round like 16-bit floats (1 + 2^-20 - 1 gave ${probed})`;
        if (lowPrecision === 'refuse') {
          throw new Error(`WebGL refused: ${why}; too coarse for the NLL. Use @mdn/backend-wasm`);
        }
        notes.push(`16-bit precision: ${why}; training refuses unless allowLowPrecision, prefer @mdn/backend-wasm`);
      }
      return {
        adapter: 'webgl',
        tfjsBackend: 'webgl',
        simd: null,
        threads: 1,
        floatPrecision,
        fusedKernels: [],
        notes,
      };
    },
  };
}
