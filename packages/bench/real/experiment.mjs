// Quick side-by-side of training options on the real data sets (a development tool behind bench:real's defaults):
//   node real/experiment.mjs --datasets boston,wages --splits 5 '{"patience":10}' '{}'
// Prints, per data set and option set, the mean test NLL over the same seeded 90/10 splits bench:real uses, and
// the paired difference (mean ± standard error over the splits) from the first option set and from PyTorch.
// Data sets: bench:real's seven, and the development sets of datasets.mjs (movies, gapminder, seattle, health,
// earthquakes, windvectors, wind, co2; engel, star98, grunfeld, sunspots, anes96, fair from Debian's python3-statsmodels) to
// check that a change is not tuned to bench:real's.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { wasmBackend } from '@mdn/backend-wasm';
import { train, useBackend } from '@mdn/core';
import { DEVELOPMENT_DATASETS, REAL_DATASETS } from './datasets.mjs';
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
  const load = REAL_DATASETS[name] ?? DEVELOPMENT_DATASETS[name];
  if (!load) {
    const known = [...Object.keys(REAL_DATASETS), ...Object.keys(DEVELOPMENT_DATASETS)].join(', ');
    throw new Error(`unknown data set '${name}'; known: ${known}`);
  }
  const data = load();
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
  let reference = null;
  if (cached.length > 0) {
    const { results } = JSON.parse(readFileSync(path.join(cacheFolder, cached[0]), 'utf8'));
    const nll = splits.map((split) => {
      return score(
        torchMixture(results[split.seed]),
        split.test.map((i) => data.y[i]),
      ).nll;
    });
    const mean = nll.reduce((a, b) => a + b, 0) / nll.length;
    console.log(`${name.padEnd(11)} ${mean.toFixed(3)}  PyTorch reference`);
    console.log(`${''.padEnd(11)} splits [${nll.map((v) => v.toFixed(2)).join(' ')}]`);
    reference = nll;
  }
  let first = null;
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
    const versus = [
      `vs first ${first ? paired(nll, first) : '(this)         '}`,
      `vs PyTorch ${reference ? paired(nll, reference) : '(none cached)  '}`,
    ];
    console.log(
      `${name.padEnd(11)} ${mean.toFixed(3)}  ${versus.join('  ')}  ${(seconds / splits.length).toFixed(1)} s  ${JSON.stringify(options)}`,
    );
    console.log(`${''.padEnd(11)} splits [${nll.map((v) => v.toFixed(2)).join(' ')}]  epochs [${epochs.join(' ')}]`);
    first ??= nll;
  }
}

/** Mean ± standard error of the per-split differences a − b (negative: a is better). */
function paired(a, b) {
  const d = a.map((v, i) => v - b[i]);
  const mean = d.reduce((s, v) => s + v, 0) / d.length;
  const se =
    d.length > 1 ? Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / (d.length - 1) / d.length) : Number.NaN;
  return `${mean >= 0 ? '+' : ''}${mean.toFixed(3)} ± ${se.toFixed(3)}`;
}
