import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cpuBackend } from '@mdn/backend-cpu';
import { loadModel, planTraining, type TrainPlan, useBackend } from '@mdn/core';
import { CHROMIUM_ARGS, chromiumExecutable } from '@mdn/vitest-config/chromium';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built app (turbo builds dist/ before this test), served by `vite preview` with the app's own config
// (COOP/COEP headers from mdnWasm()), in Debian's headless Chromium with real WebGL2 through SwiftShader.
const appDir = path.resolve(import.meta.dirname, '..');
const artifacts = path.join(appDir, '.test-results');
let server: PreviewServer;
let browser: Browser;
let url: string;

interface Frame {
  label: string;
  steps: number;
  losses: [number, number][];
  nonFinite: boolean;
  done: boolean;
  means: number[];
  logWeights: number[];
  components: number;
  xs: number[];
}

interface Demo {
  frames(): Frame[];
  plans(): (TrainPlan | null)[];
  data(): { x: number[]; y: number[] };
  density(points: [number, number][]): Promise<number[]>;
  loadModel(text: string, fileName: string): Promise<unknown>;
}

async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('backend'), undefined, {
    timeout: 60_000,
  });
  return { page, problems };
}

/** Start, wait until the first run has reported `frames` loss readings, pause. */
async function trainUntil(page: Page, frames: number) {
  await page.click('#start');
  await page.waitForFunction(
    (n) => ((globalThis as unknown as { mdnDemo: Demo }).mdnDemo.frames()[0]?.losses.length ?? 0) >= n,
    frames,
    { timeout: 150_000 },
  );
  await page.click('#pause');
}

const steps = (page: Page, label = 'mdn defaults') =>
  page.evaluate((l) => (globalThis as unknown as { mdnDemo: Demo }).mdnDemo.frames().find((f) => f.label === l), label);

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await preview({ root: appDir, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
  url = server.resolvedUrls!.local[0]!;
  browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
});

