// The Vite/Vitest twin of the esbuild plugin: `@tensorflow/tfjs-core/dist/register_all_gradients` becomes a
// virtual module holding the same bundle the published packages ship, importing only the public tfjs-core.
import * as esbuild from 'esbuild';
import { gradientsEntry, tfjsGradientsPlugin } from './tfjs-gradients-plugin.mjs';

const virtualId = '\0mdn-tfjs-gradients.js';

/** @param {string} fromDir the package whose tfjs-core is used */
export function viteTfjsGradients(fromDir) {
  let code;
  return {
    name: 'mdn-tfjs-gradients',
    enforce: 'pre',
    resolveId(id) {
      return id === gradientsEntry ? virtualId : undefined;
    },
    async load(id) {
      if (id !== virtualId) return undefined;
      if (code === undefined) {
        const result = await esbuild.build({
          stdin: { contents: `import '${gradientsEntry}';`, resolveDir: fromDir, loader: 'js' },
          bundle: true,
          write: false,
          format: 'esm',
          platform: 'neutral',
          mainFields: ['module', 'main'],
          plugins: [tfjsGradientsPlugin(fromDir)],
          logLevel: 'warning',
        });
        code = result.outputFiles[0].text;
      }
      return code;
    },
  };
}
