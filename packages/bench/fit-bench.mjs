// End to end: the default fit of the forum's toy (10 000 rows, `train(x, y)` with nothing set, on the active
// backend) against the same steps in PyTorch (fit-torch.py: the same widths, activation, K, batch size and learning
// rate, standardised data, validation once per epoch). Wall-clock seconds each, and each fit's validation NLL.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { forumToy, train } from '@mdn/core';

/**
 * Prints and returns `{ rows, steps, batchSize, oursSeconds, oursValidationNll, torch: [{ threads, seconds,
 * validationNll, ratio }] }`. `python` null: ours alone.
 */
export async function endToEnd({ python, threads, environment, optimisedBlas, log, rows = 10_000, seed = 1 }) {
  const data = forumToy({ rows, seed });
  const started = performance.now();
  const result = await train(data.x, data.y, { seed });
  const oursSeconds = (performance.now() - started) / 1000;
  const { plan } = result;
  const summary = {
    rows,
    steps: result.steps,
    batchSize: plan.batchSize,
    oursSeconds,
    oursValidationNll: result.finalLoss.validation,
    torch: [],
  };
  result.model.dispose();
  log(
    `\nend to end: the default fit of the forum's toy (${rows.toLocaleString('en-US')} rows; hidden ` +
      `[${plan.model.hidden.join(', ')}] ${plan.model.activation}, K = ${plan.model.components}, batch ` +
      `${plan.batchSize}, ${result.steps} steps, ${result.stopReason})`,
  );
  log(
    `  ours (one thread): ${oursSeconds.toFixed(2)} s, validation NLL ${result.finalLoss.validation?.toFixed(4)} ` +
      '(k-means start, noise, schedule, early stopping and the restore included)',
  );
  if (!python) {
    log('  PyTorch: not run');
    return summary;
  }
  const script = path.join(import.meta.dirname, 'fit-torch.py');
  for (const count of threads) {
    const spec = {
      rows,
      seed,
      threads: count,
      steps: result.steps,
      batchSize: plan.batchSize,
      hidden: plan.model.hidden,
      activation: plan.model.activation,
      components: plan.model.components,
      learningRate: plan.learningRate,
      scaleFloor: plan.model.scaleFloor,
      validationRows: plan.validationRows,
    };
    const blas = execFileSync(
      python,
      [
        '-c',
        'import torch, json; torch.mm(torch.ones(8, 8), torch.ones(8, 8)); print(json.dumps(open("/proc/self/maps").read().split()))',
      ],
      { encoding: 'utf8', env: environment(count), maxBuffer: 64 * 2 ** 20 },
    );
    const libraries = JSON.parse(blas).filter((word) => /blas|mkl|blis/.test(word));
    const out = JSON.parse(
      execFileSync(python, [script, JSON.stringify(spec)], { encoding: 'utf8', env: environment(count) }).trim(),
    );
    const ratio = optimisedBlas(libraries) ? oursSeconds / out.seconds : null;
    summary.torch.push({ threads: count, seconds: out.seconds, validationNll: out.validationNll, ratio });
    log(
      `  PyTorch, ${count} thread(s), the same ${out.steps} steps: ${out.seconds.toFixed(2)} s, validation NLL ` +
        `${out.validationNll.toFixed(4)} (plain Adam, constant rate); ours/PyTorch ` +
        (ratio === null ? '— (PyTorch loads the reference BLAS)' : ratio.toFixed(2)),
    );
  }
  return summary;
}
