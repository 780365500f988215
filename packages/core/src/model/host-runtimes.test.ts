import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS, chromiumExecutable } from '@mdn/vitest-config/chromium';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostModel } from './host-model.js';
import { saveModel } from './model-file.js';
import { MixtureDensityNetwork } from './network.js';

/**
 * HostModel where users run it: @mdn/core/host bundled into one file, then loaded by Node, Deno and Bun (each
 * installed from npm here, at a pinned version) and by a browser page with no TensorFlow.js backend. Each predicts
 * a saved model's mixture for a few rows; all must agree with HostModel in this process to the last bit.
 */
const RUNTIMES = { deno: '2.9.6', bun: '1.4.5' } as const;

const dir = mkdtempSync(path.join(tmpdir(), 'mdn-runtimes-'));
let expected: { mean: number[]; interval: number[] };
const rows = [
  [0.5, 3],
  [2, -1],
  [9.5, 0.25],
];

/** The script every runtime runs: the bundle, the model file, one line of JSON out. */
const SCRIPT = `
import { HostModel } from './host.bundle.mjs';
const read = globalThis.Deno ? (f) => Deno.readTextFileSync(f) : (await import('node:fs')).readFileSync.bind(null);
const text = globalThis.Deno ? read('model.mdn.json') : read('model.mdn.json', 'utf8');
const mixture = HostModel.load(text).predict(${JSON.stringify(rows)});
const { lower, upper } = mixture.interval(0.9);
console.log(JSON.stringify({ mean: Array.from(mixture.mean()), interval: [...lower, ...upper] }));
`;

beforeAll(async () => {
  const model = MixtureDensityNetwork.create(
    { inputDimension: 2, outputDimension: 1, hidden: [16, 16], components: 3, tailWeight: 0.02 },
    { seed: 9 },
  );
  const text = saveModel(model);
  model.dispose();
  writeFileSync(path.join(dir, 'model.mdn.json'), text);
  const mixture = HostModel.load(text).predict(rows);
  const { lower, upper } = mixture.interval(0.9);
  expected = { mean: Array.from(mixture.mean()), interval: [...lower, ...upper] };
  for (const format of ['esm', 'iife'] as const) {
    await esbuild.build({
      entryPoints: [path.join(import.meta.dirname, '..', 'host.ts')],
      bundle: true,
      format,
      globalName: 'mdnHost',
      platform: 'neutral',
      outfile: path.join(dir, format === 'esm' ? 'host.bundle.mjs' : 'host.bundle.js'),
    });
  }
  writeFileSync(path.join(dir, 'check.mjs'), SCRIPT);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HostModel in other runtimes', () => {
  it('Node runs the bundle and predicts the same', () => {
    const out = execFileSync(process.execPath, ['check.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(expected);
  });

  describe('Deno and Bun, installed from npm', () => {
    beforeAll(() => {
      const install = spawnSync(
        'npm',
        ['install', '--no-save', '--no-audit', '--no-fund', `deno@${RUNTIMES.deno}`, `bun@${RUNTIMES.bun}`],
        { cwd: dir, encoding: 'utf8' },
      );
      expect(install.status, `npm install deno bun: ${install.stderr}`).toBe(0);
    }, 300_000);

    it(`Deno ${RUNTIMES.deno} predicts the same`, () => {
      const deno = path.join(dir, 'node_modules', '.bin', 'deno');
      expect(existsSync(deno)).toBe(true);
      const run = spawnSync(deno, ['run', '--allow-read', 'check.mjs'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, DENO_DIR: path.join(dir, '.deno'), NO_COLOR: '1' },
      });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(expected);
    });

    it(`Bun ${RUNTIMES.bun} predicts the same`, () => {
      const bun = path.join(dir, 'node_modules', '.bin', 'bun');
      expect(existsSync(bun)).toBe(true);
      const run = spawnSync(bun, ['check.mjs'], { cwd: dir, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(expected);
    });
  });

  it('a browser page with no TensorFlow.js predicts the same, without console errors', async () => {
    const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.setContent('<!doctype html><title>mdn host</title>');
      await page.addScriptTag({ path: path.join(dir, 'host.bundle.js') });
      const { readFileSync } = await import('node:fs');
      const text = readFileSync(path.join(dir, 'model.mdn.json'), 'utf8');
      const got = await page.evaluate(
        ({ text, rows }) => {
          const host = (globalThis as unknown as { mdnHost: typeof import('../host.js') }).mdnHost;
          const mixture = host.HostModel.load(text).predict(rows);
          const { lower, upper } = mixture.interval(0.9);
          return {
            mean: Array.from(mixture.mean()),
            interval: [...lower, ...upper],
            tfjs: 'tf' in globalThis,
          };
        },
        { text, rows },
      );
      expect(got).toEqual({ ...expected, tfjs: false });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
