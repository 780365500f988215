import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Every module a source file reaches through its relative imports (type-only imports excluded). */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm),
    ].map((m) => (m[1] ?? m[2])!);
    seen.set(file, specifiers);
    for (const s of specifiers) {
      if (s.startsWith('.')) visit(path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
    }
  };
  visit(path.resolve(import.meta.dirname, entry));
  return seen;
}

describe('entry points', () => {
  it('@mdn/core/host reaches no TensorFlow.js module', () => {
    const graph = reachable('host.ts');
    const tfjs = [...graph].filter(([, specifiers]) => specifiers.some((s) => s.startsWith('@tensorflow/')));
    expect(tfjs.map(([file]) => path.basename(file))).toEqual([]);
    expect(graph.size).toBeGreaterThan(5);
    // and the check sees tfjs where it is: the user entry reaches it
    expect([...reachable('index.ts').values()].some((s) => s.some((x) => x.startsWith('@tensorflow/')))).toBe(true);
  });

  it('the user entry exports no kernel plumbing; the adapter entry has it', async () => {
    const user = await import('./index.js');
    const adapter = await import('./adapter.js');
    for (const name of [
      'adamStep',
      'transpose2d',
      'registerHostKernels',
      'FUSED_KERNELS',
      'TrainingStep',
      'denseForward',
      'headsBackward',
    ]) {
      expect(name in user, name).toBe(false);
      expect(name in adapter, name).toBe(true);
    }
    expect(typeof user.HostMixture).toBe('function');
    expect(typeof user.train).toBe('function');
  });

  it("@mdn/core/host's HostModel, bundled for 'load a model, predict one row', is under 30 kB gzipped", async () => {
    // What a page or an edge function ships: the file reader, the float64 forward pass, the mixture's quantiles.
    const entry = [
      "import { HostModel } from './host.js';",
      'export const predictOne = (text, row) => {',
      '  const mixture = HostModel.load(text).predict([row]);',
      '  return { mean: mixture.mean()[0], interval: mixture.interval(0.9) };',
      '};',
    ].join('\n');
    const result = await esbuild.build({
      stdin: { contents: entry, resolveDir: import.meta.dirname, loader: 'ts' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'neutral',
      write: false,
    });
    const code = result.outputFiles[0]!.contents;
    expect(new TextDecoder().decode(code)).not.toMatch(/@tensorflow/);
    expect(gzipSync(code, { level: 9 }).length).toBeLessThan(30_000);
  });
});
