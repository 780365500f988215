import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

// The page is what a user writes: `useBackend(wasmBackend())`, no wasm paths; only mdnWasm() in the config. It
// computes in the page and in a module Web Worker, which sees nothing of the page. (`vite dev`, whose first load
// pre-bundles tfjs, is checked by the packed-install test, tooling/scripts/packed-install.mjs, from the tarballs.)
interface Computed {
  error?: string;
  backend: string;
  crossOriginIsolated: boolean;
  logProb: number;
  info: { simd: boolean; threads: number; notes: string[] };
}

const config = {
  root,
  logLevel: 'warn' as const,
  configFile: false as const,
  plugins: [mdnWasm({ crossOriginIsolation: true })],
  resolve: { alias: { '@mdn/backend-wasm': path.join(packageDir, 'src/index.ts') } },
  worker: { format: 'es' as const },
  build: { outDir, emptyOutDir: true, target: 'es2022' },
  preview: { port: 0, host: '127.0.0.1', strictPort: false },
};

async function openPage(url: string): Promise<{ page: Computed; worker: Computed; problems: string[] }> {
  const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    const logs: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
      logs.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(url);
    await page
      .waitForFunction(() => (globalThis as { __result?: unknown }).__result !== undefined, undefined, {
        timeout: 60_000,
      })
      .catch((error: unknown) => {
        throw new Error(`the page never finished: ${String(error)}\nconsole:\n${logs.join('\n')}`);
      });
    const result = (await page.evaluate(() => (globalThis as { __result?: unknown }).__result)) as {
      page: Computed;
      worker: Computed;
    };
    return { ...result, problems };
  } finally {
    await browser.close();
  }
}

function expectComputed(result: Computed): void {
  expect(result.error).toBeUndefined();
  expect(result.backend).toBe('wasm');
  expect(result.info.simd).toBe(true);
  expect(result.crossOriginIsolated).toBe(true);
  // Threads are opt-in in browsers (see wasmBackend's `threads`): the page stays single-threaded.
  expect(result.info.threads).toBe(1);
  // log(½ N(0.5; −1, 1) + ½ N(0.5; 1, 0.5)) in float64
  const normal = (y: number, m: number, s: number) =>
    Math.exp(-0.5 * ((y - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
  expect(result.logProb).toBeCloseTo(Math.log(0.5 * normal(0.5, -1, 1) + 0.5 * normal(0.5, 1, 0.5)), 5);
}

describe('wasmBackend in a Vite app, in the page and in a module worker', () => {
  it('vite build: finds its .wasm files with no path setup, computes, and is served cross-origin isolated', async () => {
    await build(config);
    const emitted = readdirSync(outDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.wasm'));
    for (const file of WASM_FILES) {
      expect(
        emitted.some((name) => path.basename(name).startsWith(file.replace(/\.wasm$/, '-'))),
        file,
      ).toBe(true);
    }
    const server = await preview(config);
    try {
      const { page, worker, problems } = await openPage(server.resolvedUrls!.local[0]!);
      expect(problems).toEqual([]);
      expectComputed(page);
      expectComputed(worker);
      console.log(`Vite-built page: wasm ${JSON.stringify(page.info)}`);
    } finally {
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    }
  });
});
