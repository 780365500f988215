// A user's page: no wasm paths anywhere, only `wasmBackend()` and the mdnWasm() plugin in the Vite config;
// the same computation runs in the page and in a module Web Worker.
import { compute } from './compute.js';

const page = await compute();
const worker = await new Promise<Record<string, unknown>>((resolve) => {
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (event) => resolve(event.data as Record<string, unknown>);
  w.onerror = (event) => resolve({ error: `worker failed: ${event.message}` });
});
(globalThis as { __result?: unknown }).__result = { page, worker };
