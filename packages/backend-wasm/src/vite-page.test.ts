import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS, chromiumExecutable } from '@mdn/vitest-config/chromium';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { mdnWasm, WASM_FILES } from './vite.js';

const packageDir = path.resolve(import.meta.dirname, '..');
const root = path.join(packageDir, 'test-fixtures', 'vite-page');
const outDir = mkdtempSync(path.join(tmpdir(), 'mdn-vite-page-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

// The page is what a user writes: `useBackend(wasmBackend())`, no wasm paths; only mdnWasm() in the config.
describe('wasmBackend in a Vite-built page', () => {
  it('finds its .wasm files with no path setup, computes, and is served cross-origin isolated', async () => {
    const config = {
      root,
      logLevel: 'warn' as const,
      configFile: false as const,
      plugins: [mdnWasm({ crossOriginIsolation: true })],
      resolve: { alias: { '@mdn/backend-wasm': path.join(packageDir, 'src/index.ts') } },
      build: { outDir, emptyOutDir: true, target: 'es2022' },
      preview: { port: 0, host: '127.0.0.1', strictPort: false },
    };
    await build(config);
    for (const file of WASM_FILES) expect(existsSync(path.join(outDir, file)), file).toBe(true);

    const server = await preview(config);
    const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const logs: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('console', (message) => logs.push(`${message.type()}: ${message.text()}`));
      await page.goto(server.resolvedUrls!.local[0]!);
      await page
        .waitForFunction(() => (globalThis as { __result?: unknown }).__result !== undefined, undefined, {
          timeout: 45_000,
        })
        .catch((error: unknown) => {
          throw new Error(`the page never finished: ${String(error)}\nconsole:\n${logs.join('\n')}`);
        });
      const result = (await page.evaluate(() => (globalThis as { __result?: unknown }).__result)) as {
        error?: string;
        backend: string;
        crossOriginIsolated: boolean;
        logProb: number;
        info: { simd: boolean; threads: number; notes: string[] };
      };
      expect(result.error).toBeUndefined();
      expect(problems).toEqual([]);
      expect(result.backend).toBe('wasm');
      expect(result.info.simd).toBe(true);
      expect(result.crossOriginIsolated).toBe(true);
      // Threads are opt-in in browsers (see wasmBackend's `threads`): a minified page stays single-threaded.
      expect(result.info.threads).toBe(1);
      // log(½ N(0.5; −1, 1) + ½ N(0.5; 1, 0.5)) in float64
      const normal = (y: number, m: number, s: number) =>
        Math.exp(-0.5 * ((y - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
      expect(result.logProb).toBeCloseTo(Math.log(0.5 * normal(0.5, -1, 1) + 0.5 * normal(0.5, 1, 0.5)), 5);
      console.log(`Vite-built page: wasm ${JSON.stringify(result.info)}`);
    } finally {
      await browser.close();
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    }
  });
});
