#!/usr/bin/env node
// pnpm bench:speed — one training step of the forum's net (1→128→128→15 ReLU, k = 5, D = 1: forward, mixture NLL,
// backward, Adam) on every backend this process has, at batch 64, 1024 and 4096, median of many steps after
// warm-up; side by side with the same step in PyTorch (Debian's python3-torch) on one thread and on every core,
// with the BLAS library torch really loaded named (no ratio is printed against the unoptimised reference BLAS).
// Also the straightforward tfjs step (autodiff through plain ops, tf.train.adam) as the "before" figure, our step
// on plain ops (the reference path), prediction throughput (the web demo's 256×256 density grid, exact
// quantiles), the default fit of the forum's toy end to end against the same steps in PyTorch, peak memory, and
// the same step on webgl and wasm in headless Chromium.
//   node speed.mjs [--batches 64,1024,4096] [--seconds 2] [--backends cpu,wasm,node] [--json] [--no-torch]
//                  [--no-browser] [--no-fit]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { cpuBackend } from '@mdn/backend-cpu';
import { nodeBackend } from '@mdn/backend-node';
import { wasmBackend } from '@mdn/backend-wasm';
import { MixtureDensityNetwork, useBackend } from '@mdn/core';
import * as tf from '@tensorflow/tfjs-core';
import { endToEnd } from './fit-bench.mjs';
import { measureGrid, measureSteps } from './step-bench.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const json = args.includes('--json');
const batches = flag('batches', '64,1024,4096').split(',').map(Number);
const seconds = Number(flag('seconds', '2'));
const backendNames = flag('backends', 'cpu,wasm,node').split(',');
const log = (...parts) => {
  if (!json) console.log(...parts);
};

const cores = availableParallelism();

/** The python3 that has torch, or null. */
function torchPython() {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
      return python;
    } catch {}
  }
  return null;
}

/**
 * Whether torch's BLAS is an optimised one. The reference (netlib) BLAS is several times slower than what a pip or
 * conda user gets (MKL or OpenBLAS), so a ratio against it says nothing.
 */
export function optimisedBlas(libraries) {
  return libraries.some((library) => /openblas|mkl|blis|atlas/i.test(library));
}

/** Environment for a torch run with `threads` threads (a generic-BLAS torch does not tell OpenBLAS its count). */
export function torchEnvironment(threads) {
  const count = String(threads);
  return { ...process.env, OMP_NUM_THREADS: count, OPENBLAS_NUM_THREADS: count, MKL_NUM_THREADS: count };
}

function torchFigures(threads) {
  if (args.includes('--no-torch')) return { reason: '--no-torch given' };
  const python = torchPython();
  if (!python) return { reason: 'python3 with torch not found (Debian: apt-get install python3-torch)' };
  const script = path.join(import.meta.dirname, 'step-torch.py');
  const out = execFileSync(python, [script, batches.join(','), String(seconds), String(threads)], {
    encoding: 'utf8',
    env: torchEnvironment(threads),
  });
  const [about, ...rows] = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const blas = about.blas.length > 0 ? about.blas.join(', ') : 'no BLAS library found in the process';
  if (!optimisedBlas(about.blas)) {
    return {
      reason:
        `PyTorch ${about.torch} loads the reference BLAS (${blas}), not an optimised one: no ratio is printed. ` +
        'Run `bash tooling/scripts/ensure-openblas.sh` (Debian: apt-get install libopenblas0-pthread)',
    };
  }
  return {
    python,
    version: about.torch,
    threads: about.threads,
    blas,
    byBatch: new Map(rows.map((r) => [r.batch, r.msPerStep])),
  };
}

const results = [];
const fmt = (ms) => (ms === null || ms === undefined ? '       —' : ms.toFixed(2).padStart(8));
function report(label, info, rows, gridMs, torch) {
  const detected = [info.simd ? 'SIMD' : null, `${info.threads} thread(s)`, `float${info.floatPrecision}`]
    .filter(Boolean)
    .join(', ');
  log(`\n${label}: ${detected}; fused kernels: ${info.fusedKernels.join(', ') || 'none'}`);
  log(
    `batch   straightforward   ours (plain ops)   ours (fused)   PyTorch 1 thread   ours/PyTorch   PyTorch ${cores} threads   ours/PyTorch`,
  );
  const ratio = (ours, theirs) => (ours !== null && theirs ? ours / theirs : null);
  for (const row of rows) {
    const one = torch.one.byBatch?.get(row.batch) ?? null;
    const all = torch.all.byBatch?.get(row.batch) ?? null;
    const ratioOne = ratio(row.msPerStep, one);
    const ratioAll = ratio(row.msPerStep, all);
    log(
      `${String(row.batch).padStart(5)}   ${fmt(row.straightforwardMs)}          ${fmt(row.plainMs)}        ${fmt(row.fusedMs)}           ${fmt(one)}       ${ratioOne ? ratioOne.toFixed(2).padStart(5) : '    —'}           ${fmt(all)}       ${ratioAll ? ratioAll.toFixed(2).padStart(5) : '    —'}`,
    );
    results.push({
      backend: label,
      threads: info.threads,
      batch: row.batch,
      msPerStep: row.msPerStep,
      ratioVsTorchOneThread: ratioOne,
      ratioVsTorchAllThreads: ratioAll,
    });
  }
  log(
    `prediction: 256×256 density grid in ${gridMs.toFixed(1)} ms (${((65536 / gridMs) * 1000).toExponential(2)} densities/s)`,
  );
}

/**
 * PyTorch's figures, the faster of two runs per batch size (this machine is shared: a run that met a busy
 * neighbour would flatter us).
 */
