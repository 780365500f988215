// Round three of hostile and unlucky use (issue 32): each case is a subprocess run of the built binary that ended
// badly before (a lost model, a wrong answer with exit 0, unbounded time or memory, a raw message) and ends as the
// rules say now: a clear message naming the place and the fix, exit 2 for bad input, nothing lost or half-written.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, mdn, spawnMdn, temporaryDirectory, write } from './run-cli.js';

const dir = temporaryDirectory();
const env = { ...process.env, MDN_DEBUG: '', MDN_PROGRESS_MS: '0' };

/** Seeded rows of a, b, y (y = 2a + b + noise growing with a); `zeros`: that fraction of y exactly 0 (then |y|). */
function table(rows: number, seed: number, zeros = 0, header = 'a,b,y'): string {
  let state = seed;
  const uniform = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state + 0.5) / 2147483648;
  };
  const lines = [header];
  for (let i = 0; i < rows; i++) {
    const a = 10 * uniform();
    const b = uniform();
    const noise = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const y = 2 * a + b + (0.2 + 0.5 * a) * noise;
    lines.push(
      [a.toFixed(4), b.toFixed(4), uniform() < zeros ? '0' : (zeros > 0 ? Math.abs(y) : y).toFixed(4)].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A user error: exit 2, one line naming what is wrong, no stack trace, no training started. */
function expectRefused(run: ReturnType<typeof mdn>, ...fragments: string[]) {
  expect(run.code, run.stderr).toBe(2);
  for (const fragment of fragments) expect(run.stderr).toContain(fragment);
  expect(run.stderr).not.toMatch(/\n\s+at |looks like a bug/);
  expect(run.stdout).not.toContain('Training on');
}

/** Rewrites a model file through the library (every checksum recomputed): `edit` is JavaScript run on `model`. */
function editModel(from: string, to: string, edit: string) {
  const script = `
    const core = await import('@mdn/core');
    const { cpuBackend } = await import('@mdn/backend-cpu');
    const fs = await import('node:fs');
    await core.useBackend(cpuBackend());
    let model = core.loadModel(fs.readFileSync(${JSON.stringify(path.join(dir, from))}, 'utf8'));
    ${edit}
    fs.writeFileSync(${JSON.stringify(path.join(dir, to))}, core.saveModel(model));`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: path.resolve(import.meta.dirname, '..'),
  });
}

const temporaries = () => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

beforeAll(() => {
  write(dir, 'base.csv', table(400, 1));
  // One network, a few epochs: the model the reading commands below use.
  const run = mdn(
    ['train', 'base.csv', '--y', 'y', '--out', 'base.mdn.json', '--epochs', '5', '--ensemble', '1', '--quiet'],
    {
      cwd: dir,
    },
  );
  expect(run.code, run.stderr).toBe(0);
});

