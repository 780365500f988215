#!/usr/bin/env node
// pnpm bench:speed — one training step of the forum's net (1→128→128→15 ReLU, k = 5, D = 1: forward, mixture NLL,
// backward, Adam) on every backend this process has, at batch 64, 1024 and 4096, median of many steps after warm-up;
// side by side with the same step in PyTorch on one thread when python3 has torch (Debian's python3-torch).
// Also: the straightforward tfjs step (autodiff through plain ops, tf.train.adam) as the "before" reference,
// prediction throughput (the web demo's 256×256 density grid) and peak memory.
//   node speed.mjs [--batches 64,1024,4096] [--seconds 2] [--backends cpu,wasm,node] [--json] [--no-torch]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { cpuBackend } from '@mdn/backend-cpu';
import { nodeBackend } from '@mdn/backend-node';
import { wasmBackend } from '@mdn/backend-wasm';
import { MixtureDensityNetwork, TrainingStep, useBackend } from '@mdn/core';
import * as tf from '@tensorflow/tfjs-core';

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

/** The forum's net in our model class (ReLU trunk 128,128, k = 5, D = 1). */
function forumNet(seed) {
  return MixtureDensityNetwork.create(
    { inputDimension: 1, outputDimension: 1, components: 5, hidden: [128, 128], activation: 'relu' },
    { seed, initialization: 'naive' },
  );
}

function batch(size) {
  return tf.tidy(() => {
    const x = tf.mul(tf.randomUniform([size, 1], 0, 1, 'float32', 1), tf.scalar(10));
    const y = tf.add(
      tf.add(tf.mul(x, 2), 1),
      tf.mul(tf.add(tf.mul(x, 0.5), 0.2), tf.randomNormal([size, 1], 0, 1, 'float32', 2)),
    );
    // standardised, as the trainer feeds them
    return { x: tf.div(tf.sub(x, 5), 2.9), y: tf.div(tf.sub(y, 11), 6.5) };
  });
}

/** Median milliseconds of `step()` over at least `seconds` and 15 runs, after 5 warm-up runs. */
function timeSteps(step, sync) {
  for (let i = 0; i < 5; i++) step();
  sync();
  const times = [];
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || times.length < 15) {
    const t0 = performance.now();
    step();
    sync();
    times.push(performance.now() - t0);
    if (times.length >= 2000) break;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], steps: times.length };
}

/** The straightforward tfjs step: autodiff through plain ops and tf.train.adam (the "before" figure). */
function naiveRunner(model, x, y) {
  const optimizer = tf.train.adam(1e-3);
  const variables = model.variables;
  return {
    step: () => {
      const cost = optimizer.minimize(() => model.mixtureStandardised(x).nll(y), true, variables);
      cost.dataSync();
      cost.dispose();
    },
    sync: () => {},
    dispose: () => optimizer.dispose(),
  };
}

function oursRunner(model, x, y, plain) {
  const trainer = new TrainingStep(model, { clipNorm: Number.POSITIVE_INFINITY, plain });
  return {
    step: () => trainer.run(x, y, 1e-3),
    // One read of the device-side counters per step, so the figure includes finishing the work.
    sync: () => trainer.readStats(),
    dispose: () => trainer.dispose(),
    fused: trainer.fused,
  };
}

function torchFigures() {
  if (args.includes('--no-torch')) return { reason: '--no-torch' };
  const script = path.join(import.meta.dirname, 'step-torch.py');
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    } catch {
      continue;
    }
    const out = execFileSync(python, [script, batches.join(','), String(seconds)], { encoding: 'utf8' });
    const rows = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    return { python, version: rows[0]?.torch, byBatch: new Map(rows.map((r) => [r.batch, r.msPerStep])) };
  }
  return { reason: 'python3 with torch not found (Debian: apt-get install python3-torch)' };
}

