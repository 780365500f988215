import { mdnWasm } from '@mdn/backend-wasm/vite';
import { defineConfig } from 'vite';

// mdnWasm(): the .wasm files served and emitted with no path setup, and the page cross-origin isolated (COOP/COEP).
export default defineConfig({
  base: './',
  plugins: [mdnWasm()],
  worker: { format: 'es' },
  build: { target: 'es2022' },
});
