#!/usr/bin/env node
// The main job: train an MDN with the library's defaults on the forum's noisy linear toy (the data whose
// forum post collapsed to one prediction for every x) and show what it learned against the truth.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { diagnose, formatDiagnosis, forumToy, train } from '@mdn/core';

await tf.setBackend('wasm');
const data = forumToy({ rows: 10_000, seed: 1 });
const test = forumToy({ rows: 5_000, seed: 2 });
console.log(
  `Training a mixture density network (k = 5, defaults) on ${data.description}, ${data.x.rows} rows, backend ${tf.getBackend()}…`,
);
const result = await train(data.x, data.y, {
  seed: 1,
  columns: { x: data.inputColumns, y: data.targetColumns },
  onEpoch: (e) => {
    if (e.epoch % 10 === 0 || e.epoch === 1) {
      console.log(
        `  epoch ${String(e.epoch).padStart(3)}  train NLL ${e.trainLoss.toFixed(4)}  validation NLL ${e.validationLoss?.toFixed(4)}  ${e.stepsPerSecond.toFixed(0)} steps/s`,
      );
    }
  },
});
const { model } = result;
const nll = await model.nll(test.x, test.y);
let trueNll = 0;
for (const v of test.trueLogProb) trueNll -= v / test.trueLogProb.length;
console.log(
  `\nStopped after ${result.epochs} epochs (${result.stopReason}, best epoch ${result.bestEpoch}) in ${result.seconds.toFixed(1)} s.` +
    `\nTest NLL ${nll.toFixed(4)} nats/point; the true density scores ${trueNll.toFixed(4)} (excess ${(nll - trueNll).toFixed(4)}).\n`,
);

const xs = Array.from({ length: 11 }, (_, i) => i);
const host = await model.predictHost(xs.map((x) => [x]));
const mean = host.mean();
const sd = Array.from(host.variance(), Math.sqrt);
const q = host.quantile([0.05, 0.5, 0.95]);
const mode = host.mode();
console.log('   x │ mean  (true)  │ sd    (true)  │ 5 %     median  95 %    │ mode');
console.log('─────┼───────────────┼───────────────┼─────────────────────────┼───────');
for (const [i, x] of xs.entries()) {
  const f = (v, w = 6) => v.toFixed(2).padStart(w);
  console.log(
    `${f(x, 4)} │${f(mean[i])} (${f(2 * x + 1, 5)}) │${f(sd[i])} (${f(0.2 + 0.5 * x, 5)}) │${f(q[i * 3])}  ${f(q[i * 3 + 1])}  ${f(q[i * 3 + 2])}  │${f(mode[i])}`,
  );
}
console.log(`\nDiagnosis on held-out data:\n${formatDiagnosis(await diagnose(model, test.x, test.y))}`);
model.dispose();
