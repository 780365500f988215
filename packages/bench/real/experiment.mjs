// Quick side-by-side of training options on the real data sets (a development tool behind bench:real's defaults):
//   node real/experiment.mjs --datasets boston,wages --splits 5 '{"patience":10}' '{}'
// Prints, per data set and option set, the mean test NLL over the same seeded 90/10 splits bench:real uses.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { wasmBackend } from '@mdn/backend-wasm';
import { train, useBackend } from '@mdn/core';
import { REAL_DATASETS } from './datasets.mjs';
import { makeSplits, matrix, score, torchMixture } from './protocol.mjs';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    datasets: { type: 'string', default: 'boston,wages,cars,penguins' },
    splits: { type: 'string', default: '5' },
  },
});
await useBackend(wasmBackend());
const variants = (positionals.length > 0 ? positionals : ['{}']).map((text) => JSON.parse(text));
for (const name of args.datasets.split(',')) {
  const data = REAL_DATASETS[name]();
  const splits = makeSplits(data.y.length, Number(args.splits));
  // The PyTorch reference on the same splits, when bench:real has cached its predictions.
  const cacheFolder = path.resolve(import.meta.dirname, '../../../artifacts/.cache');
  const cached = (() => {
    try {
      return readdirSync(cacheFolder).filter((f) => f.startsWith(`torch-${name}-`));
    } catch {
      return [];
    }
  })();
  if (cached.length > 0) {
    const { results } = JSON.parse(readFileSync(path.join(cacheFolder, cached[0]), 'utf8'));
    const nll = splits.map((split) => {
      return score(
        torchMixture(results[split.seed]),
        split.test.map((i) => data.y[i]),
      ).nll;
    });
    const mean = nll.reduce((a, b) => a + b, 0) / nll.length;
    console.log(`${name.padEnd(9)} ${mean.toFixed(3)}  [${nll.map((v) => v.toFixed(2)).join(' ')}]  PyTorch reference`);
  }
  for (const options of variants) {
    const nll = [];
    const epochs = [];
    let seconds = 0;
    for (const split of splits) {
      const pick = (indices) => ({ x: matrix(indices.map((i) => data.x[i])), y: indices.map((i) => data.y[i]) });
      const trainRows = pick(split.train);
      const testRows = pick(split.test);
      const started = performance.now();
      const result = await train(trainRows.x, trainRows.y, { seed: split.seed, ...options });
      seconds += (performance.now() - started) / 1000;
      epochs.push(result.epochs);
      nll.push(score(await result.model.predictHost(testRows.x), testRows.y).nll);
      result.model.dispose();
    }
    const mean = nll.reduce((a, b) => a + b, 0) / nll.length;
    console.log(
      `${name.padEnd(9)} ${mean.toFixed(3)}  [${nll.map((v) => v.toFixed(2)).join(' ')}]  epochs ${epochs.join(',')}  ${(seconds / splits.length).toFixed(1)} s  ${JSON.stringify(options)}`,
    );
  }
}