describe('web demo', () => {
  it('loads with no console errors, cross-origin isolated, on wasm with SIMD', async () => {
    const { page, problems } = await openPage();
    const status = await page.textContent('#status');
    expect(status).toMatch(/^backend wasm: float32, SIMD/);
    expect(status).toContain('cross-origin isolated: yes');
    expect(problems).toEqual([]);
    await page.close();
  });

  it.each(['wasm', 'webgl', 'cpu'])('training lowers the loss on %s and the heatmap is drawn', async (backend) => {
    const { page, problems } = await openPage();
    await page.selectOption('#backend', backend);
    await page.waitForFunction(
      (b) => document.getElementById('status')?.textContent?.startsWith(`backend ${b}:`),
      backend,
      {
        timeout: 60_000,
      },
    );
    await trainUntil(page, 8);
    const run = (await steps(page))!;
    const losses = run.losses.map(([, l]) => l);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! - 0.1);
    // Pixels, not just a canvas: the heatmap region holds many distinct colours, bright (density) and dark.
    const pixels = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('canvas.density')!;
      const { data } = canvas.getContext('2d')!.getImageData(44, 8, canvas.width - 52, canvas.height - 34);
      const colours = new Set<number>();
      let bright = 0;
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) {
        colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        const luminance = 0.2126 * data[i]! + 0.7152 * data[i + 1]! + 0.0722 * data[i + 2]!;
        if (luminance > 180) bright++;
        if (luminance < 60) dark++;
      }
      return { colours: colours.size, bright: bright / (data.length / 4), dark: dark / (data.length / 4) };
    });
    expect(pixels.colours).toBeGreaterThan(500);
    expect(pixels.bright).toBeGreaterThan(0.03);
    expect(pixels.dark).toBeGreaterThan(0.05);
    await page.waitForFunction(() => document.getElementById('diagnosis')?.textContent?.includes('mdn defaults'));
    expect(await page.textContent('#diagnosis')).toMatch(/status: (ok|warning)/);
    expect(problems).toEqual([]);
    if (backend === 'wasm') await page.screenshot({ path: path.join(artifacts, 'web-demo-wasm.png'), fullPage: true });
    await page.close();
  });

  it('the "mdn defaults" panel runs exactly the plan train() would run on the same data, for one network', async () => {
    const { page, problems } = await openPage();
    const { plans, data } = await page.evaluate(() => {
      const demo = (globalThis as unknown as { mdnDemo: Demo }).mdnDemo;
      return { plans: demo.plans(), data: demo.data() };
    });
    // A panel shows one network learning (startTraining); on these 1 000 rows train() would fit 5 of them.
    expect(
      planTraining(
        data.x.map((v) => [v]),
        data.y.map((v) => [v]),
        { seed: 1 },
      ).ensemble,
    ).toBe(5);
    const expected = planTraining(
      data.x.map((v) => [v]),
      data.y.map((v) => [v]),
      { seed: 1, ensemble: 1 },
    );
    expect(plans[0]).toEqual(expected);
    expect(expected.noise).not.toBeNull();
    // A changed control changes the plan the same way the option would.
    await page.fill('#components', '3');
    await page.dispatchEvent('#components', 'change');
    await page.waitForFunction(
      () => (globalThis as unknown as { mdnDemo: Demo }).mdnDemo.plans()[0]?.model.components === 3,
    );
    const changed = await page.evaluate(() => (globalThis as unknown as { mdnDemo: Demo }).mdnDemo.plans()[0]);
    expect(changed).toEqual(
      planTraining(
        data.x.map((v) => [v]),
        data.y.map((v) => [v]),
        { seed: 1, ensemble: 1, model: { components: 3 } },
      ),
    );
    // A value the option does not take is said, by the option schema's words, and the default is used.
    await page.fill('#hidden', '64,,64');
    await page.dispatchEvent('#hidden', 'change');
    expect(await page.textContent('#error')).toBe(
      "hidden sizes: expected whole numbers ≥ 1 separated by commas (like 128,128), got '64,,64' (the default is used)",
    );
    expect(await page.getAttribute('#hidden', 'placeholder')).toBe('default 64,64; 128,128 from 1000 training rows');
    await page.fill('#hidden', '');
    await page.dispatchEvent('#hidden', 'change');
    expect(await page.textContent('#error')).toBe('');
    expect(problems).toEqual([]);
    await page.close();
  });

  it("on standardised data, the forum's loss gives the same mixture for every x (the broadcasting bug)", async () => {
    const { page, problems } = await openPage();
    await page.check('#forum-standardize');
    await page.check('#forum');
    await page.waitForFunction(() => (globalThis as unknown as { mdnDemo: Demo }).mdnDemo.frames().length === 2);
    await page.click('#start');
    await page.waitForFunction(
      () => ((globalThis as unknown as { mdnDemo: Demo }).mdnDemo.frames()[1]?.steps ?? 0) >= 300,
      undefined,
      { timeout: 150_000 },
    );
    await page.click('#pause');
    const frames = await page.evaluate(() => (globalThis as unknown as { mdnDemo: Demo }).mdnDemo.frames());
    // The predicted mean across the x grid: Σ_k w_k μ_k per grid point.
    const meanCurve = (frame: Frame) => {
      const k = frame.components;
      return Array.from({ length: frame.means.length / k }, (_, i) => {
        let total = 0;
        let weight = 0;
        for (let j = 0; j < k; j++) {
          const w = Math.exp(frame.logWeights[i * k + j]!);
          total += w * frame.means[i * k + j]!;
          weight += w;
        }
        return total / weight;
      });
    };
    const range = (values: number[]) => Math.max(...values) - Math.min(...values);
    const [ours, forum] = frames as [Frame, Frame];
    expect(forum.nonFinite).toBe(false);
    // The data's mean rises by about 20 across x: ours follows it, the forum's stays flat (the marginal).
    expect(range(meanCurve(ours))).toBeGreaterThan(12);
    expect(range(meanCurve(forum))).toBeLessThan(2);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("trains the forum's settings side by side and the diagnostics explain what went wrong", async () => {
    const { page, problems } = await openPage();
    await page.check('#forum');
    await page.waitForFunction(() => (globalThis as unknown as { mdnDemo: Demo }).mdnDemo.frames().length === 2);
    await page.click('#start');
    await page.waitForFunction(
      () => ((globalThis as unknown as { mdnDemo: Demo }).mdnDemo.frames()[1]?.steps ?? 0) >= 400,
      undefined,
      { timeout: 150_000 },
    );
    await page.click('#pause');
    await page.waitForFunction(() =>
      document.getElementById('diagnosis')?.textContent?.includes("the forum's settings"),
    );
    const diagnosis = (await page.textContent('#diagnosis'))!;
    const forum = diagnosis.slice(diagnosis.indexOf("the forum's settings"));
    // The forum's way ends in NaN (σ underflow) or in a model that ignores x; either way the panel says so.
    expect(forum).toMatch(/status: (problem|warning)/);
    expect(forum).toMatch(/→ /);
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, 'web-demo-forum-side-by-side.png'), fullPage: true });
    await page.close();
  });

  it('trains on points drawn with the mouse, and on a loaded CSV with chosen columns', async () => {
    const { page, problems } = await openPage();
    await page.selectOption('#dataset', 'draw');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('click the plot'));
    const canvas = page.locator('canvas.density').first();
    const box = (await canvas.boundingBox())!;
    for (let i = 0; i < 14; i++) {
      // a rising line of points across the plot
      await canvas.click({ position: { x: box.width * (0.12 + 0.055 * i), y: box.height * (0.85 - 0.05 * i) } });
    }
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('backend'));
    await trainUntil(page, 4);
    expect((await steps(page))!.losses.every(([, l]) => Number.isFinite(l))).toBe(true);

    const rows = Array.from(
      { length: 300 },
      (_, i) => `${i},${(i / 30).toFixed(3)},${(Math.sin(i / 30) * 3 + (i % 7) * 0.1).toFixed(3)}`,
    );
    await page.setInputFiles('#csv', {
      name: 'waves.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`id,t,signal\n${rows.join('\n')}\n`),
    });
    await page.selectOption('#csv-x', '1');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('backend'));
    await trainUntil(page, 4);
    expect(await page.inputValue('#csv-y')).toBe('2');
    expect((await steps(page))!.losses.every(([, l]) => Number.isFinite(l))).toBe(true);
    // A big file (90 000 rows, as a spreadsheet export with semicolons) trains too: no argument-spreading of the
    // rows anywhere (that overflowed the stack past ~65 000 values in Chromium).
    const big = Array.from(
      { length: 90_000 },
      (_, i) => `${(i / 9000).toFixed(4)};${(Math.sin(i / 9000) * 2 + (i % 11) * 0.05).toFixed(4)}`,
    );
    await page.setInputFiles('#csv', {
      name: 'big.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`x;y\n${big.join('\n')}\n`),
    });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('backend'));
    await trainUntil(page, 2);
    expect((await steps(page))!.losses.every(([, l]) => Number.isFinite(l))).toBe(true);
    expect(await page.textContent('#error')).toBe('');
    // A decimal comma is named as such: such a column is text, not numbers, and cannot be the target.
    const eu = Array.from({ length: 12 }, (_, i) => `${i};${i},5`).join('\n');
    await page.setInputFiles('#csv', { name: 'eu.csv', mimeType: 'text/csv', buffer: Buffer.from(`x;y\n${eu}\n`) });
    await page.waitForFunction(() => document.getElementById('error')?.textContent?.includes('decimal comma'));
    // A text column chosen as the target is refused, naming it.
    const words = Array.from({ length: 12 }, (_, i) => `${i},${['low', 'high', 'mid'][i % 3]}`).join('\n');
    await page.setInputFiles('#csv', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`a,b\n${words}\n`) });
    await page.waitForFunction(() => document.getElementById('error')?.textContent?.includes("'b' holds text"));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('trains on a table with text columns and missing cells: a categorical x is one column of the picture per level', async () => {
    const { page, problems } = await openPage();
    const species = ['Adelie', 'Gentoo', 'Chinstrap'];
    const rows = Array.from({ length: 240 }, (_, i) => {
      const s = i % 3;
      const mass = i % 37 === 5 ? 'NA' : String(3500 + 1200 * (s === 1 ? 1 : 0) + ((i * 53) % 400));
      const flipper = i % 29 === 3 ? '' : String(185 + 20 * s + ((i * 17) % 10));
      return `${species[s]},${i % 2 ? 'MALE' : 'FEMALE'},${flipper},${mass}`;
    });
    await page.setInputFiles('#csv', {
      name: 'birds.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`species,sex,flipper,mass\n${rows.join('\n')}\n`),
    });
    await page.selectOption('#csv-x', '0');
    await page.waitForFunction(() =>
      document.getElementById('status')?.textContent?.includes("without a 'mass' left out"),
    );
    expect(await page.textContent('#status')).toContain("birds.csv: 7 rows without a 'mass' left out");
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('backend'));
    await trainUntil(page, 10);
    const frame = (await steps(page))!;
    expect(frame.xs).toEqual([0, 1, 2]);
    expect(frame.losses.every(([, l]) => Number.isFinite(l))).toBe(true);
    // Gentoo (level 1) is the heavy one: its column's mixture sits higher.
    const k = frame.components;
    const meanOf = (row: number) => {
      let total = 0;
      for (let j = 0; j < k; j++) total += Math.exp(frame.logWeights[row * k + j]!) * frame.means[row * k + j]!;
      return total;
    };
    expect(meanOf(1)).toBeGreaterThan(meanOf(0) + 300);
    // A numeric x with empty cells trains too (the model fills them in).
    await page.selectOption('#csv-x', '2');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('backend'));
    await trainUntil(page, 2);
    expect((await steps(page))!.losses.every(([, l]) => Number.isFinite(l))).toBe(true);
    expect(await page.textContent('#error')).toBe('');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('loads a model trained by `mdn train` and gives the same densities as in Node', async () => {
    // The real CLI binary (a devDependency, so turbo builds it first).
    const cli = path.join(path.dirname(createRequire(import.meta.url).resolve('@mdn/cli/package.json')), 'dist/mdn.js');
    const modelFile = path.join(mkdtempSync(path.join(tmpdir(), 'mdn-demo-')), 'cli-trained.mdn.json');
    const run = spawnSync(
      process.execPath,
      [
        cli,
        'train',
        '--example',
        '--rows',
        '400',
        '--epochs',
        '5',
        '--seed',
        '2',
        '--out',
        modelFile,
        '--quiet',
        '--force',
      ],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const text = readFileSync(modelFile, 'utf8');
    await useBackend(cpuBackend());
    const model = loadModel(text);
    const points: [number, number][] = [
      [1, 3],
      [5, 11],
      [9, 19],
      [9, 30],
    ];
    const expected = Array.from(
      await model.logProb(
        points.map(([x]) => [x]),
        points.map(([, y]) => [y]),
      ),
    );
    model.dispose();

    const { page, problems } = await openPage();
    await page.setInputFiles('#model-file', {
      name: 'cli.mdn.json',
      mimeType: 'application/json',
      buffer: Buffer.from(text),
    });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('loaded cli.mdn.json'));
    const actual = await page.evaluate((p) => (globalThis as unknown as { mdnDemo: Demo }).mdnDemo.density(p), points);
    for (const [i, value] of actual.entries()) expect(value).toBeCloseTo(expected[i]!, 4);

    // A model file of format version 1 (written before full covariance existed) loads the same way.
    const versionOne = readFileSync(
      path.resolve(import.meta.dirname, '../../../packages/core/src/model/fixtures/forum-toy.v1.mdn.json'),
      'utf8',
    );
    const old = loadModel(versionOne);
    const expectedOld = Array.from(
      await old.logProb(
        points.map(([x]) => [x]),
        points.map(([, y]) => [y]),
      ),
    );
    old.dispose();
    await page.setInputFiles('#model-file', {
      name: 'v1.mdn.json',
      mimeType: 'application/json',
      buffer: Buffer.from(versionOne),
    });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('loaded v1.mdn.json'));
    const actualOld = await page.evaluate(
      (p) => (globalThis as unknown as { mdnDemo: Demo }).mdnDemo.density(p),
      points,
    );
    for (const [i, value] of actualOld.entries()) expect(value).toBeCloseTo(expectedOld[i]!, 4);
    expect(problems).toEqual([]);
    await page.close();
  });
});