const adapters = { cpu: () => cpuBackend(), wasm: () => wasmBackend(), node: () => nodeBackend() };
const results = [];
const torch = torchFigures();
log('Training-step benchmark: forum net 1→128→128→15 (ReLU), k = 5, D = 1; median ms per step after warm-up');
log(
  torch.byBatch
    ? `PyTorch ${torch.version} (${torch.python}), 1 thread, same step`
    : `PyTorch: ${torch.reason}; ours alone`,
);
let peakRss = process.memoryUsage().rss;
for (const name of backendNames) {
  const info = await useBackend(adapters[name]());
  const label = name === 'node' ? `node→${info.tfjsBackend}` : name;
  log(
    `\n${label}: ${info.simd ? 'SIMD, ' : ''}${info.threads} thread(s), fused kernels: ${info.fusedKernels.join(', ') || 'none'}`,
  );
  log('batch   straightforward   ours (plain ops)   ours (fused)   PyTorch   ours/PyTorch');
  for (const size of batches) {
    const { x, y } = batch(size);
    const measure = (make) => {
      const model = forumNet(1);
      const runner = make(model);
      const figure = timeSteps(runner.step, runner.sync);
      runner.dispose();
      model.dispose();
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      return figure;
    };
    const skipSlow = name === 'cpu' && size > 1024;
    const naive = skipSlow ? null : measure((model) => naiveRunner(model, x, y));
    const plain = skipSlow ? null : measure((model) => oursRunner(model, x, y, true));
    const fused = info.fusedKernels.length > 0 ? measure((model) => oursRunner(model, x, y, false)) : null;
    const best = fused ?? plain;
    const torchMs = torch.byBatch?.get(size) ?? null;
    const ratio = best && torchMs ? best.ms / torchMs : null;
    tf.dispose([x, y]);
    const cell = (f) => (f ? f.ms.toFixed(2).padStart(8) : '       —');
    log(
      `${String(size).padStart(5)}   ${cell(naive)}          ${cell(plain)}          ${cell(fused)}    ${torchMs ? torchMs.toFixed(2).padStart(7) : '      —'}   ${ratio ? ratio.toFixed(2) : '—'}`,
    );
    results.push({
      backend: label,
      batch: size,
      msPerStep: best?.ms ?? null,
      ratioVsTorch: ratio,
      straightforwardMs: naive?.ms ?? null,
      plainMs: plain?.ms ?? null,
      fusedMs: fused?.ms ?? null,
      torchMs,
    });
  }
  // Prediction throughput: the web demo's heatmap, p(y | x) on a 256×256 grid (256 forward rows, 65 536 densities).
  const model = forumNet(1);
  const xs = Array.from({ length: 256 }, (_, i) => [i / 25.5]);
  const grid = async () => {
    const host = await model.predictHost(xs);
    let total = 0;
    for (let i = 0; i < 256; i++) for (let j = 0; j < 256; j++) total += host.pdfAt(i, -10 + j * 0.2);
    return total;
  };
  await grid();
  const t0 = performance.now();
  let runs = 0;
  while (performance.now() - t0 < 1000 || runs < 5) {
    await grid();
    runs++;
  }
  const gridMs = (performance.now() - t0) / runs;
  model.dispose();
  log(
    `prediction: 256×256 density grid in ${gridMs.toFixed(1)} ms (${((65536 / gridMs) * 1000).toExponential(2)} densities/s); tfjs holds ${tf.memory().numTensors} tensors`,
  );
  results.push({ backend: label, batch: 'grid-256x256', msPerStep: gridMs, ratioVsTorch: null });
}
log(`\npeak resident memory of this process: ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
if (json) {
  console.log(
    JSON.stringify(
      results
        .filter((r) => typeof r.batch === 'number')
        .map(({ backend, batch: b, msPerStep, ratioVsTorch }) => ({
          backend,
          batch: b,
          msPerStep,
          ratioVsTorch,
        })),
    ),
  );
}