function bestTorchFigures(threads) {
  const [first, second] = [torchFigures(threads), torchFigures(threads)];
  if (!first.byBatch || !second.byBatch) return first.byBatch ? first : second;
  const byBatch = new Map(
    [...first.byBatch].map(([batch, ms]) => [batch, Math.min(ms, second.byBatch.get(batch) ?? ms)]),
  );
  return { ...first, byBatch };
}

const torch = { one: bestTorchFigures(1), all: bestTorchFigures(cores) };
log('Training-step benchmark: forum net 1→128→128→15 (ReLU), k = 5, D = 1; median ms per step after warm-up');
for (const figures of [torch.one, torch.all]) {
  log(
    figures.byBatch
      ? `PyTorch ${figures.version} (${figures.python}), ${figures.threads} thread(s), best of 2 runs, BLAS: ${figures.blas}`
      : `PyTorch: ${figures.reason}`,
  );
}
log(
  `ours: one thread in Node (tfjs-backend-wasm never starts threads in Node); the ${cores}-thread ratio compares that ` +
    `thread with PyTorch on all ${cores} cores`,
);
const adapters = { cpu: () => cpuBackend(), wasm: () => wasmBackend(), node: () => nodeBackend() };
let peakRss = process.memoryUsage().rss;
for (const name of backendNames) {
  const info = await useBackend(adapters[name]());
  const label = name === 'node' ? `node→${info.tfjsBackend} (Node)` : `${name} (Node)`;
  const rows = measureSteps({
    batches,
    seconds,
    fused: info.fusedKernels.length > 0,
    // The cpu backend takes seconds per step at 4096; its references add nothing there.
    skipReferences: (size) => info.tfjsBackend === 'cpu' && size > 1024,
  });
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  report(label, info, rows, await measureGrid(), torch);
  if (tf.memory().numTensors > 0) log(`(tfjs still holds ${tf.memory().numTensors} tensors after the run)`);
}
log(`\npeak resident memory of this process: ${(peakRss / 2 ** 20).toFixed(0)} MiB`);

// Exact quantiles on the host (float64, one thread): three levels for 1 000 000 predicted mixtures, as
// `mdn predict --quantiles 0.05,0.5,0.95` computes them. Target: ≤ 3 s.
{
  await useBackend(wasmBackend());
  const rows = 1_000_000;
  const model = MixtureDensityNetwork.create(
    { inputDimension: 1, outputDimension: 1, hidden: [128, 128] },
    { seed: 3 },
  );
  const x = { data: Float64Array.from({ length: rows }, (_, i) => (10 * i) / rows), rows, columns: 1 };
  let started = performance.now();
  const host = await model.predictHost(x);
  const predictSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  host.quantile([0.05, 0.5, 0.95]);
  const quantileSeconds = (performance.now() - started) / 1000;
  model.dispose();
  log(
    `\nquantiles: 3 exact quantiles of ${rows.toLocaleString('en-US')} mixtures (k = 5) in ${quantileSeconds.toFixed(2)} s ` +
      `(${((3 * rows) / quantileSeconds).toExponential(2)} quantiles/s, one thread; target ≤ 3 s); ` +
      `predicting the mixtures took ${predictSeconds.toFixed(2)} s on wasm`,
  );
  results.push({ backend: 'host', quantilesPerSecond: (3 * rows) / quantileSeconds });
}

if (!args.includes('--no-fit')) {
  await useBackend(wasmBackend());
  const python = args.includes('--no-torch') ? null : torchPython();
  const fit = endToEnd({ python, threads: [1, cores], environment: torchEnvironment, optimisedBlas, log });
  results.push({ backend: 'fit', ...(await fit) });
}

if (!args.includes('--no-browser')) await browserBench();

if (json) console.log(JSON.stringify(results));

/** The same step in headless Chromium (Debian's chromium through playwright-core), on webgl and wasm. */
async function browserBench() {
  let executable;
  let chromiumArgs;
  try {
    const chromium = await import('@mdn/vitest-config/chromium');
    executable = chromium.chromiumExecutable();
    chromiumArgs = chromium.CHROMIUM_ARGS;
  } catch (error) {
    log(`\nbrowser: skipped (${error.message})`);
    return;
  }
  const { build } = await import('esbuild');
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(path.join(tmpdir(), 'mdn-speed-browser-'));
  await build({
    entryPoints: [path.join(import.meta.dirname, 'browser-entry.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: path.join(dir, 'bench.js'),
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const wasmDir = path.join(
    path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  for (const file of [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ]) {
    copyFileSync(path.join(wasmDir, file), path.join(dir, file));
  }
  const html =
    '<!doctype html><meta charset="utf-8"><title>mdn speed</title><script type="module" src="/bench.js"></script>';
  const server = createServer((request, response) => {
    const name = (request.url ?? '/').split('?')[0];
    if (name === '/') {
      response.setHeader('Content-Type', 'text/html');
      response.end(html);
      return;
    }
    try {
      const body = readFileSync(path.join(dir, path.basename(name)));
      response.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
      response.end(body);
    } catch {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: executable, args: chromiumArgs });
  try {
    for (const backend of ['wasm', 'webgl']) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      await page.waitForFunction(() => globalThis.benchReady === true);
      const out = await page.evaluate((options) => globalThis.runBench(options), {
        backend,
        batches,
        seconds: Math.min(seconds, 1.5),
      });
      const version = await browser.version();
      report(`${backend} (Chromium ${version.split('.')[0]})`, out.info, out.rows, out.gridMs, torch);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
