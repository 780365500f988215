#!/usr/bin/env node
// Fit-quality benchmark: synthetic datasets with known true conditional densities; quality is the excess NLL
// (model test NLL − true NLL, nats per point). Defaults only: the library's `train(x, y, { seed })`.
//
//   pnpm bench:fit [--datasets a,b] [--seeds 5] [--rows 10000] [--test-rows 10000] [--backend wasm|cpu] [--out file.json]
//                  [--options '{"model":{"covariance":"full","components":"auto"}}']  (train options beside the seed)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { DATASETS, diagnose, train } from '@mdn/core';

const { values } = parseArgs({
  options: {
    datasets: {
      type: 'string',
      default: 'forum-toy,forum-toy-unit,bishop-inverse,linear-gaussian,econ-density,circle-2d',
    },
    seeds: { type: 'string', default: '5' },
    rows: { type: 'string', default: '10000' },
    'test-rows': { type: 'string', default: '10000' },
    backend: { type: 'string', default: 'wasm' },
    options: { type: 'string', default: '{}' },
    out: { type: 'string', default: path.resolve(import.meta.dirname, '../../../artifacts/bench-fit.json') },
  },
});
await tf.setBackend(values.backend);
const names = values.datasets.split(',');
for (const name of names)
  if (!DATASETS[name]) throw new Error(`unknown dataset '${name}'; known: ${Object.keys(DATASETS).join(', ')}`);
const seeds = Number(values.seeds);
const rows = Number(values.rows);
const testRows = Number(values['test-rows']);
const extra = JSON.parse(values.options);

// The forum toys' true standard deviation, 0.2 + 0.5x, checked at the 10th, 50th and 90th percentile of x.
const trueSd = { 'forum-toy': (x) => 0.2 + 0.5 * x, 'forum-toy-unit': (x) => 0.2 + 0.5 * x };
const xMax = { 'forum-toy': 10, 'forum-toy-unit': 1 };

console.log(
  `fit-quality benchmark: backend ${tf.getBackend()}, ${rows} training rows, ${testRows} test rows, ${seeds} seeds, ` +
    `${values.options === '{}' ? 'defaults only' : `options ${values.options}`}`,
);
const header = [
  'dataset',
  'seed',
  'excess NLL',
  'model NLL',
  'true NLL',
  'epochs',
  'seconds',
  'diagnosis',
  'sd(x) ratios @10/50/90%',
  'K',
];
console.log(header.join('\t'));
const results = [];
for (const name of names) {
  for (let seed = 1; seed <= seeds; seed++) {
    const trainSet = DATASETS[name]({ rows, seed: 1000 + seed });
    const testSet = DATASETS[name]({ rows: testRows, seed: 5000 + seed });
    const started = performance.now();
    const result = await train(trainSet.x, trainSet.y, {
      ...extra,
      seed,
      columns: { x: trainSet.inputColumns, y: trainSet.targetColumns },
    });
    const seconds = (performance.now() - started) / 1000;
    const logProb = await result.model.logProb(testSet.x, testSet.y);
    let modelNll = 0;
    let trueNll = 0;
    for (let i = 0; i < testRows; i++) {
      modelNll -= logProb[i] / testRows;
      trueNll -= testSet.trueLogProb[i] / testRows;
    }
    const diagnosis = await diagnose(result.model, testSet.x, testSet.y);
    let sdRatios = null;
    let sdGrows = null;
    if (trueSd[name]) {
      const xs = [0.1, 0.5, 0.9].map((q) => q * xMax[name]);
      const host = await result.model.predictHost(xs.map((x) => [x]));
      const sd = Array.from(host.variance(), Math.sqrt);
      sdRatios = sd.map((s, i) => s / trueSd[name](xs[i]));
      sdGrows = sd[0] < sd[1] && sd[1] < sd[2];
    }
    const row = {
      dataset: name,
      seed,
      excessNll: modelNll - trueNll,
      modelNll,
      trueNll,
      epochs: result.epochs,
      bestEpoch: result.bestEpoch,
      stopReason: result.stopReason,
      seconds,
      diagnosis: diagnosis.status,
      findings: diagnosis.findings.map((f) => f.code),
      collapsed:
        diagnosis.findings.some((f) => f.code === 'ignores-input') || diagnosis.metrics.gainOverUnconditional <= 0,
      gainOverUnconditional: diagnosis.metrics.gainOverUnconditional,
      binCalibrationErrors: diagnosis.metrics.binCalibrationErrors,
      sdRatios,
      sdGrows,
      components: result.model.config.components,
      componentSearch: result.componentSearch ?? null,
    };
    results.push(row);
    console.log(
      [
        name,
        seed,
        row.excessNll.toFixed(4),
        modelNll.toFixed(4),
        trueNll.toFixed(4),
        `${row.epochs} (best ${row.bestEpoch})`,
        seconds.toFixed(1),
        `${row.diagnosis}${row.findings.length ? ` [${row.findings.join(',')}]` : ''}`,
        sdRatios ? `${sdRatios.map((r) => r.toFixed(2)).join(' ')}${sdGrows ? ' grows' : ' DOES NOT GROW'}` : '-',
        result.model.config.components,
      ].join('\t'),
    );
    result.model.dispose();
  }
}

console.log('\nsummary (excess NLL, nats/point)');
for (const name of names) {
  const mine = results.filter((r) => r.dataset === name);
  const excess = mine.map((r) => r.excessNll);
  const mean = excess.reduce((a, b) => a + b, 0) / excess.length;
  console.log(
    `${name}\tmean ${mean.toFixed(4)}\tmax ${Math.max(...excess).toFixed(4)}\tcollapsed seeds ${mine.filter((r) => r.collapsed).length}/${mine.length}` +
      `${mine[0].sdGrows === null ? '' : `\tsd grows with x in ${mine.filter((r) => r.sdGrows).length}/${mine.length}`}`,
  );
}
const forum = results.filter((r) => r.dataset === 'forum-toy');
if (forum.length > 0) {
  const ok = forum.every((r) => r.excessNll <= 0.03);
  console.log(
    `target: forum-toy excess ≤ 0.03 in every seed: ${ok ? 'MET' : 'NOT MET'} (max ${Math.max(...forum.map((r) => r.excessNll)).toFixed(4)})`,
  );
}
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify({ backend: tf.getBackend(), rows, testRows, seeds, results }, null, 2)}\n`);
console.log(`wrote ${values.out}`);
