import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The libraries are ESM; their exports also answer `require` (Node ≥ 20.19 loads ESM through require).
describe('@mdn packages from CommonJS', () => {
  it('require() loads @mdn/core, its host and adapter entries, and an adapter', () => {
    const script = [
      "const core = require('@mdn/core');",
      "const host = require('@mdn/core/host');",
      "const adapter = require('@mdn/core/adapter');",
      "const wasm = require('@mdn/backend-wasm');",
      'console.log([typeof core.train, typeof host.HostMixture, typeof adapter.registerHostKernels, typeof wasm.wasmBackend].join(" "));',
      'console.log(host.HostMixture === core.HostMixture);',
    ].join('\n');
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: path.resolve(import.meta.dirname, '..'),
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(['function function function function', 'true']);
  });
});
