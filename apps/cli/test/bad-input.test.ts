import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, mdn, spawnMdn, temporaryDirectory, toyCsv, write } from './run-cli.js';

const dir = temporaryDirectory();
let modelText: string;

beforeAll(() => {
  write(dir, 'good.csv', toyCsv(200, 4));
  // One network (not the default ensemble of 5 on 200 rows): a small model file to break in the tests below.
  const run = mdn(
    ['train', 'good.csv', '--y', 'y', '--out', 'good.mdn.json', '--epochs', '3', '--ensemble', '1', '--quiet'],
    {
      cwd: dir,
    },
  );
  expect(run.code).toBe(0);
  modelText = readFileSync(path.join(dir, 'good.mdn.json'), 'utf8');
});

/** A user error: exit 2, one line naming what is wrong, no stack trace, nothing written. */
function expectBadInput(run: ReturnType<typeof mdn>, ...fragments: string[]) {
  expect(run.code, run.stderr).toBe(2);
  for (const fragment of fragments) expect(run.stderr).toContain(fragment);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stdout).not.toContain('Saved the model');
}

/** Runs `mdn args`, sends `signal` once `pattern` shows on the `watch` stream, and resolves with the exit. */
function signalWhen(args: string[], watch: 'stdout' | 'stderr', pattern: RegExp, signal: NodeJS.Signals) {
  const child = spawnMdn(args, dir);
  const output = { stdout: '', stderr: '' };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (chunk) => {
      output[stream] += chunk;
      if (stream === watch && pattern.test(output[stream]) && !child.killed) child.kill(signal);
    });
  }
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('exit', (code) => resolve({ code, ...output }));
  });
}

const trainOn = (name: string, content: string, extra: string[] = []) => {
  write(dir, name, content);
  return mdn(
    ['train', name, '--y', 'y', '--out', 'out.mdn.json', '--epochs', '2', '--ensemble', '1', '--quiet', ...extra],
    { cwd: dir },
  );
};