describe('a trained model is never lost, and no success is reported that did not happen', () => {
  it('a reader that closes the pipe early (| head) costs the log, not the model: it is saved, exit 0', async () => {
    rmSync(path.join(dir, 'peek.mdn.json'), { force: true });
    const child = spawn(
      process.execPath,
      [BIN, 'train', 'base.csv', '--y', 'y', '--out', 'peek.mdn.json', '--epochs', '20'],
      {
        cwd: dir,
        env,
      },
    );
    // `2>&1 | head -3`: both streams go to a reader that stops after a few lines.
    let lines = 0;
    const stop = () => {
      if (++lines === 3) {
        child.stdout.destroy();
        child.stderr.destroy();
      }
    };
    child.stdout.on('data', stop);
    child.stderr.on('data', stop);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'peek.mdn.json'), 'utf8')).format).toBe('mdn-model');
  });

  it.skipIf(!existsSync('/dev/full'))(
    'a log on a full disk (> /dev/full) fails the command after saving the model',
    () => {
      const full = openSync('/dev/full', 'w');
      try {
        const run = spawnSync(
          process.execPath,
          [BIN, 'train', 'base.csv', '--y', 'y', '--out', 'full.mdn.json', '--epochs', '3'],
          {
            cwd: dir,
            stdio: ['ignore', full, 'pipe'],
            encoding: 'utf8',
            env,
          },
        );
        expect(run.status).toBe(1);
        expect(run.stderr).toContain(
          'writing the log to stdout failed (ENOSPC): it is incomplete; the model was saved to full.mdn.json',
        );
      } finally {
        closeSync(full);
      }
      expect(JSON.parse(readFileSync(path.join(dir, 'full.mdn.json'), 'utf8')).format).toBe('mdn-model');
    },
  );

  it('an output name of 240 bytes works (its temporary is shortened); one the file system refuses fails before training', () => {
    const long = `${'m'.repeat(231)}.mdn.json`;
    const run = mdn(['train', 'base.csv', '--y', 'y', '--out', long, '--epochs', '2', '--ensemble', '1', '--quiet'], {
      cwd: dir,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(path.join(dir, long))).toBe(true);
    expectRefused(
      mdn(['train', 'base.csv', '--y', 'y', '--out', `${'m'.repeat(250)}.mdn.json`, '--epochs', '2'], { cwd: dir }),
      'the name is too long for the file system; choose a shorter one',
    );
    expect(temporaries()).toEqual([]);
  });

  it('an empty output name, or one that names a folder, is refused before training', () => {
    expectRefused(
      mdn(['train', 'base.csv', '--y', 'y', '--out', ''], { cwd: dir }),
      '--out is empty; give the name of the file',
    );
    for (const out of ['m.mdn.json/', '.', 'sub/..']) {
      expectRefused(mdn(['train', 'base.csv', '--y', 'y', '--out', out], { cwd: dir }), 'names a folder, not a file');
    }
    expectRefused(
      mdn(['predict', 'base.mdn.json', 'base.csv', '--out', 'p.csv/'], { cwd: dir }),
      'names a folder, not a file',
    );
  });

  it('a save that fails after training (its folder removed) puts the model in the temporary folder and says where', async () => {
    const folder = path.join(dir, 'vanishing');
    const rescues = path.join(dir, 'rescues');
    mkdirSync(folder);
    mkdirSync(rescues);
    const child = spawn(
      process.execPath,
      [
        BIN,
        'train',
        'base.csv',
        '--y',
        'y',
        '--out',
        'vanishing/m.mdn.json',
        '--epochs',
        '4000',
        '--patience',
        'off',
        '--ensemble',
        '1',
      ],
      { cwd: dir, env: { ...env, TMPDIR: rescues } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (/epoch {2}10\//.test(stderr) && existsSync(folder)) rmSync(folder, { recursive: true });
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    const rescued = readdirSync(rescues).filter((name) => name.startsWith('mdn-rescued-m-'));
    expect(rescued).toHaveLength(1);
    expect(stderr).toContain(`the trained model was saved to ${path.join(rescues, rescued[0]!)} instead`);
    expect(mdn(['info', path.join(rescues, rescued[0]!)], { cwd: dir }).code).toBe(0);
  });

  it('a stop signal while sample or predict writes --out removes the partial file and says so', async () => {
    // 200 000 rows of inputs (the y column dropped).
    write(dir, 'many.csv', table(200_000, 7).replace(/,[^,\n]*\n/g, '\n'));
    for (const args of [
      ['sample', 'base.mdn.json', 'many.csv', '-n', '100', '--out', 'big.csv'],
      ['predict', 'base.mdn.json', 'many.csv', '--out', 'big.csv'],
    ]) {
      const child = spawnMdn(args, dir);
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      // Once the temporary is there (writing has begun), a polite kill.
      const started = setInterval(() => {
        if (temporaries().length > 0) {
          clearInterval(started);
          child.kill('SIGTERM');
        }
      }, 20);
      const code = await new Promise((resolve) => child.on('exit', resolve));
      clearInterval(started);
      expect(code, stderr).toBe(130);
      expect(stderr).toContain('Interrupted (SIGTERM); big.csv was not written (the partial output is removed).');
      expect(temporaries()).toEqual([]);
      expect(existsSync(path.join(dir, 'big.csv'))).toBe(false);
    }
  });
});

describe('no wrong answer with exit 0', () => {
  beforeAll(() => {
    const rows = table(300, 3).trim().split('\n');
    write(
      dir,
      'two.csv',
      `a,b,y1,y2\n${rows
        .slice(1)
        .map((line) => {
          const [a, b, y] = line.split(',').map(Number) as [number, number, number];
          return `${a},${b},${y},${(0.5 * y + b).toFixed(4)}`;
        })
        .join('\n')}\n`,
    );
    const run = mdn(
      ['train', 'two.csv', '--y', 'y1,y2', '--out', 'two.mdn.json', '--epochs', '3', '--ensemble', '1', '--quiet'],
      {
        cwd: dir,
      },
    );
    expect(run.code, run.stderr).toBe(0);
  });

  it('columns named in another order are matched by name; a duplicate, a swap or a target as an input is refused', () => {
    const score = (args: string[]) => JSON.parse(mdn(['eval', ...args, '--json'], { cwd: dir }).stdout).nll;
    expect(score(['two.mdn.json', 'two.csv', '--y', 'y2,y1'])).toBe(score(['two.mdn.json', 'two.csv']));
    expect(score(['base.mdn.json', 'base.csv', '--x', 'b,a'])).toBe(score(['base.mdn.json', 'base.csv']));
    const predicted = mdn(['predict', 'base.mdn.json', 'base.csv', '--x', 'b,a'], { cwd: dir });
    expect(predicted.stdout).toBe(mdn(['predict', 'base.mdn.json', 'base.csv'], { cwd: dir }).stdout);
    expectRefused(mdn(['eval', 'two.mdn.json', 'two.csv', '--y', 'y1,y1'], { cwd: dir }), "--y names 'y1' twice");
    expectRefused(
      mdn(['eval', 'base.mdn.json', 'base.csv', '--x', 'y,b'], { cwd: dir }),
      "--x names 'y', which is one of base.mdn.json's targets, not its inputs ('a', 'b')",
    );
    // One of the model's names in another's place (b where it has a): a swap waiting to happen.
    write(dir, 'renamed.csv', base().replace('a,b,y', 'a,c,y'));
    expectRefused(
      mdn(['eval', 'base.mdn.json', 'renamed.csv', '--x', 'b,c'], { cwd: dir }),
      "--x puts 'b' where base.mdn.json has 'a'",
    );
    // Other names in the model's order are a renaming: a file whose columns are called otherwise.
    expect(score(['base.mdn.json', 'renamed.csv', '--x', 'a,c'])).toBe(score(['base.mdn.json', 'base.csv']));
  });

  it('a column given twice to train is refused before training', () => {
    expectRefused(mdn(['train', 'base.csv', '--y', 'y,y', '--out', 'd.mdn.json'], { cwd: dir }), "--y names 'y' twice");
    expectRefused(
      mdn(['train', 'base.csv', '--y', 'y', '--x', 'a,a', '--out', 'd.mdn.json'], { cwd: dir }),
      "--x names 'a' twice",
    );
  });

  it('targets named __proto__ and constructor keep their scores in eval --json', () => {
    write(dir, 'proto.csv', readFileSync(path.join(dir, 'two.csv'), 'utf8').replace('y1,y2', '__proto__,constructor'));
    const trained = mdn(
      [
        'train',
        'proto.csv',
        '--y',
        '__proto__,constructor',
        '--out',
        'proto.mdn.json',
        '--epochs',
        '2',
        '--ensemble',
        '1',
        '--quiet',
      ],
      { cwd: dir },
    );
    expect(trained.code, trained.stderr).toBe(0);
    const report = JSON.parse(mdn(['eval', 'proto.mdn.json', 'proto.csv', '--json'], { cwd: dir }).stdout);
    expect(Object.keys(report.targets)).toEqual(['__proto__', 'constructor']);
    expect(Object.hasOwn(report.targets, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(report.targets, '__proto__')?.value.crps).toBeGreaterThan(0);
  });

  it('diagnose on a model with a point mass (95 % zeros) reports finite baselines and a sane gain', () => {
    write(dir, 'zeros.csv', table(400, 5, 0.95));
    const trained = mdn(['train', 'zeros.csv', '--y', 'y', '--out', 'zeros.mdn.json', '--ensemble', '1', '--quiet'], {
      cwd: dir,
    });
    expect(trained.code, trained.stderr).toBe(0);
    const run = mdn(['diagnose', 'zeros.mdn.json', 'zeros.csv', '--json'], { cwd: dir });
    const { metrics } = JSON.parse(run.stdout);
    expect(metrics.pointMasses).toBe(1);
    for (const name of ['nll', 'unconditionalNll', 'linearBaselineNll', 'gainOverUnconditional']) {
      expect(Number.isFinite(metrics[name]), `${name} = ${metrics[name]}`).toBe(true);
    }
    expect(Math.abs(metrics.gainOverUnconditional)).toBeLessThan(5);
    expect(mdn(['diagnose', 'zeros.mdn.json', 'zeros.csv'], { cwd: dir }).stdout).not.toMatch(/NaN|Infinity/);
  });

  it('a model whose target statistics no data could give (mean 1e308, checksums recomputed) is refused on load', () => {
    editModel(
      'base.mdn.json',
      'shifted.mdn.json',
      `model = core.MixtureDensityNetwork.fromParts(model.config, model.inputStandardiser,
         new core.Standardiser([1e308], model.targetStandardiser.scale), model.getWeights(), model.metadata);`,
    );
    expectRefused(
      mdn(['predict', 'shifted.mdn.json', 'base.csv'], { cwd: dir }),
      'shifted.mdn.json: the model file is corrupt: targetStandardiser of column 1 (mean 1e+308',
    );
  });

  it('quantiles are named so that two never share a column, and one given twice is refused', () => {
    const run = mdn(['predict', 'base.mdn.json', 'base.csv', '--quantiles', '0.99999999,0.999999999'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('a,b,mean,std,mode,q0.99999999,q0.999999999');
    const twice = mdn(['predict', 'base.mdn.json', 'base.csv', '--quantiles', '0.5,0.5'], { cwd: dir });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('0.5 is given twice');
  });
});

describe('time and memory stay bounded', () => {
  it('stdin is read a block at a time: an endless stream is predicted as it comes', async () => {
    const child = spawn(process.execPath, [BIN, 'predict', 'base.mdn.json', '-'], { cwd: dir, env });
    // `(echo a,b; yes 1,2) | mdn predict …`: once read whole (11 GB in 45 s), never answered.
    child.stdin.on('error', () => {});
    const block = '1,2\n'.repeat(16_384);
    child.stdin.write('a,b\n');
    const feed = () => {
      while (child.stdin.write(block)) {}
    };
    child.stdin.on('drain', feed);
    feed();
    let rows = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        for (const byte of chunk) if (byte === 0x0a) rows++;
        // The first block's predictions (the old reader never finished reading, so never wrote a row).
        if (rows > 1000) resolve();
      });
    });
    child.kill('SIGKILL');
    expect(rows).toBeGreaterThan(1000);
  });

  it('a device of zeros on stdin is refused at once', () => {
    const zero = openSync('/dev/zero', 'r');
    try {
      const run = spawnSync(process.execPath, [BIN, 'predict', 'base.mdn.json', '-'], {
        cwd: dir,
        stdio: [zero, 'pipe', 'pipe'],
        encoding: 'utf8',
        env,
        timeout: 60_000,
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('stdin: holds NUL bytes near the start');
    } finally {
      closeSync(zero);
    }
  });

  it('a network too large for memory is refused before anything is allocated, naming the flags', () => {
    expectRefused(
      mdn(['train', 'base.csv', '--y', 'y', '--out', 'h.mdn.json', '--hidden', '2000000', '--ensemble', '1'], {
        cwd: dir,
      }),
      'needs about',
      'the limit is 2 GiB: use narrower layers (--hidden), fewer components (-k) or fewer rows per step (--batch-size)',
    );
    expectRefused(
      mdn(['train', 'base.csv', '--y', 'y', '--out', 'h.mdn.json', '-k', '100000'], { cwd: dir }),
      'needs about',
    );
  });
});

describe('messages', () => {
  it('diagnose on 9 rows is bad input (exit 2), not a bug', () => {
    write(dir, 'nine.csv', table(9, 2));
    expectRefused(mdn(['diagnose', 'base.mdn.json', 'nine.csv'], { cwd: dir }), 'diagnose needs at least 10 rows');
  });

  it.each([
    [
      'cols',
      'model.metadata = { ...model.metadata, inputColumns: ["x"] };',
      'metadata.inputColumns names 1 columns but the model has 2 inputs',
    ],
    [
      'number',
      'model.metadata = { ...model.metadata, inputColumns: [5, "b"] };',
      'metadata.inputColumns[0] must be a string, not 5',
    ],
    [
      'string',
      'model.metadata = { ...model.metadata, inputColumns: "x" };',
      "metadata.inputColumns must be an array, not 'x'",
    ],
    ['null', 'model.metadata = null;', 'metadata must be an object, not null'],
  ])('model metadata of the wrong shape (%s) is refused on load, by every command', (name, edit, fragment) => {
    editModel('base.mdn.json', `meta-${name}.mdn.json`, edit);
    for (const args of [
      ['info', `meta-${name}.mdn.json`],
      ['predict', `meta-${name}.mdn.json`, 'base.csv'],
    ]) {
      expectRefused(mdn(args, { cwd: dir }), `meta-${name}.mdn.json: the model file is corrupt: ${fragment}`);
    }
  });

  it('control characters from a model file are escaped in messages and in mdn info', () => {
    editModel(
      'base.mdn.json',
      'esc.mdn.json',
      'model.metadata = { ...model.metadata, inputColumns: ["a\\u001b]0;owned\\u0007", "b"] }; ' +
        'model.metadata.inputSchema.columns[0].name = "a\\u001b]0;owned\\u0007";',
    );
    const run = mdn(['predict', 'esc.mdn.json', 'base.csv'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('a\\x1b]0;owned\\x07');
    const info = mdn(['info', 'esc.mdn.json'], { cwd: dir });
    expect(info.code).toBe(0);
    for (const text of [run.stderr, info.stdout])
      for (const control of ['\u001b', '\u0007']) expect(text).not.toContain(control);
  });

  it('option errors name the flag, not the library option', () => {
    const train = (...flags: string[]) =>
      mdn(['train', 'base.csv', '--y', 'y', '--out', 'o.mdn.json', ...flags], { cwd: dir });
    expectRefused(
      train('--tails', '0.5'),
      "argument '0.5' is invalid. expected a number in [0, 0.5) or 'off', got '0.5'.",
    );
    expectRefused(
      train('--validation-split', '0.999'),
      'mdn: error: --validation-split 0.999 leaves 0 training rows of 400',
    );
    expectRefused(train('--ensemble', '1000'), "expected a whole number in [1, 100], got '1000'.");
    write(dir, 'three.csv', table(3, 4));
    const auto = mdn(['train', 'three.csv', '--y', 'y', '--out', 'o.mdn.json', '-k', 'auto'], { cwd: dir });
    expectRefused(
      auto,
      "-k 'auto' chooses K on validation NLL",
      'hold some out with --validation-split, or give a number of components',
    );
    expect(auto.stderr).not.toContain('validation set');
  });

  it('flags that would be ignored are refused with what they are for', () => {
    expectRefused(
      mdn(['train', 'base.csv', '--y', 'y', '--out', 'o.mdn.json', '--rows', '5'], { cwd: dir }),
      '--rows sets how many rows --example draws',
    );
    expectRefused(mdn(['train', '--example', '--y', 'foo', '--out', 'o.mdn.json'], { cwd: dir }), '--y is for DATA');
    expectRefused(mdn(['predict', 'base.mdn.json', 'base.csv', '--y', 'zz'], { cwd: dir }), '--y is not used here');
    // Unless @tensorflow/tfjs-node is installed (it cannot be here), --backend node is an error, not a silent wasm run.
    const node = mdn(['train', 'base.csv', '--y', 'y', '--out', 'o.mdn.json', '--backend', 'node', '--epochs', '1'], {
      cwd: dir,
    });
    if (!node.stdout.includes('Backend tensorflow'))
      expect(node.stderr).toContain('--backend node needs @tensorflow/tfjs-node');
  });

  it('a TSV file named .csv is read as TSV; a NUL byte and Windows-1252 text are named as what they are', () => {
    write(dir, 'tabs.csv', base().replaceAll(',', '\t'));
    const tabs = mdn(['eval', 'base.mdn.json', 'tabs.csv', '--json'], { cwd: dir });
    expect(tabs.code, tabs.stderr).toBe(0);
    expect(JSON.parse(tabs.stdout).n).toBe(400);
    write(dir, 'nul.csv', Buffer.from('a,b\n1,2\n4,5\u0000\n'));
    expectRefused(
      mdn(['predict', 'base.mdn.json', 'nul.csv'], { cwd: dir }),
      'nul.csv: holds a NUL byte at byte 12 (line 3)',
    );
    write(dir, 'latin.csv', Buffer.concat([Buffer.from('a,b,caf'), Buffer.from([0xe9]), Buffer.from('\n1,2,3\n')]));
    expectRefused(
      mdn(['predict', 'base.mdn.json', 'latin.csv'], { cwd: dir }),
      'latin.csv: line 1 holds bytes that are not UTF-8 (0xE9 at byte 8): the file looks like Windows-1252',
    );
  });

  it('training from stdin says nothing about tfjs platforms', () => {
    const run = mdn(
      ['train', '-', '--y', 'y', '--out', 'stdin.mdn.json', '--epochs', '2', '--ensemble', '1', '--quiet'],
      {
        cwd: dir,
        input: base(),
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Training on stdin: 400 rows');
    expect(run.stderr).toBe('');
  });
});

/** The shared 400-row table. */
function base(): string {
  return readFileSync(path.join(dir, 'base.csv'), 'utf8');
}

describe('more of the same kinds, found by trying them', () => {
  it('--out and --plot naming one file by two spellings, or an existing model as a CSV output, are refused', () => {
    expectRefused(
      mdn(['train', 'base.csv', '--y', 'y', '--out', 'same.svg', '--plot', './same.svg'], { cwd: dir }),
      '--out and --plot name the same file',
    );
    const before = readFileSync(path.join(dir, 'base.mdn.json'), 'utf8');
    for (const args of [
      ['predict', 'base.mdn.json', 'base.csv', '--out', 'base.mdn.json'],
      ['sample', 'base.mdn.json', 'base.csv', '-n', '1', '--out', './base.mdn.json'],
    ]) {
      expectRefused(mdn(args, { cwd: dir }), 'is the input file itself');
    }
    writeFileSync(path.join(dir, 'other.mdn.json'), before);
    expectRefused(
      mdn(['predict', 'base.mdn.json', 'base.csv', '--out', 'other.mdn.json'], { cwd: dir }),
      '--out other.mdn.json is an mdn model; refusing to replace it with this output',
    );
    expect(readFileSync(path.join(dir, 'other.mdn.json'), 'utf8')).toBe(before);
  });

  it('a model written to --out by another run during training is kept; this one is rescued', async () => {
    const rescues = path.join(dir, 'race-rescues');
    mkdirSync(rescues, { recursive: true });
    const child = spawn(
      process.execPath,
      [
        BIN,
        'train',
        'base.csv',
        '--y',
        'y',
        '--out',
        'race.mdn.json',
        '--epochs',
        '4000',
        '--patience',
        'off',
        '--ensemble',
        '1',
      ],
      { cwd: dir, env: { ...env, TMPDIR: rescues } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      // The other run saves first.
      if (/epoch {2}10\//.test(stderr) && !existsSync(path.join(dir, 'race.mdn.json'))) {
        writeFileSync(path.join(dir, 'race.mdn.json'), readFileSync(path.join(dir, 'base.mdn.json')));
      }
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(
      'race.mdn.json was written by another program while this one trained; it is left as it is',
    );
    expect(readFileSync(path.join(dir, 'race.mdn.json'), 'utf8')).toBe(
      readFileSync(path.join(dir, 'base.mdn.json'), 'utf8'),
    );
    expect(readdirSync(rescues).filter((name) => name.startsWith('mdn-rescued-race-'))).toHaveLength(1);
  });

  it('a list flag given twice, a hexadecimal number, --covariance full on one target and an unplottable --plot are refused', () => {
    const repeated = mdn(['train', 'base.csv', '--y', 'y', '--x', 'a', '--x', 'b', '--out', 'r.mdn.json'], {
      cwd: dir,
    });
    expect(repeated.code).toBe(2);
    expect(repeated.stderr).toContain('--x is given 2 times; give its list once, comma-separated');
    const quantiles = mdn(['predict', 'base.mdn.json', 'base.csv', '--quantiles', '0.5', '--quantiles', '0.9'], {
      cwd: dir,
    });
    expect(quantiles.code).toBe(2);
    const hex = mdn(['sample', 'base.mdn.json', 'base.csv', '-n', '1', '--temperature', '0x10'], { cwd: dir });
    expect(hex.code).toBe(2);
    expect(hex.stderr).toContain("expected a number ≥ 0, got '0x10'");
    expectRefused(
      mdn(['train', 'base.csv', '--y', 'y', '--covariance', 'full', '--out', 'c.mdn.json'], { cwd: dir }),
      '--covariance full correlates several --y targets',
    );
    expectRefused(
      mdn(['train', 'base.csv', '--y', 'y', '--out', 'p.mdn.json', '--plot', 'p.svg'], { cwd: dir }),
      '--plot draws a model with 1 input and 1 target; this one would have 2 inputs and 1 target',
    );
  });

  it('noise beyond any use is refused before training', () => {
    expectRefused(
      mdn(['train', 'base.csv', '--y', 'y', '--out', 'n.mdn.json', '--noise', '1e300'], { cwd: dir }),
      '--noise must be at most 10',
    );
  });

  it('an input column named like an output column, and a header-only file, write no output', () => {
    write(dir, 'clash.csv', base().replace('a,b,y', 'mean,sample,y'));
    const trained = mdn(
      ['train', 'clash.csv', '--y', 'y', '--out', 'clash.mdn.json', '--epochs', '2', '--ensemble', '1', '--quiet'],
      {
        cwd: dir,
      },
    );
    expect(trained.code, trained.stderr).toBe(0);
    expectRefused(
      mdn(['predict', 'clash.mdn.json', 'clash.csv'], { cwd: dir }),
      "the input column 'mean' has the name of a column mdn predict writes",
    );
    const sampled = mdn(['sample', 'clash.mdn.json', 'clash.csv', '-n', '1'], { cwd: dir });
    expectRefused(sampled, "the input column 'sample' has the name of a column mdn sample writes");
    expect(sampled.stdout).toBe('');
    write(dir, 'header-only.csv', 'a,b\n');
    const empty = mdn(['sample', 'base.mdn.json', 'header-only.csv', '-n', '3'], { cwd: dir });
    expectRefused(empty, 'has a header but no data rows');
    expect(empty.stdout).toBe('');
  });

  it('a reader that stops reading (a stalled pipe) holds the command, not its memory', async () => {
    const child = spawn(process.execPath, [BIN, 'sample', 'base.mdn.json', 'base.csv', '-n', '100000'], {
      cwd: dir,
      env,
    });
    try {
      // The first output says the command is past its start (tfjs loaded, model read): from then on stdout is never
      // read, and once the pipe's buffer fills, the command must wait, not queue its output (gigabytes) in memory.
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => {
          child.stdout.pause();
          resolve();
        });
        child.once('exit', (code) => reject(new Error(`mdn sample ended (${code}) before writing anything`)));
      });
      const rss = () =>
        Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      await wait(2000);
      const early = rss();
      await wait(8000);
      const late = rss();
      expect(child.exitCode).toBe(null);
      expect(late - early).toBeLessThan(100 * 2 ** 20);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('every command ends on SIGTERM with 130 and a line saying so', async () => {
    write(dir, 'long-eval.csv', table(300_000, 9));
    const child = spawnMdn(['eval', 'base.mdn.json', 'long-eval.csv'], dir);
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    setTimeout(() => child.kill('SIGTERM'), 2500);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(stderr).toContain('Interrupted (SIGTERM).');
  });

  it('control characters in labels and file names are escaped: in a plot and on success lines', () => {
    const one = mdn(
      [
        'train',
        'base.csv',
        '--y',
        'y',
        '--x',
        'a',
        '--out',
        'one.mdn.json',
        '--epochs',
        '2',
        '--ensemble',
        '1',
        '--quiet',
      ],
      { cwd: dir },
    );
    expect(one.code, one.stderr).toBe(0);
    const svg = mdn(['plot', 'one.mdn.json', 'base.csv', '--out', 't.svg', '--title', 'a\u000bb\u001b[31m'], {
      cwd: dir,
    });
    expect(svg.code, svg.stderr).toBe(0);
    const text = readFileSync(path.join(dir, 't.svg'), 'utf8');
    expect(text).toContain('a\\x0bb\\x1b[31m');
    expect([...text].some((c) => c.charCodeAt(0) < 0x20 && c !== '\n')).toBe(false);
    const png = mdn(['plot', 'one.mdn.json', 'base.csv', '--out', 't.png', '--title', 'a\u000bb'], { cwd: dir });
    expect(png.code, png.stderr).toBe(0);
    write(dir, 'e\u001b[2J.csv', base());
    const scored = mdn(['eval', 'base.mdn.json', 'e\u001b[2J.csv'], { cwd: dir });
    expect(scored.code, scored.stderr).toBe(0);
    expect(scored.stdout).toContain('e\\x1b[2J.csv: 400 rows scored');
    expect(scored.stdout).not.toContain('\u001b');
  });
});
