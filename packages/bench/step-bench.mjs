// The training-step measurement shared by the Node benchmark (speed.mjs) and the browser page (browser-entry.mjs):
// the forum's net 1→128→128→15 (ReLU), k = 5, D = 1; median milliseconds per step after warm-up.
import { MixtureDensityNetwork } from '@mdn/core';
import { TrainingStep } from '@mdn/core/adapter';
import * as tf from '@tensorflow/tfjs-core';

function forumNet(seed) {
  return MixtureDensityNetwork.create(
    { inputDimension: 1, outputDimension: 1, components: 5, hidden: [128, 128], activation: 'relu' },
    { seed, initialization: 'naive' },
  );
}

/** A standardised batch of the forum's toy. */
export function toyBatch(size) {
  return tf.tidy(() => {
    const x = tf.mul(tf.randomUniform([size, 1], 0, 1, 'float32', 1), tf.scalar(10));
    const noise = tf.randomNormal([size, 1], 0, 1, 'float32', 2);
    const y = tf.add(tf.add(tf.mul(x, 2), 1), tf.mul(tf.add(tf.mul(x, 0.5), 0.2), noise));
    return { x: tf.div(tf.sub(x, 5), 2.9), y: tf.div(tf.sub(y, 11), 6.5) };
  });
}

/** Median ms of `step()` (then `sync()`) over at least `seconds` and 15 runs, after 5 warm-up runs. */
export function timeSteps(step, sync, seconds) {
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
function straightforward(model, x, y) {
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

function ours(model, x, y, plain) {
  const trainer = new TrainingStep(model, { clipNorm: Number.POSITIVE_INFINITY, plain });
  return {
    step: () => trainer.run(x, y, 1e-3),
    // One read of the device-side counters per step, so the figure includes finishing the work.
    sync: () => trainer.readStats(),
    dispose: () => trainer.dispose(),
  };
}

/**
 * Figures for the active backend at each batch size: straightforward, ours on plain ops, ours with the fused
 * kernels (when the backend has them). `skip(size)` leaves the slow references out.
 */
export function measureSteps({ batches, seconds, fused, skipReferences = () => false }) {
  const rows = [];
  for (const size of batches) {
    const { x, y } = toyBatch(size);
    const measure = (make) => {
      const model = forumNet(1);
      const runner = make(model);
      const figure = timeSteps(runner.step, runner.sync, seconds);
      runner.dispose();
      model.dispose();
      return figure.ms;
    };
    const skip = skipReferences(size);
    const row = {
      batch: size,
      straightforwardMs: skip ? null : measure((model) => straightforward(model, x, y)),
      plainMs: skip ? null : measure((model) => ours(model, x, y, true)),
      fusedMs: fused ? measure((model) => ours(model, x, y, false)) : null,
    };
    row.msPerStep = row.fusedMs ?? row.plainMs;
    tf.dispose([x, y]);
    rows.push(row);
  }
  return rows;
}

/** The web demo's heatmap: p(y | x) on a 256×256 grid (256 network rows, 65 536 densities). Milliseconds. */
export async function measureGrid() {
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
  model.dispose();
  return (performance.now() - t0) / runs;
}