describe('bad data files are refused with file, line and column named, and no model is written', () => {
  it.each([
    ['inf.csv', 'x,y\n1,2\n2,3\nInfinity,4\n', ["inf.csv: line 4, column 'x' is Infinity, too large to train on"]],
    ['text.csv', 'x,y\n1,2\n2,three\n', ["text.csv: line 3, column 'y' is 'three', not a number"]],
    ['huge.csv', 'x,y\n1,2\n2,1e200\n3,4\n', ["huge.csv: line 3, column 'y' is 1e200, too large"]],
    ['hugex.csv', 'x,y\n1,2\n-1e200,3\n3,4\n', ["hugex.csv: line 3, column 'x' is -1e200, too large"]],
    ['empty.csv', '', ['empty.csv: the file is empty']],
    ['header.csv', 'x,y\n', ['header.csv: has 0 data rows; training needs at least 2']],
    ['one.csv', 'x,y\n1,2\n', ['one.csv: has 1 data row; training needs at least 2']],
    ['constant.csv', 'x,y\n1,5\n2,5\n3,5\n', ["constant.csv: target 'y' is 5 in every training row"]],
    ['dup.csv', 'x,y,x\n1,2,3\n2,3,4\n', ["dup.csv: the header names 'x' twice (columns 1 and 3)"]],
    ['ragged.csv', 'x,y\n1,2\n2,3,4\n', ['ragged.csv: line 3 has 3 fields but the header has 2']],
    ['noname.csv', 'x,,y\n1,2,3\n', ['noname.csv: line 1, column 2 has an empty name']],
  ])('%s', (name, content, fragments) => {
    expectBadInput(trainOn(name, content), ...fragments);
    expect(existsSync(path.join(dir, 'out.mdn.json'))).toBe(false);
  });

  it.each([
    ['nan.csv', 'x,y\n1,2\n2,NaN\n3,4\n', "nan.csv: line 3, column 'y' is missing ('NaN')"],
    ['blank.csv', 'x,y\n1,2\n2,\n3,4\n', "blank.csv: line 3, column 'y' is missing ('')"],
  ])(
    '%s: a missing target cell is refused with --missing-target error (by default the row is left out)',
    (name, content, fragment) => {
      expectBadInput(trainOn(name, content, ['--missing-target', 'error']), fragment);
      expect(existsSync(path.join(dir, 'out.mdn.json'))).toBe(false);
      const dropped = mdn(['train', name, '--y', 'y', '--out', 'kept.mdn.json', '--epochs', '2', '--ensemble', '1'], {
        cwd: dir,
      });
      expect(dropped.code).toBe(0);
      expect(dropped.stdout).toContain('1 row left out: the target is missing (line 3)');
    },
  );

  it('a missing column lists the columns the file has', () => {
    write(dir, 'cols.csv', 'a,b\n1,2\n2,3\n');
    expectBadInput(
      mdn(['train', 'cols.csv', '--y', 'price', '--out', 'out.mdn.json'], { cwd: dir }),
      "cols.csv: no column named 'price' (from --y); the file has 'a', 'b'",
    );
    expectBadInput(
      mdn(['train', 'cols.csv', '--y', 'b', '--x', 'a,c', '--out', 'out.mdn.json'], { cwd: dir }),
      "cols.csv: no column named 'c' (from --x)",
    );
  });

  it('a missing file, a folder, and a missing --y or --out are usage errors', () => {
    expectBadInput(mdn(['train', 'nope.csv', '--y', 'y', '--out', 'o.json'], { cwd: dir }), 'nope.csv: no such file');
    expectBadInput(mdn(['train', '.', '--y', 'y', '--out', 'o.json'], { cwd: dir }), '.: is a directory');
    expectBadInput(mdn(['train', 'good.csv', '--out', 'o.json'], { cwd: dir }), '--y is required with DATA');
    expectBadInput(
      mdn(['train', '-', '--y', 'y'], { cwd: dir, input: 'y,a\n1,2\n' }),
      '--out is required when reading stdin',
    );
    expectBadInput(mdn(['train'], { cwd: dir }), 'give a CSV/TSV file to train on');
    // 2³² + 1 would wrap to seed 1: refused as a flag error, not blamed on the data file.
    const seed = mdn(['train', 'good.csv', '--y', 'y', '--out', 'o.json', '--seed', '4294967297'], { cwd: dir });
    expectBadInput(seed, "expected a whole number in [0, 4294967295], got '4294967297'");
    expect(seed.stderr).not.toContain('good.csv');
  });

  it('scoring data that lacks the model columns says which columns the model needs', () => {
    write(dir, 'other.csv', 'a,y\n1,2\n');
    expectBadInput(
      mdn(['predict', 'good.mdn.json', 'other.csv'], { cwd: dir }),
      "other.csv: no column named 'x' (from input)",
      'good.mdn.json reads its inputs from the columns x',
    );
    write(dir, 'xonly.csv', 'x\n1\n2\n');
    expect(mdn(['predict', 'good.mdn.json', 'xonly.csv'], { cwd: dir }).code).toBe(0);
    expectBadInput(mdn(['eval', 'good.mdn.json', 'xonly.csv'], { cwd: dir }), 'scoring needs the target columns y');
  });
});

