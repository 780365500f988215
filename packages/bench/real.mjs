#!/usr/bin/env node
// pnpm bench:real — @mdn/core's defaults on real tabular data, side by side with a tuned PyTorch MDN, a
// gradient-boosted heteroscedastic Gaussian (scikit-learn) and a linear heteroscedastic Gaussian, in the same run.
// Raw tables (text columns, missing cells, dates) are read by ours as a user's file is; the references get the same
// encoding (the boosted one its native categorical and missing support). UCI protocol (Hernández-Lobato & Adams 2015; Lakshminarayanan et al.
// 2017): seeded random 90/10 splits; NLL per test point in original units (mean ± standard error over splits),
// CRPS and 90 % interval coverage. Every method's scores come from the same code (its predicted mixture on the
// test rows as a HostMixture). The data sets load from installed npm and Debian packages (real/datasets.mjs).
//
//   pnpm bench:real [--datasets boston,wages] [--splits 20] [--json artifacts/bench-real.json] [--no-torch] [--no-gbm]
//                   [--options '{"ensemble":5}']   (ours with these training options instead of the defaults)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { wasmBackend } from '@mdn/backend-wasm';
import { diagnose, fitLinearHeteroscedastic, train, useBackend } from '@mdn/core';
import { REAL_DATASETS } from './real/datasets.mjs';
import { loadDataset, makeSplits, matrix, oursInputs, score, torchMixture } from './real/protocol.mjs';

const here = import.meta.dirname;
const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: Object.keys(REAL_DATASETS).join(',') },
    splits: { type: 'string', default: '20' },
    json: { type: 'string', default: path.resolve(here, '../../artifacts/bench-real.json') },
    'no-torch': { type: 'boolean', default: false },
    'no-gbm': { type: 'boolean', default: false },
    /** Extra training options for ours, as JSON (for example '{"ensemble":5}'); the defaults otherwise. */
    options: { type: 'string', default: '{}' },
  },
});
const oursOptions = JSON.parse(args.options);
const names = args.datasets.split(',');
for (const name of names) {
  if (!(name in REAL_DATASETS)) {
    console.error(`bench:real: unknown data set '${name}'; choose from ${Object.keys(REAL_DATASETS).join(', ')}`);
    process.exit(2);
  }
}
const splitCount = Number(args.splits);
if (!Number.isInteger(splitCount) || splitCount < 2) {
  console.error(`bench:real: --splits must be a whole number ≥ 2, got '${args.splits}'`);
  process.exit(2);
}

/** Published test NLLs on Boston (Lakshminarayanan et al. 2017, Table 1; Rothfuss et al. 2019). */
const PUBLISHED = {
  boston: [
    ['PBP (Hernández-Lobato & Adams 2015)', 2.57],
    ['MC dropout (Gal & Ghahramani 2016)', 2.46],
    ['Deep Ensembles, 5 nets (Lakshminarayanan et al. 2017)', 2.41],
    ['MDN with noise regularisation (Rothfuss et al. 2019)', 2.49],
  ],
};

/**
 * A Python reference's predictions for every split of one data set (its script reads the job on stdin and writes
 * `{ [versionField], results }`), or a reason why there are none. The references do not change while our defaults
 * are tuned: their predictions are kept, keyed by the job and the script.
 */
