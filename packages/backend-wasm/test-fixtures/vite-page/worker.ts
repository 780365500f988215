// A module worker that uses the wasm backend: it does not see the page's globals, only its own imports.
import { compute } from './compute.js';

postMessage(await compute());
