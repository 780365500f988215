import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cpuBackend } from '@mdn/backend-cpu';
import { correlated2d, DEFAULT_MDN_CONFIG, loadModel, saveModel, TRAIN_DEFAULTS, useBackend } from '@mdn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, mdn, temporaryDirectory, toyCsv, write } from './run-cli.js';

// One small model trained once through the real binary; every other command is run against it.
const dir = temporaryDirectory();
const model = path.join(dir, 'toy.mdn.json');
let trainRun: ReturnType<typeof mdn>;

beforeAll(() => {
  write(dir, 'train.csv', toyCsv(600, 1));
  write(dir, 'test.csv', toyCsv(400, 2));
  trainRun = mdn(['train', 'train.csv', '--y', 'y', '--out', 'toy.mdn.json', '--epochs', '40', '--seed', '3'], {
    cwd: dir,
  });
});

describe('mdn train', () => {
  it('trains on a CSV file, prints the final NLL and the diagnosis, and saves the model', () => {
    expect(trainRun.code).toBe(0);
    expect(trainRun.stdout).toContain('Training on train.csv: 600 rows; inputs x; target y.');
    // The plan, every setting, before training; the core resolved it (60 validation rows of 600).
    expect(trainRun.stdout).toMatch(/data {8}540 training rows; validation 60 rows held out \(0\.1\); seed 3/);
    expect(trainRun.stdout).toMatch(/rate {8}Adam 0\.003, plateau \(×0\.3 up to 3 times\)/);
    // Predictive tails from the data: (0.42 · 540^(−1/4))² = 0.00759 on companions twice as wide.
    expect(trainRun.stdout).toMatch(/network {5}k = 5 \+ tails \(weight 0\.00759 at 2σ\)/);
    // 600 rows: an ensemble of 5 networks by default (TRAIN_DEFAULTS.ensembleRows), each with its own validation rows.
    expect(trainRun.stdout).toMatch(
      /ensemble {4}5 networks \(seeds 3…7, each its own validation split\), one mixture of 5×2×5/,
    );
    expect(trainRun.stderr).toMatch(/^epoch {3}1\/40 {2}network 5\/5 {2}train NLL/m);
    expect(trainRun.stdout).toMatch(/Trained an ensemble of 5 networks in [\d.]+ s: seed 3 40 epochs/);
    expect(trainRun.stdout).toMatch(
      /Final NLL per row \(nats, original units\): train \d\.\d{4}, validation \d\.\d{4} \(means over the members/,
    );
    // The ensemble held out no rows as a whole: the diagnosis scores the rows its networks held out (out of bag),
    // each by the network that did not train on it. 5 × 60 held out, ~41 % of the rows (1 − 0.9⁵) at least once.
    const oob = trainRun.stdout.match(
      /Diagnosis on the (\d+) rows the networks held out \(each scored by the one network that did not train on it[^\n]*\):\nstatus: ok\nNLL [\d.]+ nats\/row on (\d+) rows/,
    );
    expect(oob).not.toBeNull();
    expect(Number(oob![1])).toBe(Number(oob![2]));
    expect(Number(oob![1])).toBeGreaterThan(180);
    expect(Number(oob![1])).toBeLessThan(320);
    expect(JSON.parse(readFileSync(model, 'utf8')).format).toBe('mdn-model');
  });

  it('--tails sets the predictive tail weight or turns it off; a weight out of range is refused', () => {
    for (const [value, shown] of [
      ['off', /network {5}k = 5, hidden/],
      ['0.05', /network {5}k = 5 \+ tails \(weight 0\.05 at 2σ\)/],
    ] as const) {
      const out = `tails-${value}.mdn.json`;
      const run = mdn(['train', 'train.csv', '--y', 'y', '--tails', value, '--epochs', '40', '--out', out], {
        cwd: dir,
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(shown);
      const file = JSON.parse(readFileSync(path.join(dir, out), 'utf8'));
      expect(file.config.tailWeight).toBe(value === 'off' ? 0 : 0.05);
    }
    const bad = mdn(['train', 'train.csv', '--y', 'y', '--tails', '0.7', '--out', 'bad.mdn.json'], { cwd: dir });
    expect(bad.code).toBe(2);
    // Named by its flag, not by the API's model.tailWeight.
    expect(bad.stderr).toContain("argument '0.7' is invalid. expected a number in [0, 0.5) or 'off', got '0.7'.");
    expect(existsSync(path.join(dir, 'bad.mdn.json'))).toBe(false);
  });

  it('adds a point mass where the target is capped, which --no-atoms leaves out', () => {
    // The toy's y capped at 18: about a sixth of the rows sit at exactly 18.
    const lines = toyCsv(600, 1).trim().split('\n');
    const capped = [
      lines[0],
      ...lines.slice(1).map((line) => `${line.split(',')[0]},${Math.min(18, Number(line.split(',')[1]))}`),
    ];
    write(dir, 'capped.csv', `${capped.join('\n')}\n`);
    const common = ['train', 'capped.csv', '--y', 'y', '--epochs', '20', '--ensemble', '1'];
    const run = mdn([...common, '--out', 'capped.mdn.json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /k = 5 \+ tails \(weight [\d.]+ at 2σ\) \+ a point mass at 18 \(a cap: the mass above [\d.]+, σ [\d.e-]+\)/,
    );
    const file = JSON.parse(readFileSync(path.join(dir, 'capped.mdn.json'), 'utf8'));
    expect(file.config.atoms).toMatchObject([{ value: 18, side: 'upper' }]);
    expect(mdn(['info', 'capped.mdn.json'], { cwd: dir }).stdout).toContain("a point mass at 18 (the target's cap)");
    // The atom is the mixture's last component: 5 components, 5 tail companions, 1 atom.
    const predict = mdn(['predict', 'capped.mdn.json', 'test.csv', '--mixture'], { cwd: dir });
    expect(predict.code).toBe(0);
    const header = predict.stdout.split('\n')[0]!.split(',');
    expect(header.filter((name) => name.startsWith('weight_'))).toHaveLength(11);
    // p_at_18: the probability of exactly the cap, which is the atom's weight (the last one).
    const at = header.indexOf('p_at_18');
    expect(at).toBe(header.indexOf('q0.95') + 1);
    for (const line of predict.stdout.trim().split('\n').slice(1, 20)) {
      const cells = line.split(',').map(Number);
      expect(cells[at]).toBe(cells[header.indexOf('weight_11')]);
      expect(cells[at]).toBeGreaterThanOrEqual(0);
    }
    // A draw from the point mass is the cap exactly.
    const sample = mdn(['sample', 'capped.mdn.json', 'test.csv', '-n', '20'], { cwd: dir });
    expect(sample.code).toBe(0);
    const values = sample.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',').at(-1)));
    expect(values.filter((v) => v === 18).length).toBeGreaterThan(100);
    const without = mdn([...common, '--no-atoms', '--out', 'uncapped.mdn.json'], { cwd: dir });
    expect(without.code).toBe(0);
    expect(without.stdout).not.toContain('point mass');
    expect(JSON.parse(readFileSync(path.join(dir, 'uncapped.mdn.json'), 'utf8')).config.atoms).toEqual([]);
  });

  it('--family laplace trains Laplace components: the plan, info and every command say and use them', () => {
    const run = mdn(
      [
        'train',
        'train.csv',
        '--y',
        'y',
        '--family',
        'laplace',
        '--epochs',
        '10',
        '--ensemble',
        '1',
        '--out',
        'laplace.mdn.json',
      ],
      {
        cwd: dir,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/network {5}k = 5 Laplace \+ tails/);
    const info = mdn(['info', 'laplace.mdn.json'], { cwd: dir });
    expect(info.stdout).toContain('5 Laplace components over 1 target');
    expect(JSON.parse(mdn(['info', 'laplace.mdn.json', '--json'], { cwd: dir }).stdout).config.family).toBe('laplace');
    const scored = JSON.parse(mdn(['eval', 'laplace.mdn.json', 'test.csv', '--json'], { cwd: dir }).stdout);
    expect(Number.isFinite(scored.nll) && Number.isFinite(scored.crps)).toBe(true);
    const bad = mdn(['train', 'train.csv', '--y', 'y', '--family', 'cauchy', '--out', 'x.mdn.json'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected one of gaussian, laplace, got 'cauchy'");
  });

  it('gives the same model for the same seed and data', () => {
    const again = mdn(['train', 'train.csv', '--y', 'y', '--out', 'again.mdn.json', '--epochs', '40', '--seed', '3'], {
      cwd: dir,
    });
    expect(again.code).toBe(0);
    const weights = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')).weights;
    expect(weights('again.mdn.json')).toEqual(weights('toy.mdn.json'));
  });

  it('reads stdin for -, TSV files, and several target columns', () => {
    const fromStdin = mdn(['train', '-', '--y', 'y', '--out', 'stdin.mdn.json', '--epochs', '2', '--quiet'], {
      cwd: dir,
      input: toyCsv(80, 5),
    });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toContain('Training on stdin: 80 rows');

    write(
      dir,
      'two.tsv',
      toyCsv(120, 6, 'x\ty')
        .replaceAll(',', '\t')
        .replace(/^x\ty\n/, 'x\ty\n'),
    );
    const rows = toyCsv(200, 7)
      .trim()
      .split('\n')
      .slice(1)
      .map((line, i) => `${line},${(Number(line.split(',')[1]) * 0.5 + (i % 7)).toFixed(3)}`);
    write(dir, 'multi.csv', `x,y,z\n${rows.join('\n')}\n`);
    const multi = mdn(['train', 'multi.csv', '--y', 'y,z', '--out', 'multi.mdn.json', '--epochs', '3', '--quiet'], {
      cwd: dir,
    });
    expect(multi.code).toBe(0);
    expect(multi.stdout).toContain('inputs x; target y, z');
    const predict = mdn(['predict', 'multi.mdn.json', 'multi.csv', '--quantiles', '0.5'], { cwd: dir });
    expect(predict.code).toBe(0);
    expect(predict.stdout.split('\n')[0]).toBe('x,mean_y,std_y,mode_y,q0.5_y,mean_z,std_z,mode_z,q0.5_z');
    const evaluation = JSON.parse(mdn(['eval', 'multi.mdn.json', 'multi.csv', '--json'], { cwd: dir }).stdout);
    expect(Object.keys(evaluation.targets)).toEqual(['y', 'z']);
  });

  it('trains on the built-in example and draws the fit', () => {
    const run = mdn(
      ['train', '--example', '--rows', '600', '--epochs', '30', '--out', 'ex.mdn.json', '--plot', 'ex.svg', '--quiet'],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("the built-in example 'forum-toy'");
    expect(run.stdout).toMatch(/the true density scores -?\d\.\d{4} \(excess -?\d\.\d{4}/);
    expect(run.stdout).toContain('What the model predicts across x');
    const svg = readFileSync(path.join(dir, 'ex.svg'), 'utf8');
    expect(svg).toContain('data:image/png;base64,');
    expect(svg.match(/<circle /g)?.length).toBe(600);
  });

  it('draws a progress bar on a terminal (a pseudo-terminal through util-linux script)', ({ skip }) => {
    if (spawnSync('script', ['--version']).status !== 0) skip('util-linux script is not installed');
    const command = `"${process.execPath}" "${BIN}" train --example --rows 500 --epochs 5 --ensemble 1 --out tty.mdn.json`;
    const run = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/epoch 5\/5 \[=+\] train NLL \d\.\d{4}/);
    expect(run.stdout).not.toMatch(/^epoch {3}1\/5 {2}train NLL/m); // not the plain lines of a pipe
  });

  it('without a terminal prints progress lines within an epoch too (the epochs of a large file take minutes)', () => {
    // MDN_PROGRESS_MS=0: a line at every chance, so a 2-epoch run of 80 steps per epoch shows steps within epoch 1.
    const run = spawnSync(
      process.execPath,
      [BIN, 'train', '--example', '--rows', '3000', '--batch-size', '32', '--epochs', '2', '--out', 'p.mdn.json'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, MDN_PROGRESS_MS: '0' } },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^epoch {3}1\/2 {2}step 16\/\d+ {2}train NLL so far \d+\.\d{4}$/m);
    expect(run.stderr).toMatch(/^epoch {3}2\/2 {2}train NLL \d\.\d{4}/m);
  });

  it('names an unknown example and lists the built-in ones', () => {
    const run = mdn(['train', '--example', 'nope', '--out', 'x.json'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--example 'nope' is not a built-in dataset; choose one of forum-toy,");
  });
});

describe('mdn eval', () => {
  it('prints the scores in words and as one JSON object with the documented keys', () => {
    const text = mdn(['eval', model, 'test.csv'], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('test.csv: 400 rows scored with');
    expect(text.stdout).toMatch(/90% interval {9}coverage \d+\.\d% \(ideal 90%\)/);
    const json = mdn(['eval', model, 'test.csv', '--json'], { cwd: dir });
    const report = JSON.parse(json.stdout);
    expect(Object.keys(report)).toEqual(['nll', 'crps', 'calibrationError', 'coverage90', 'width90', 'rmse', 'n']);
    expect(report.n).toBe(400);
    // A trained model on held-out data from the same process: calibrated and close to the noise level.
    expect(report.coverage90).toBeGreaterThan(0.8);
    expect(report.coverage90).toBeLessThan(0.97);
    expect(report.nll).toBeLessThan(2.6);
    expect(report.rmse).toBeLessThan(4);
  });
});

describe('mdn predict', () => {
  it('writes mean, std, mode and quantiles per row, in order', () => {
    const run = mdn(['predict', model, 'test.csv'], { cwd: dir });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('x,mean,std,mode,q0.05,q0.5,q0.95');
    expect(lines).toHaveLength(401);
    for (const line of lines.slice(1)) {
      const [, , std, , q05, q50, q95] = line.split(',').map(Number);
      expect(std).toBeGreaterThan(0);
      expect(q05).toBeLessThan(q50!);
      expect(q50).toBeLessThan(q95!);
    }
  });

  it('adds the mixture parameters and writes to --out atomically', () => {
    const run = mdn(['predict', model, 'test.csv', '--mixture', '--quantiles', '0.1,0.9', '--out', 'p.csv'], {
      cwd: dir,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const lines = readFileSync(path.join(dir, 'p.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 6)).toEqual(['x', 'mean', 'std', 'mode', 'q0.1', 'q0.9']);
    // 5 networks × (5 components and their 5 tail companions, the predictive tails): the whole predicted mixture.
    expect(header.filter((h) => h.startsWith('weight_'))).toHaveLength(50);
    const weights = lines[1]!.split(',').slice(6, 56).map(Number);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('--covariance full trains correlated targets; --given predicts the rest from the exact conditional', async () => {
    const data = correlated2d({ rows: 800, seed: 12 });
    const lines = ['x,a,b'];
    for (let r = 0; r < data.x.rows; r++) {
      lines.push([data.x.data[r]!, data.y.data[2 * r]!, data.y.data[2 * r + 1]!].map((v) => v.toFixed(5)).join(','));
    }
    write(dir, 'correlated.csv', `${lines.join('\n')}\n`);
    const trained = mdn(
      [
        'train',
        'correlated.csv',
        '--y',
        'a,b',
        '--covariance',
        'full',
        '-k',
        '2',
        '--epochs',
        '15',
        '--out',
        'full.mdn.json',
        '--quiet',
      ],
      { cwd: dir },
    );
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/network {5}k = 2 \(full covariance\)/);
    expect(mdn(['info', 'full.mdn.json'], { cwd: dir }).stdout).toMatch(/format version 6[\s\S]*full covariance/);
    write(dir, 'given.csv', 'x,a,b,other\n-1,0.2,0.3,1.5\n0.5,-0.4,-0.35,-2\n2,1,0.9,0\n');
    const run = mdn(
      ['predict', 'full.mdn.json', 'given.csv', '--given', 'b=other', '--quantiles', '0.5', '--mixture'],
      {
        cwd: dir,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = run.stdout.trim().split('\n');
    // 800 rows: an ensemble of 5 networks by default, each of 2 components with their tail companions.
    const components = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(out[0]).toBe(
      [
        'x,mean_a,std_a,mode_a,q0.5_a',
        ...components.map((c) => `weight_${c}`),
        ...components.map((c) => `mean_${c}_a`),
        ...components.map((c) => `std_${c}_a`),
      ].join(','),
    );
    // The same numbers as the library's exact conditioning of the saved model.
    await useBackend(cpuBackend());
    const loaded = loadModel(readFileSync(path.join(dir, 'full.mdn.json'), 'utf8'));
    const conditioned = (await loaded.predictHost([[-1], [0.5], [2]])).condition({ 1: [1.5, -2, 0] });
    loaded.dispose();
    const mean = conditioned.mean();
    const sd = conditioned.variance().map(Math.sqrt);
    for (let r = 0; r < 3; r++) {
      const cells = out[r + 1]!.split(',').map(Number);
      expect(cells[1]).toBeCloseTo(mean[r]!, 4);
      expect(cells[2]).toBeCloseTo(sd[r]!, 4);
    }
    // A constant for every row; the b column itself when no value is given.
    const constant = mdn(['predict', 'full.mdn.json', 'given.csv', '--given', 'a=0.25'], { cwd: dir });
    expect(constant.code).toBe(0);
    expect(constant.stdout.split('\n')[0]).toBe('x,mean_b,std_b,mode_b,q0.05_b,q0.5_b,q0.95_b');
    expect(mdn(['predict', 'full.mdn.json', 'given.csv', '--given', 'b'], { cwd: dir }).code).toBe(0);
    // Mistakes are named, exit 2, nothing written.
    for (const [given, message] of [
      ['a,b', /--given observes every target of full\.mdn\.json \(a, b\)/],
      ['z=1', /--given names 'z', which is not a target of full\.mdn\.json; its targets are a, b/],
      ['a=missing', /given\.csv: no column named 'missing'/],
      ['a=', /--given a= needs a value/],
    ] as const) {
      const bad = mdn(['predict', 'full.mdn.json', 'given.csv', '--given', given], { cwd: dir });
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toMatch(message);
    }
  });

  it('stops quietly when the reader closes the pipe early (mdn predict … | head)', () => {
    write(dir, 'many.csv', toyCsv(20_000, 9));
    const run = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${BIN}" predict "${model}" many.csv | head -n 2; echo "exit \${PIPESTATUS[0]}" >&2`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(run.stdout.split('\n')[0]).toBe('x,mean,std,mode,q0.05,q0.5,q0.95');
    expect(run.stderr).toContain('exit 0');
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });
});

describe('mdn sample', () => {
  it('draws n samples per row, the same for the same seed', () => {
    const args = ['sample', model, 'test.csv', '-n', '3', '--seed', '9'];
    const first = mdn(args, { cwd: dir });
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toBe('row,x,sample,y');
    expect(lines).toHaveLength(1 + 400 * 3);
    expect(lines[1]).toMatch(/^0,[\d.]+,0,-?[\d.]+/);
    expect(mdn(args, { cwd: dir }).stdout).toBe(first.stdout);
    expect(mdn([...args.slice(0, -1), '10'], { cwd: dir }).stdout).not.toBe(first.stdout);
  });

  it('temperature 0 returns the most likely component mean every time', () => {
    const run = mdn(['sample', model, 'test.csv', '-n', '2', '--temperature', '0'], { cwd: dir });
    const lines = run.stdout.trim().split('\n').slice(1);
    expect(lines[0]!.split(',')[3]).toBe(lines[1]!.split(',')[3]);
  });
});

describe('mdn diagnose', () => {
  it('reports in words and in JSON', () => {
    const text = mdn(['diagnose', model, 'test.csv'], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^status: (ok|warning)/);
    const json = JSON.parse(mdn(['diagnose', model, 'test.csv', '--json'], { cwd: dir }).stdout);
    expect(json.metrics.rows).toBe(400);
    expect(json.findings.map((f: { code: string }) => f.code)).not.toContain('ignores-input');
  });
});

describe('mdn plot', () => {
  it('draws SVG and PNG pictures', () => {
    expect(mdn(['plot', model, 'test.csv', '--out', 'fit.svg'], { cwd: dir }).code).toBe(0);
    const svg = readFileSync(path.join(dir, 'fit.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Loss per epoch');
    // The model is an ensemble of 5 networks (the default on 600 rows): a training and a validation line for each.
    expect(svg.match(/<polyline [^>]*stroke="#1f77b4"/g)).toHaveLength(5);
    expect(svg.match(/<polyline [^>]*stroke="#d62728"/g)).toHaveLength(5);
    expect(svg).toContain('5 networks (an ensemble), 40 epochs each');
    expect(mdn(['plot', model, 'test.csv', '--out', 'fit.png'], { cwd: dir }).code).toBe(0);
    const png = readFileSync(path.join(dir, 'fit.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeGreaterThan(50_000);
  });

  it('refuses other picture formats and models with several inputs', () => {
    const jpg = mdn(['plot', model, 'test.csv', '--out', 'fit.jpg'], { cwd: dir });
    expect(jpg.code).toBe(2);
    expect(jpg.stderr).toContain('must end in .svg or .png');
    const multi = mdn(['plot', 'multi.mdn.json', 'multi.csv', '--out', 'multi.svg'], { cwd: dir });
    expect(multi.code).toBe(2);
    expect(multi.stderr).toContain('plot draws models with 1 input and 1 target');
    expect(existsSync(path.join(dir, 'multi.svg'))).toBe(false);
  });
});

describe('mdn info', () => {
  it('shows config, columns, data statistics and the format version', () => {
    const run = mdn(['info', model], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('mdn-model format version 6 (this mdn writes version 6)');
    expect(run.stdout).toMatch(/input {2}x +mean +\d+\.\d{4} +scale/);
    // The default on 600 rows is an ensemble of 5 networks: said as such, with each network's epochs.
    expect(run.stdout).toMatch(
      /Model: 5 networks \(an ensemble: their equal-weight mixture of 25 components\), each 1 input → hidden 64,64 \(tanh\) → 5 Gaussian components over 1 target; .* parameters in all/,
    );
    expect(run.stdout).toMatch(
      /Training: backend \w+, seeds 3…7, 600 rows, 5 networks of 40, 40, 40, 40, 40 epochs \(\w[\w-]*\)/,
    );
    expect(run.stdout).toMatch(
      /Final NLL per row \(means over the 5 networks, each validated on its own rows\): train \d\.\d{4}, validation \d\.\d{4}/,
    );
    expect(run.stdout).toContain('Training plan (every setting of the run):');
    expect(run.stdout).toMatch(/ {2}steps {7}40 epochs × 5 steps of 128 rows = 200/);
    const json = JSON.parse(mdn(['info', model, '--json'], { cwd: dir }).stdout);
    expect(json.config.components).toBe(5);
    expect(json.plan).toMatchObject({ trainRows: 540, validationRows: 60, epochs: 40, seed: 3, batchSize: 128 });
    expect(json.targets[0].name).toBe('y');
  });

  it('shows a loss that went NaN (saved as null) as —', async () => {
    await useBackend(cpuBackend());
    // One network: the last epoch and the best loss.
    const one = mdn(['train', 'train.csv', '--y', 'y', '--out', 'one.mdn.json', '--epochs', '3', '--ensemble', '1'], {
      cwd: dir,
    });
    expect(one.code, one.stderr).toBe(0);
    const single = loadModel(readFileSync(path.join(dir, 'one.mdn.json'), 'utf8'));
    single.metadata = {
      ...single.metadata,
      history: single.metadata.history!.map((e, i, all) =>
        i === all.length - 1 ? { ...e, trainLoss: Number.NaN } : e,
      ),
      training: { ...single.metadata.training!, bestLoss: Number.NaN },
    };
    writeFileSync(path.join(dir, 'nan-single.mdn.json'), saveModel(single));
    single.dispose();
    const singleInfo = mdn(['info', 'nan-single.mdn.json'], { cwd: dir });
    expect(singleInfo.code, singleInfo.stderr).toBe(0);
    expect(singleInfo.stdout).toMatch(/Training: backend \w+, seed 0, 600 rows, 3 epochs/);
    expect(singleInfo.stdout).toMatch(/Last epoch: train NLL —, validation NLL \d\.\d{4}; best —/);
    // An ensemble: the means over its networks.
    // Saved as a run that went NaN saves itself (NaN is written as null, under the content checksum).
    const loaded = loadModel(readFileSync(model, 'utf8'));
    const { history, training } = loaded.metadata;
    loaded.metadata = {
      ...loaded.metadata,
      history: history!.map((e, i) => (i === history!.length - 1 ? { ...e, trainLoss: Number.NaN } : e)),
      training: { ...training!, bestLoss: Number.NaN, finalTrainLoss: Number.NaN },
    };
    writeFileSync(path.join(dir, 'nan-history.mdn.json'), saveModel(loaded));
    loaded.dispose();
    const run = mdn(['info', 'nan-history.mdn.json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Final NLL per row \(means over the 5 networks, [^)]*\): train —, validation \d\.\d{4}/);
  });
});

describe('help and usage', () => {
  it.each(['train', 'eval', 'predict', 'sample', 'diagnose', 'plot', 'info'])(
    'mdn %s --help shows an example',
    (name) => {
      const run = mdn([name, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: mdn ${name}`);
      expect(run.stdout).toContain(`$ mdn ${name}`);
    },
  );

  it("mdn train --help lists the plan's options with the core's defaults, and the flags reach the plan", () => {
    const help = mdn(['train', '--help']).stdout.replace(/\s+/g, ' ');
    for (const [flag, value] of [
      ['--activation', DEFAULT_MDN_CONFIG.activation],
      ['--hidden', DEFAULT_MDN_CONFIG.hidden.join(',')],
      ['--patience', TRAIN_DEFAULTS.patience],
      ['--validation-split', TRAIN_DEFAULTS.validationSplit],
      ['--clip-norm', TRAIN_DEFAULTS.clipNorm],
      ['--schedule', TRAIN_DEFAULTS.schedule],
      ['--learning-rate', TRAIN_DEFAULTS.learningRate],
      ['--mean-warmup-epochs', TRAIN_DEFAULTS.meanWarmupEpochs],
    ] as const) {
      expect(help).toMatch(new RegExp(`${flag} <[a-z]+> [^$]*?\\(default ${String(value).replace('.', '\\.')}[;,) ]`));
    }
    expect(help).toContain(`--noise <sd> noise regularisation`);
    expect(help).toContain(
      `${TRAIN_DEFAULTS.noiseScale.x}·n^(−1/(2+d)) on x and ${TRAIN_DEFAULTS.noiseScale.y}·n^(−1/(2+d)) on y`,
    );
    const flags = [
      ...['--activation', 'relu', '--schedule', 'constant', '--patience', 'off', '--noise', 'off'],
      ...['--clip-norm', '5', '--validation-split', '0.2', '--mean-warmup-epochs', '0', '--epochs', '2'],
    ];
    const run = mdn(['train', 'train.csv', '--y', 'y', '--out', 'flags.mdn.json', '--quiet', ...flags], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(path.join(dir, 'flags.mdn.json'), 'utf8')).metadata.plan;
    expect(plan).toMatchObject({
      schedule: 'constant',
      patience: null,
      noise: null,
      clipNorm: 5,
      validationRows: 120,
      meanWarmupEpochs: 0,
      epochs: 2,
    });
    expect(plan.model.activation).toBe('relu');
    const bad = mdn(['train', 'train.csv', '--y', 'y', '--out', 'x.mdn.json', '--schedule', 'linear'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected one of plateau, cosine, constant, got 'linear'");
  });

  it('lists the commands and exit codes; unknown commands and options are usage errors (exit 2)', () => {
    const help = mdn(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['train', 'eval', 'predict', 'sample', 'diagnose', 'plot', 'info'])
      expect(help.stdout).toContain(name);
    expect(help.stdout).toContain('Exit codes: 0 success, 1 failed run, 2 bad usage or bad input');
    expect(mdn(['frobnicate']).code).toBe(2);
    const option = mdn(['eval', model, 'x.csv', '--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--bogus'");
    const value = mdn(['train', '--example', '-k', 'three']);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain("expected a whole number ≥ 1 or 'auto', got 'three'");
  });
});
