import { mdnWasm } from '@mdn/backend-wasm/vite';
import { defineConfig } from 'vite';

// mdnWasm(): the .wasm files served and emitted with no path setup; the page served cross-origin isolated
// (COOP/COEP) so wasm may use threads where the browser allows.
export default defineConfig({
  base: './',
  plugins: [mdnWasm({ crossOriginIsolation: true })],
  worker: { format: 'es' },
  build: { target: 'es2022' },
});