function pythonReference(data, { skip, module, install, script, prefix, versionField, job }) {
  if (skip) return { reason: skip };
  const python = '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', `import ${module}`], { stdio: 'ignore' });
  } catch {
    return { reason: `Debian python3 with ${module} not found (apt-get install ${install})` };
  }
  const text = JSON.stringify(job);
  const file = path.join(here, 'real', script);
  const key = createHash('sha256').update(readFileSync(file, 'utf8')).update(text).digest('hex').slice(0, 16);
  const cache = path.resolve(here, `../../artifacts/.cache/${prefix}-${data.name}-${key}.json`);
  if (existsSync(cache)) return { ...JSON.parse(readFileSync(cache, 'utf8')), cached: true };
  const out = execFileSync(python, [file], {
    input: text,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  const parsed = JSON.parse(out);
  mkdirSync(path.dirname(cache), { recursive: true });
  writeFileSync(cache, JSON.stringify({ version: parsed[versionField], results: parsed.results }));
  return { version: parsed[versionField], results: parsed.results };
}

/**
 * The gradient-boosted heteroscedastic Gaussian's predictions (real/gbm_hetero.py, scikit-learn's
 * HistGradientBoostingRegressor with native categorical and missing support) for every split, or why there are none.
 */
const gbmPredictions = (data, splits) =>
  pythonReference(data, {
    skip: args['no-gbm'] ? '--no-gbm' : undefined,
    module: 'sklearn.ensemble',
    install: 'python3-sklearn',
    script: 'gbm_hetero.py',
    prefix: 'gbm',
    versionField: 'sklearn',
    job: { x: data.native.x, categorical: data.native.categorical, y: data.y, splits },
  });

/** PyTorch's predictions for every split of one data set (real/mdn_torch.py), or a reason why there are none. */
const torchPredictions = (data, splits) =>
  pythonReference(data, {
    skip: args['no-torch'] ? '--no-torch' : undefined,
    module: 'torch',
    install: 'python3-torch',
    script: 'mdn_torch.py',
    prefix: 'torch',
    versionField: 'torch',
    job: { x: data.x, y: data.y, splits },
  });

const summary = (values) => {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return { mean, standardError: sd / Math.sqrt(n) };
};

// Every data set loads before anything trains, so a missing package stops the run at once, not hours in.
const loaded = new Map();
for (const name of names) {
  try {
    loaded.set(name, loadDataset(REAL_DATASETS[name]()));
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
}
const backend = await useBackend(wasmBackend());
console.error(`bench:real: ${splitCount} splits of 90/10; ours on ${backend.tfjsBackend} (defaults, seed = split)`);
const report = { splits: splitCount, backend: backend.tfjsBackend, oursOptions, datasets: [] };
for (const name of names) {
  const data = loaded.get(name);
  const splits = makeSplits(data.y.length, splitCount);
  const started = performance.now();
  const torch = torchPredictions(data, splits);
  const torchSeconds = (performance.now() - started) / 1000;
  const gbmStarted = performance.now();
  const gbm = gbmPredictions(data, splits);
  const gbmSeconds = (performance.now() - gbmStarted) / 1000;
  const rows = { ours: [], oursWithoutAtoms: [], torch: [], gbm: [], linear: [] };
  let atoms = [];
  let discrete = null;
  const ours = { seconds: 0, epochs: [], overfit: [], overfitFindings: 0 };
  for (const split of splits) {
    const pick = (indices) => ({
      x: matrix(indices.map((i) => data.x[i])),
      y: indices.map((i) => data.y[i]),
    });
    const trainRows = pick(split.train);
    const testRows = pick(split.test);
    // Ours reads the raw table (its own input schema, fitted on the training rows); the others the encoded one.
    const oursTest = oursInputs(data, split.test);
    const t0 = performance.now();
    const result = await train(oursInputs(data, split.train), trainRows.y, { seed: split.seed, ...oursOptions });
    ours.seconds += (performance.now() - t0) / 1000;
    ours.epochs.push(result.epochs);
    ours.overfit.push((result.finalLoss.validation ?? Number.NaN) - result.finalLoss.train);
    const host = await result.model.predictHost(oursTest);
    const oursTestX = data.rawColumns ? result.model.encodeInputs(oursTest).x : testRows.x;
    // The default fit must not be called overfit by diagnose (on the held-out test rows).
    const testTargets = matrix(testRows.y.map((v) => [v]));
    if (testRows.y.length >= 10) {
      const report = await diagnose(result.model, oursTestX, testTargets);
      if (report.findings.some((f) => f.code === 'overfitting')) ours.overfitFindings += 1;
    }
    // A point mass at a capped or floored end of the target (MdnConfig.atoms) scores the rows at exactly that value
    // as a density; the same networks without it, for comparisons with methods that model none.
    atoms = result.model.config.atoms;
    // A whole-number target (ours is discrete): every method is scored with the same discrete likelihood, each
    // reference's density turned into the probabilities of the whole numbers exactly as ours is.
    discrete = result.model.config.discrete;
    const alike = (mixture) => (discrete ? mixture.withParts(mixture.parts.withDiscrete(discrete)) : mixture);
    if (atoms.length > 0) {
      const without = result.model.withAtoms([]);
      rows.oursWithoutAtoms.push(score(await without.predictHost(oursTestX), testRows.y));
      without.dispose();
    }
    result.model.dispose();
    rows.ours.push(score(host, testRows.y));
    const linear = fitLinearHeteroscedastic(trainRows.x, matrix(trainRows.y.map((v) => [v]))).predict(testRows.x);
    rows.linear.push(score(alike(linear), testRows.y));
    const predicted = torch.results?.[split.seed];
    if (predicted) rows.torch.push(score(alike(torchMixture(predicted)), testRows.y));
    const boosted = gbm.results?.[split.seed];
    if (boosted) rows.gbm.push(score(alike(torchMixture(boosted)), testRows.y));
  }
  const methods = {};
  for (const [method, list] of Object.entries(rows)) {
    if (list.length === 0) continue;
    methods[method] = {
      nll: summary(list.map((r) => r.nll)),
      crps: summary(list.map((r) => r.crps)),
      coverage90: summary(list.map((r) => r.coverage90)),
      perSplit: list,
    };
  }
  const entry = {
    name,
    discrete,
    description: data.description,
    rows: data.y.length,
    inputs: data.inputs.length,
    features: data.features ?? data.inputs.length,
    rowsWithoutTarget: data.dropped,
    schema: data.schema ?? null,
    methods,
    ours: {
      secondsPerSplit: ours.seconds / splitCount,
      epochs: summary(ours.epochs).mean,
      validationMinusTrain: summary(ours.overfit).mean,
      overfittingFindings: ours.overfitFindings,
    },
    torch: torch.results
      ? { version: torch.version, secondsPerSplit: torch.cached ? null : torchSeconds / splitCount }
      : { skipped: torch.reason },
    gbm: gbm.results
      ? { version: gbm.version, secondsPerSplit: gbm.cached ? null : gbmSeconds / splitCount }
      : { skipped: gbm.reason },
    published: PUBLISHED[name] ?? [],
  };
  report.datasets.push(entry);
  const f = (s, digits = 3) => `${s.mean.toFixed(digits)} ± ${s.standardError.toFixed(digits)}`;
  const line = (label, m) =>
    `  ${label.padEnd(34)} NLL ${f(m.nll).padEnd(16)} CRPS ${f(m.crps, 4).padEnd(20)} cover90 ${(100 * m.coverage90.mean).toFixed(1)} %`;
  console.log(
    `\n${name}: ${entry.rows} rows, ${entry.inputs} inputs${entry.features !== entry.inputs ? ` (${entry.features} features)` : ''}` +
      `${entry.rowsWithoutTarget > 0 ? `, ${entry.rowsWithoutTarget} rows without a target left out` : ''} — ${data.description}`,
  );
  console.log(line(args.options === '{}' ? 'mdn (defaults)' : `mdn ${args.options}`, methods.ours));
  if (discrete) {
    console.log(
      `  (a whole-number target: every method scored by P(y), its mass on [y − ½, y + ½]${discrete.lower !== null ? ` and below ${discrete.lower} for ${discrete.lower}` : ''})`,
    );
  }
  if (methods.oursWithoutAtoms) {
    const where = atoms.map((atom) => `${atom.value} (${atom.side === 'upper' ? 'cap' : 'floor'})`).join(', ');
    console.log(line('  the same, point mass removed', methods.oursWithoutAtoms));
    console.log(`    (ours puts a point mass at ${where}; the other methods model none)`);
  }
  if (methods.torch) console.log(line(`PyTorch MDN, tuned (${torch.version})`, methods.torch));
  else console.log(`  PyTorch MDN: skipped (${torch.reason})`);
  if (methods.gbm) console.log(line(`boosted Gaussian, sklearn ${gbm.version}`, methods.gbm));
  else console.log(`  boosted heteroscedastic Gaussian: skipped (${gbm.reason})`);
  console.log(line('linear heteroscedastic Gaussian', methods.linear));
  for (const [label, value] of entry.published)
    console.log(`  ${label.padEnd(34)} NLL ${value.toFixed(2)} (published)`);
  console.log(
    `  ours: ${entry.ours.secondsPerSplit.toFixed(1)} s/split, ${entry.ours.epochs.toFixed(0)} epochs, ` +
      `validation − train NLL ${entry.ours.validationMinusTrain.toFixed(3)}, diagnose says overfit in ${entry.ours.overfittingFindings}/${splitCount}` +
      (torch.results && entry.torch.secondsPerSplit !== null
        ? `; PyTorch ${entry.torch.secondsPerSplit.toFixed(1)} s/split`
        : ''),
  );
}
mkdirSync(path.dirname(args.json), { recursive: true });
writeFileSync(args.json, `${JSON.stringify(report, null, 1)}\n`);
console.error(`\nbench:real: wrote ${args.json}`);