describe('files that are awkward but valid are read', () => {
  it('a UTF-8 BOM, CRLF line ends, quoted cells and blank lines', () => {
    const body = toyCsv(60, 8).trim().split('\n').slice(1);
    const text = `\uFEFF"x","y"\r\n${body.join('\r\n')}\r\n\r\n`;
    const run = trainOn('bom-crlf.csv', text);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Training on bom-crlf.csv: 60 rows; inputs x; target y.');
  });

  it('UTF-16 (either byte order, with its byte-order mark) and a file larger than one read chunk', () => {
    const text = toyCsv(60, 10);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
    for (const [name, bytes] of [
      ['utf16le.csv', le],
      ['utf16be.csv', be],
    ] as const) {
      write(dir, name, bytes);
      const run = mdn(
        ['train', name, '--y', 'y', '--out', 'out.mdn.json', '--epochs', '2', '--ensemble', '1', '--quiet'],
        { cwd: dir },
      );
      expect(run.code, run.stderr).toBe(0);
    }
    // About 1.4 MB of rows: read and parsed a megabyte at a time, rows split across chunk boundaries anywhere.
    const rows = toyCsv(70_000, 11);
    write(dir, 'chunked.csv', rows);
    const run = mdn(['eval', 'out.mdn.json', 'chunked.csv', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).n).toBe(70_000);
    // predict and eval go through it a block of 65 536 rows at a time: every row comes out once, in order.
    const predicted = mdn(['predict', 'out.mdn.json', 'chunked.csv', '--out', 'chunked-predictions.csv'], { cwd: dir });
    expect(predicted.code, predicted.stderr).toBe(0);
    const written = readFileSync(path.join(dir, 'chunked-predictions.csv'), 'utf8').trim().split('\n');
    expect(written).toHaveLength(70_001);
    const inputs = rows
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',')[0]));
    for (const r of [0, 65_535, 65_536, 69_999])
      expect(Number(written[r + 1]!.split(',')[0])).toBeCloseTo(inputs[r]!, 4);
  });

  it('column names with commas and quotes are chosen by quoting them, as in CSV', () => {
    const body = toyCsv(60, 12).trim().split('\n').slice(1);
    write(dir, 'comma-names.csv', `"income, net","say ""y"""\n${body.join('\n')}\n`);
    const run = mdn(
      [
        'train',
        'comma-names.csv',
        '--x',
        '"income, net"',
        '--y',
        '"say ""y"""',
        '--out',
        'comma.mdn.json',
        '--epochs',
        '2',
        '--ensemble',
        '1',
      ],
      { cwd: dir },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('inputs income, net; target say "y".');
    const bad = mdn(['train', 'comma-names.csv', '--x', '"income', '--y', 'y', '--out', 'x.mdn.json'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('has no closing quote');
  });

  it('magnitudes of 1e30 train and score in original units', () => {
    const body = toyCsv(120, 9)
      .trim()
      .split('\n')
      .slice(1)
      .map((line) =>
        line
          .split(',')
          .map((v) => `${v}e30`)
          .join(','),
      );
    const run = trainOn('big.csv', `x,y\n${body.join('\n')}\n`, ['--epochs', '10']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(mdn(['eval', 'out.mdn.json', 'big.csv', '--json'], { cwd: dir }).stdout);
    // log p in original units: the toy's ~2.2 nats plus log(1e30) ≈ 69.1 nats for the scale.
    expect(report.nll).toBeGreaterThan(69);
    expect(report.nll).toBeLessThan(75);
    expect(Number.isFinite(report.crps)).toBe(true);
  });
});

describe('bad model files', () => {
  const cases: [string, string, string][] = [
    ['truncated.mdn.json', 'truncated', 'not a model file: the JSON does not parse'],
    ['foreign.mdn.json', '{"hello": "world"}', 'not a model file: expected "format": "mdn-model"'],
    [
      'future.mdn.json',
      'future',
      'model file format version 7 is not supported: this @mdn/core reads versions 1, 2, 3, 4, 5, 6; upgrade @mdn/cli (and @mdn/core)',
    ],
    ['corrupt.mdn.json', 'corrupt', 'the model file is corrupt: weight checksum'],
    ['relu.mdn.json', 'relu', 'the model file was edited or is corrupt: its content checksum'],
    ['rescaled.mdn.json', 'rescaled', 'the model file was edited or is corrupt: its content checksum'],
    ['huge.mdn.json', 'huge', 'the model file is corrupt: a network with hidden [12000, 12000], 5 components'],
  ];
  it.each(cases)('%s', (name, kind, fragment) => {
    const content =
      kind === 'truncated'
        ? modelText.slice(0, 2000)
        : kind === 'future'
          ? modelText.replace('"formatVersion":6', '"formatVersion":7')
          : kind === 'corrupt'
            ? modelText.replace(/"data":"([A-Za-z0-9+/])/, (_, c: string) => `"data":"${c === 'A' ? 'B' : 'A'}`)
            : kind === 'relu'
              ? modelText.replace('"activation":"tanh"', '"activation":"relu"')
              : kind === 'rescaled'
                ? modelText.replace(/"targetStandardiser":\{"mean":\[[^\]]*\],"scale":\[[^\]]*\]/, (m) =>
                    m.replace(/"scale":\[[^\]]*\]/, '"scale":[1e300]'),
                  )
                : kind === 'huge'
                  ? modelText.replace(/"hidden":\[[^\]]*\]/, '"hidden":[12000,12000]')
                  : kind;
    expect(content === kind || content !== modelText, `the ${kind} edit changed nothing`).toBe(true);
    write(dir, name, content);
    for (const command of [
      ['info', name],
      ['eval', name, 'good.csv'],
      ['predict', name, 'good.csv'],
    ]) {
      expectBadInput(mdn(command, { cwd: dir }), `${name}: ${fragment}`);
    }
  });

  it('a model with NaN weights and a valid checksum is refused, and sizes are checked before allocating', () => {
    // The file as a buggy writer would save it: NaN in a weight, every checksum recomputed by the library itself.
    const script = `
      const { loadModel, saveModel } = await import('@mdn/core');
      const { cpuBackend } = await import('@mdn/backend-cpu');
      const { useBackend } = await import('@mdn/core');
      const fs = await import('node:fs');
      await useBackend(cpuBackend());
      const model = loadModel(fs.readFileSync(${JSON.stringify(path.join(dir, 'good.mdn.json'))}, 'utf8'));
      const weights = model.getWeights();
      weights[0].values[0] = NaN;
      model.setWeights(weights);
      fs.writeFileSync(${JSON.stringify(path.join(dir, 'nan.mdn.json'))}, saveModel(model));`;
    // Run from the CLI's package folder, where @mdn/core and @mdn/backend-cpu resolve.
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '..'),
    });
    for (const command of [
      ['info', 'nan.mdn.json'],
      ['predict', 'nan.mdn.json', 'good.csv'],
    ]) {
      expectBadInput(mdn(command, { cwd: dir }), "nan.mdn.json: weight 'trunk.0.kernel' holds NaN at index 0");
    }
    const started = Date.now();
    expectBadInput(
      mdn(['train', 'good.csv', '--y', 'y', '--out', 'wide.mdn.json', '--hidden', '1000000000'], { cwd: dir }),
      'parameters; the limit is 5e+7',
    );
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('a target far outside the data scores a finite NLL; diagnose exits 3 on a problem', () => {
    write(
      dir,
      'far.csv',
      `x,y\n${Array.from({ length: 30 }, (_, i) => `${(i / 30).toFixed(3)},${i === 0 ? '1e20' : (i / 30).toFixed(3)}`).join('\n')}\n`,
    );
    const run = mdn(['eval', 'good.mdn.json', 'far.csv', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(Number.isFinite(report.nll)).toBe(true);
    expect(report.nll).toBeGreaterThan(1e30);
    // Every target 1000 above anything the model saw: worse than ignoring x, a problem.
    write(
      dir,
      'shifted.csv',
      `x,y\n${Array.from({ length: 40 }, (_, i) => `${(i / 4).toFixed(2)},${1000 + i / 40}`).join('\n')}\n`,
    );
    const diagnosis = mdn(['diagnose', 'good.mdn.json', 'shifted.csv', '--json'], { cwd: dir });
    expect(diagnosis.code, diagnosis.stderr).toBe(3);
    expect(JSON.parse(diagnosis.stdout).status).toBe('problem');
  });

  it('train exits 3 when its own diagnosis finds a problem, after saving the model and printing the report', () => {
    write(
      dir,
      'linear.csv',
      `x,y\n${Array.from({ length: 400 }, (_, i) => ((i * 37) % 400) / 40)
        .map((x, i) => `${x.toFixed(3)},${(3 * x + Math.sin(i * 12.9898)).toFixed(3)}`)
        .join('\n')}\n`,
    );
    // One epoch at a rate that cannot move the weights: the prediction ignores x (the collapsed solution).
    const args = ['train', 'linear.csv', '--y', 'y', '--epochs', '1', '--learning-rate', '1e-7'];
    const run = mdn([...args, '--out', 'barely.mdn.json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toMatch(/status: problem[\s\S]*\[problem\] The prediction barely depends on x/);
    expect(run.stderr).toContain('The diagnosis found a problem with this model');
    expect(run.stderr).toContain('it is saved all the same');
    expect(JSON.parse(readFileSync(path.join(dir, 'barely.mdn.json'), 'utf8')).format).toBeDefined();
  });

  it('a missing model file says how to make one', () => {
    expectBadInput(
      mdn(['info', 'absent.mdn.json'], { cwd: dir }),
      "absent.mdn.json: no such model file; train one with 'mdn train",
    );
  });
});

describe('writes lose nothing', () => {
  it('refuses to overwrite a file that is not a model, or the input itself', () => {
    write(dir, 'notes.txt', 'precious');
    expectBadInput(
      mdn(['train', 'good.csv', '--y', 'y', '--out', 'notes.txt', '--epochs', '2', '--ensemble', '1'], { cwd: dir }),
      '--out notes.txt exists and is not an mdn model; refusing to overwrite it',
    );
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('precious');
    expectBadInput(
      mdn(['train', 'good.csv', '--y', 'y', '--out', 'good.csv', '--epochs', '2', '--ensemble', '1'], { cwd: dir }),
      '--out good.csv is the input file itself',
    );
    expectBadInput(
      mdn(['predict', 'good.mdn.json', 'good.csv', '--out', 'good.mdn.json'], { cwd: dir }),
      '--out good.mdn.json is the input file itself',
    );
    expect(readFileSync(path.join(dir, 'good.mdn.json'), 'utf8')).toBe(modelText);
    expectBadInput(
      mdn(['train', 'good.csv', '--y', 'y', '--out', 'missing/dir/m.json'], { cwd: dir }),
      'does not exist; create it first',
    );
    const replaced = mdn(
      ['train', 'good.csv', '--y', 'y', '--out', 'notes.txt', '--epochs', '2', '--ensemble', '1', '--force', '--quiet'],
      {
        cwd: dir,
      },
    );
    expect(replaced.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).format).toBe('mdn-model');
  });

  it('refuses to write over a pipe or a link, before any training, and leaves them as they were', () => {
    write(dir, 'ok.csv', toyCsv(60, 4));
    const fifo = path.join(dir, 'pipe.mdn.json');
    execFileSync('mkfifo', [fifo]);
    const target = write(dir, 'target.txt', 'keep me');
    const link = path.join(dir, 'link.mdn.json');
    symlinkSync(target, link);
    for (const [out, what] of [
      ['pipe.mdn.json', fifo],
      ['link.mdn.json', link],
    ] as const) {
      const run = trainOn('ok.csv', toyCsv(60, 4), ['--out', out]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`--out ${out} is not a regular file (a link, device or pipe)`);
      expect(run.stdout).not.toContain('Training on');
      expect(lstatSync(what).isFile()).toBe(false);
    }
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    // A pipe given as the model to read is refused at once (reading it would wait forever).
    for (const command of ['info', 'eval', 'predict']) {
      const run = mdn(command === 'info' ? [command, 'pipe.mdn.json'] : [command, 'pipe.mdn.json', 'ok.csv'], {
        cwd: dir,
      });
      expectBadInput(run, 'pipe.mdn.json: not a regular file (a folder, device or pipe)');
    }
  });

  it('UTF-16 or UTF-32 without a byte-order mark is named as such, not as a puzzle about fields', () => {
    for (const [name, encode] of [
      ['utf16-nobom.csv', (s: string) => Buffer.from(s, 'utf16le')],
      ['utf32-nobom.csv', (s: string) => Buffer.from([...s].flatMap((c) => [c.charCodeAt(0), 0, 0, 0]))],
    ] as const) {
      write(dir, name, encode(toyCsv(30, 2)));
      expectBadInput(
        mdn(['train', name, '--y', 'y', '--out', 'o.mdn.json', '--quiet'], { cwd: dir }),
        `${name}: holds NUL bytes near the start: it looks like UTF-16 or UTF-32 text without a byte-order mark`,
      );
    }
  });

  it('control characters in column names never reach the terminal: printed escaped', () => {
    const header = 'x\x1b]0;owned\x07,y\x1b[31m';
    const body = toyCsv(80, 6).split('\n').slice(1).join('\n');
    write(dir, 'esc.csv', `${header}\n${body}`);
    const run = mdn(
      ['train', 'esc.csv', '--y', 'y\x1b[31m', '--out', 'esc.mdn.json', '--epochs', '2', '--ensemble', '1'],
      { cwd: dir },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('inputs x\\x1b]0;owned\\x07; target y\\x1b[31m.');
    const info = mdn(['info', 'esc.mdn.json'], { cwd: dir });
    expect(info.code, info.stderr).toBe(0);
    for (const text of [run.stdout, run.stderr, info.stdout]) expect(text).not.toContain('\x1b');
  });

  it.skipIf(!existsSync('/dev/full'))('a full disk behind stdout is an error, not a silent truncation', () => {
    // The shell's `mdn predict … > file` on a full disk; /dev/full is only written to, never replaced.
    const full = openSync('/dev/full', 'w');
    try {
      const run = spawnSync(process.execPath, [BIN, 'predict', 'good.mdn.json', 'good.csv'], {
        cwd: dir,
        stdio: ['ignore', full, 'pipe'],
        encoding: 'utf8',
        env: { ...process.env, MDN_DEBUG: '' },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('writing the output failed (ENOSPC): it is incomplete');
    } finally {
      closeSync(full);
    }
    expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('a bad file leaves an existing model untouched and no temp files behind', () => {
    write(dir, 'keep.mdn.json', modelText);
    expectBadInput(trainOn('bad-keep.csv', 'x,y\n1,2\n2,oops\n', ['--out', 'keep.mdn.json']));
    expect(readFileSync(path.join(dir, 'keep.mdn.json'), 'utf8')).toBe(modelText);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    '%s stops training, saves the best model so far and exits 130',
    async (signal) => {
      write(dir, 'long.csv', toyCsv(3000, 11));
      const { code, stdout, stderr } = await signalWhen(
        ['train', 'long.csv', '--y', 'y', '--out', `interrupted-${signal}.mdn.json`, '--epochs', '400'],
        'stderr',
        /epoch {2}10\//,
        signal,
      );
      expect(code, stderr).toBe(130);
      expect(stderr).toContain('Stopping after this epoch; the best weights so far will be saved');
      expect(stdout).toMatch(/Interrupted after \d+ epochs \(aborted; best epoch \d+\)/);
      expect(stdout).toContain(`Saved the model to interrupted-${signal}.mdn.json`);
      const info = mdn(['info', `interrupted-${signal}.mdn.json`], { cwd: dir });
      expect(info.code).toBe(0);
      expect(info.stdout).toContain('(aborted, best epoch');
    },
  );

  it.each(['SIGTERM', 'SIGHUP'] as const)(
    '%s just after training ends never costs the model: it is saved, then the command stops with 130',
    async (signal) => {
      // The signal is sent when the final NLL is printed, right before the save (the signal handlers used to be
      // removed there, so the default action killed the process and the trained model was lost).
      write(dir, 'after.csv', toyCsv(6000, 5));
      const out = `after-${signal}.mdn.json`;
      const { code, stderr } = await signalWhen(
        ['train', 'after.csv', '--y', 'y', '--out', out, '--epochs', '1', '--plot', 'a.svg'],
        'stdout',
        /Final NLL/,
        signal,
      );
      // 130 when the signal arrives during the diagnosis, the plot or the final flush (the handlers stay once the
      // model is saved); 0 only when the process had already exited. Never killed by the signal, never without
      // the model.
      expect([130, 0], stderr).toContain(code);
      if (code === 130)
        expect(stderr).toMatch(/Interrupted after training; the model is saved|Interrupted; the model was saved/);
      const info = mdn(['info', out], { cwd: dir });
      expect(info.code, info.stderr).toBe(0);
    },
  );
});
