#!/usr/bin/env node
// The packed-install test: what a JavaScript user gets from npm, checked from the tarballs we would publish.
//
//   node tooling/scripts/packed-install.mjs [--keep]      (after `pnpm build`; pnpm test:all runs it)
//
// 1. `pnpm pack` every publishable workspace package (the tarballs `changeset publish` would upload) and check
//    each manifest and file list: no workspace: ranges, scripts or devDependencies; repository/homepage/bugs,
//    engines, LICENSE and NOTICE present; no source maps; declarations only for libraries.
// 2. Serve them from a small registry on 127.0.0.1 for the @mdn scope (everything else comes from the npm
//    registry as usual) and `npm install` them into a fresh folder outside the workspace.
// 3. Run the README's library example in Node as ESM and through require(); typecheck it with TypeScript under
//    node16 and bundler resolution with strict and skipLibCheck false.
// 4. Build a fresh Vite app whose module worker trains with the wasm backend (only mdnWasm() in its config),
//    and check it in headless Chromium, built and under `vite dev`.
// 5. `npm install -g @mdn/cli` (into a private prefix), run `mdn train --example`, and check that exactly one
//    copy of @tensorflow/tfjs-core is installed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(path.join(tmpdir(), 'mdn-packed-'));
const started = Date.now();
const log = (message) => console.log(`[packed-install ${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);
const failures = [];
const check = (ok, message) => {
  if (!ok) failures.push(message);
};

/** Runs a command (asynchronously: the registry answers from this process meanwhile); rejects on failure. */
function run(command, args, { cwd, env, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else {
        const shown = `${stdout}\n${stderr}`.trim().split('\n').slice(-40).join('\n');
        reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed (${signal ?? `exit ${code}`}):\n${shown}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Pack and inspect.
const workspaceDirs = ['packages', 'apps'].flatMap((group) =>
  readdirSync(path.join(repo, group)).map((name) => path.join(repo, group, name)),
);
const published = workspaceDirs
  .filter((dir) => existsSync(path.join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.private !== true);
const tarballDir = path.join(work, 'tarballs');
mkdirSync(tarballDir);

/** The files of a .tgz (ustar: 512-byte headers, names possibly split into prefix + name). */
function tarEntries(file) {
  const data = gunzipSync(readFileSync(file));
  const entries = new Map();
  for (let offset = 0; offset + 512 <= data.length; ) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const text = (start, length) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const name = text(0, 100);
    const prefix = text(345, 155);
    const size = Number.parseInt(text(124, 12).trim() || '0', 8);
    const full = prefix ? `${prefix}/${name}` : name;
    entries.set(full.replace(/^package\//, ''), data.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

const packages = new Map(); // name → { version, manifest, file, integrity, shasum }
for (const { dir } of published) {
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', tarballDir], { cwd: dir });
  const file = stdout.trim().split('\n').pop().trim();
  const entries = tarEntries(file);
  const packed = JSON.parse(entries.get('package.json').toString('utf8'));
  const name = packed.name;
  const bytes = readFileSync(file);
  packages.set(name, {
    version: packed.version,
    manifest: packed,
    file,
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    shasum: createHash('sha1').update(bytes).digest('hex'),
  });
  const where = `${name} tarball`;
  const ranges = { ...packed.dependencies, ...packed.peerDependencies, ...packed.optionalDependencies };
  for (const [dependency, range] of Object.entries(ranges)) {
    check(!String(range).startsWith('workspace:'), `${where}: ${dependency} has the range ${range}`);
  }
  check(packed.scripts === undefined, `${where}: ships scripts (${Object.keys(packed.scripts ?? {}).join(', ')})`);
  check(packed.devDependencies === undefined, `${where}: ships devDependencies`);
  const relative = path.relative(repo, dir).split(path.sep).join('/');
  check(packed.repository?.directory === relative, `${where}: repository.directory is not ${relative}`);
  check(typeof packed.repository?.url === 'string', `${where}: no repository.url`);
  check(typeof packed.homepage === 'string' && typeof packed.bugs?.url === 'string', `${where}: no homepage/bugs`);
  check(typeof packed.engines?.node === 'string', `${where}: no engines.node`);
  check(packed.license === 'Apache-2.0', `${where}: license is ${packed.license}`);
  for (const required of ['LICENSE', 'NOTICE', 'README.md']) check(entries.has(required), `${where}: no ${required}`);
  const maps = [...entries.keys()].filter((entry) => entry.endsWith('.map'));
  check(maps.length === 0, `${where}: ships source maps that point at unshipped src/ (${maps.slice(0, 3).join(', ')})`);
  const declarations = [...entries.keys()].filter((entry) => entry.endsWith('.d.ts'));
  if (packed.types === undefined) check(declarations.length === 0, `${where}: ships ${declarations.length} .d.ts`);
  else check(declarations.length > 0, `${where}: declares types but ships no .d.ts`);
  for (const entry of declarations) {
    const text = entries.get(entry).toString('utf8');
    const deep = text.match(/from ['"](@tensorflow\/[^'"]+\/dist\/[^'"]*)['"]|import ['"]([^'"]+)['"]/);
    check(!deep, `${where}: ${entry} imports ${deep?.[1] ?? deep?.[2]}`);
  }
  log(`packed ${name}@${packed.version}: ${(bytes.length / 1024).toFixed(0)} kB, ${entries.size} files`);
}

// ---------------------------------------------------------------------------------------------------------------
// 2. A registry for the @mdn scope on 127.0.0.1.
const registry = createServer((request, response) => {
  const url = decodeURIComponent((request.url ?? '/').split('?')[0]);
  const tarball = url.match(/^\/-\/(.+\.tgz)$/);
  if (tarball) {
    const entry = [...packages.values()].find((pkg) => path.basename(pkg.file) === tarball[1]);
    if (!entry) return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    return response.end(readFileSync(entry.file));
  }
  const entry = packages.get(url.slice(1));
  if (!entry) {
    response.writeHead(404, { 'content-type': 'application/json' });
    return response.end(JSON.stringify({ error: 'not found' }));
  }
  const { port } = registry.address();
  const version = {
    ...entry.manifest,
    _id: `${entry.manifest.name}@${entry.version}`,
    dist: {
      tarball: `http://127.0.0.1:${port}/-/${path.basename(entry.file)}`,
      integrity: entry.integrity,
      shasum: entry.shasum,
    },
  };
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      name: entry.manifest.name,
      'dist-tags': { latest: entry.version },
      versions: { [entry.version]: version },
    }),
  );
});
await new Promise((resolve) => registry.listen(0, '127.0.0.1', resolve));
const registryUrl = `http://127.0.0.1:${registry.address().port}/`;
const npmrc = `@mdn:registry=${registryUrl}\nfund=false\naudit=false\nupdate-notifier=false\n`;
log(`registry for @mdn at ${registryUrl}`);

// The versions the workspace itself pins (its catalog), so the fresh app gets what we test against.
const catalog = Object.fromEntries(
  [...readFileSync(path.join(repo, 'pnpm-workspace.yaml'), 'utf8').matchAll(/^ {2}"?([@\w/.-]+)"?: (\S+)$/gm)].map(
    (match) => [match[1], match[2]],
  ),
);

try {
  // -------------------------------------------------------------------------------------------------------------
  // 3. A fresh folder outside the workspace: the library example, as ESM, through require(), and typechecked.
  const app = path.join(work, 'app');
  mkdirSync(path.join(app, 'src'), { recursive: true });
  writeFileSync(path.join(app, '.npmrc'), npmrc);
  writeFileSync(
    path.join(app, 'package.json'),
    `${JSON.stringify(
      {
        name: 'fresh-mdn-app',
        private: true,
        type: 'module',
        dependencies: {
          '@mdn/core': packages.get('@mdn/core').version,
          '@mdn/backend-wasm': packages.get('@mdn/backend-wasm').version,
          '@mdn/backend-cpu': packages.get('@mdn/backend-cpu').version,
          '@tensorflow/tfjs-core': catalog['@tensorflow/tfjs-core'],
          '@tensorflow/tfjs-backend-wasm': catalog['@tensorflow/tfjs-backend-wasm'],
          '@tensorflow/tfjs-backend-cpu': catalog['@tensorflow/tfjs-backend-cpu'],
        },
        devDependencies: { typescript: catalog.typescript, vite: catalog.vite, '@types/node': catalog['@types/node'] },
      },
      null,
      2,
    )}\n`,
  );
  log('npm install in a fresh folder');
  await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: app });

  // The README's example, with data: y | x is a two-branch mixture whose spread grows with x.
  const exampleBody = (importLines) => `${importLines}
const rows = 400;
const x = [];
const y = [];
for (let i = 0; i < rows; i += 1) {
  const u = (i + 0.5) / rows;
  const branch = i % 2 === 0 ? 1 : -1;
  x.push([u * 5]);
  y.push([branch * u * 5 + 0.3 * (1 + u) * Math.sin(i * 12.9898)]);
}
const xTest = x.filter((_, i) => i % 4 === 0);
const yTest = y.filter((_, i) => i % 4 === 0);

await useBackend(wasmBackend());
const { model, history } = await train(x, y, { epochs: 40 });
const host = await model.predictHost([[2.5]]);
const quantiles = host.quantile([0.05, 0.5, 0.95]);
const interval = host.interval(0.9);
const mode = host.mode();
const samples = host.sample(100, { seed: 1 });
const diagnosis = await diagnose(model, xTest, yTest);
const file = saveModel(model);
const again = loadModel(file);
const reloaded = await again.predictHost([[2.5]]);
console.log(JSON.stringify({
  epochs: history.length,
  quantiles: Array.from(quantiles),
  interval: [interval.lower[0], interval.upper[0]],
  mode: Array.from(mode),
  samples: samples.length,
  status: diagnosis.status,
  report: formatDiagnosis(diagnosis).length,
  same: JSON.stringify(reloaded.quantile([0.5])) === JSON.stringify(host.quantile([0.5])),
}));
`;
  const imports = `import { train, diagnose, formatDiagnosis, saveModel, loadModel, useBackend } from '@mdn/core';
import { wasmBackend } from '@mdn/backend-wasm';`;
  writeFileSync(path.join(app, 'example.mjs'), exampleBody(imports));
  writeFileSync(
    path.join(app, 'example.cjs'),
    `const { train, diagnose, formatDiagnosis, saveModel, loadModel, useBackend } = require('@mdn/core');
const { wasmBackend } = require('@mdn/backend-wasm');
(async () => {
${exampleBody('')}
})().catch((error) => { console.error(error); process.exit(1); });
`,
  );
  const checkExample = (label, stdout) => {
    const line = stdout.trim().split('\n').pop();
    let result;
    try {
      result = JSON.parse(line);
    } catch {
      check(false, `${label}: printed ${JSON.stringify(stdout.slice(-300))}`);
      return;
    }
    const numbers = [...result.quantiles, ...result.interval, ...result.mode];
    check(result.epochs > 0, `${label}: no epochs`);
    check(numbers.length === 6 && numbers.every(Number.isFinite), `${label}: non-finite results ${line}`);
    check(result.quantiles[0] < result.quantiles[1] && result.quantiles[1] < result.quantiles[2], `${label}: ${line}`);
    check(result.samples === 100 && result.report > 0 && result.same === true, `${label}: ${line}`);
    log(`${label}: ${line}`);
  };
  checkExample('Node ESM', (await run(process.execPath, ['example.mjs'], { cwd: app })).stdout);
  checkExample('Node require()', (await run(process.execPath, ['example.cjs'], { cwd: app })).stdout);

  // TypeScript: the same example, typed, under strict node16 and bundler resolution, checking library files too.
  writeFileSync(
    path.join(app, 'src/example.ts'),
    `import { diagnose, formatDiagnosis, GaussianMixture, loadModel, saveModel, train, useBackend } from '@mdn/core';
import type { HostMixture, TrainResult } from '@mdn/core';
import { HostMixture as HostOnly } from '@mdn/core/host';
import { wasmBackend } from '@mdn/backend-wasm';
import { cpuBackend } from '@mdn/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';

export async function example(x: number[][], y: number[][], useCpu: boolean): Promise<string> {
  await useBackend(useCpu ? cpuBackend() : wasmBackend());
  const result: TrainResult = await train(x, y);
  const host: HostMixture = await result.model.predictHost([[2.5]]);
  const q: Float64Array = host.quantile([0.05, 0.5, 0.95]);
  const { lower, upper } = host.interval(0.9);
  host.mode();
  host.sample(100, { seed: 1 });
  const again = loadModel(saveModel(result.model));
  const mixture = GaussianMixture.diagonal({
    logits: tf.tensor2d([[0, 0]]),
    means: tf.tensor3d([[[-1], [1]]]),
    scales: tf.tensor3d([[[1], [0.5]]]),
  });
  const nll = mixture.nll(tf.tensor2d([[0.5]]));
  console.log(q, lower, upper, again, nll, HostOnly === undefined, result.history.length);
  return formatDiagnosis(await diagnose(result.model, x, y));
}
`,
  );
  writeFileSync(
    path.join(app, 'src/vite.config.ts'),
    `import { mdnWasm } from '@mdn/backend-wasm/vite';
import { defineConfig } from 'vite';
export default defineConfig({ plugins: [mdnWasm({ crossOriginIsolation: true })], worker: { format: 'es' } });
`,
  );
  // `types` left to TypeScript's default (every @types package installed), as in a new project: tfjs-core's own
  // declarations use the global Long of @types/long.
  const tsconfig = (module, moduleResolution, files) => ({
    compilerOptions: {
      target: 'es2022',
      module,
      moduleResolution,
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      lib: ['es2022', 'dom'],
    },
    files,
  });
  writeFileSync(
    path.join(app, 'tsconfig.node16.json'),
    JSON.stringify(tsconfig('node16', 'node16', ['src/example.ts'])),
  );
  writeFileSync(
    path.join(app, 'tsconfig.nodenext.json'),
    JSON.stringify(tsconfig('nodenext', 'nodenext', ['src/example.ts'])),
  );
  writeFileSync(
    path.join(app, 'tsconfig.bundler.json'),
    JSON.stringify(tsconfig('esnext', 'bundler', ['src/example.ts', 'src/vite.config.ts'])),
  );
  for (const variant of ['node16', 'nodenext', 'bundler']) {
    try {
      await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `tsconfig.${variant}.json`], { cwd: app });
      log(`tsc ${variant} (strict, skipLibCheck false): no errors`);
    } catch (error) {
      check(false, `tsc ${variant}: ${error.message}`);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // 4. A fresh Vite app: a page whose module worker trains with the wasm backend; only mdnWasm() in the config.
  const web = path.join(app, 'web');
  mkdirSync(web);
  writeFileSync(
    path.join(web, 'index.html'),
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>fresh mdn app</title><link rel="icon" href="data:," /></head>
<body><script type="module" src="./main.js"></script></body></html>
`,
  );
  writeFileSync(
    path.join(web, 'main.js'),
    `const worker = new Worker(new URL('./train.worker.js', import.meta.url), { type: 'module' });
worker.onmessage = (event) => { globalThis.__result = event.data; };
worker.onerror = (event) => { globalThis.__result = { error: 'worker failed: ' + event.message }; };
`,
  );
  writeFileSync(
    path.join(web, 'train.worker.js'),
    `// Imported inside try: a module that fails to load is then reported with its message, not as a bare error event.
try {
  const { train, useBackend } = await import('@mdn/core');
  const { wasmBackend } = await import('@mdn/backend-wasm');
  const info = await useBackend(wasmBackend());
  const x = [];
  const y = [];
  for (let i = 0; i < 300; i += 1) {
    const u = i / 300;
    x.push([u]);
    y.push([2 * u + 0.1 * (1 + u) * Math.sin(i * 12.9898)]);
  }
  const { model, history, finalLoss } = await train(x, y, { epochs: 30 });
  const host = await model.predictHost([[0.5]]);
  postMessage({ backend: info.tfjsBackend, simd: info.simd, epochs: history.length, nll: finalLoss.validation, median: host.quantile([0.5])[0] });
} catch (error) {
  postMessage({ error: String(error && error.stack || error) });
}
`,
  );
  writeFileSync(
    path.join(web, 'vite.config.js'),
    `import { mdnWasm } from '@mdn/backend-wasm/vite';
import { defineConfig } from 'vite';
export default defineConfig({ plugins: [mdnWasm()], worker: { format: 'es' } });
`,
  );
  const vite = path.join(app, 'node_modules/vite/bin/vite.js');
  log('vite build');
  await run(process.execPath, [vite, 'build'], { cwd: web });
  // Chromium is driven by the workspace's playwright-core (a dev tool of the test, not part of the app).
  const playwright = createRequire(path.join(repo, 'packages/backend-wasm/package.json')).resolve('playwright-core');
  const playwrightModule = await import(pathToFileURL(playwright).href);
  const chromium = playwrightModule.chromium ?? playwrightModule.default.chromium;
  const { CHROMIUM_ARGS, chromiumExecutable } = await import(
    pathToFileURL(path.join(repo, 'tooling/vitest/chromium.mjs')).href
  );
  const serveAndCheck = async (label, args) => {
    const server = spawn(
      process.execPath,
      [vite, ...args, '--host', '127.0.0.1', '--port', '0', '--strictPort=false'],
      {
        cwd: web,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const address = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label}: no server address in 60 s:\n${output}`)), 60_000);
      const onData = (chunk) => {
        output += chunk;
        // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal colours of Vite's banner
        const match = output.replace(/\u001b\[[0-9;]*m/g, '').match(/http:\/\/127\.0\.0\.1:\d+\/\S*/);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      };
      server.stdout.on('data', onData);
      server.stderr.on('data', onData);
      server.on('close', (code) => reject(new Error(`${label}: server exited (${code}):\n${output}`)));
    });
    const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const problems = [];
      const failed = [];
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('response', (response) => {
        if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
      });
      page.on('requestfailed', (request) => failed.push(`failed ${request.url()} ${request.failure()?.errorText}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      await page.goto(address);
      await page.waitForFunction(() => globalThis.__result !== undefined, undefined, { timeout: 180_000 });
      const result = await page.evaluate(() => globalThis.__result);
      check(
        result.error === undefined,
        `${label}: the worker failed: ${result.error}; failed requests: ${failed.join(', ') || 'none'}; ${output.slice(-1500)}`,
      );
      check(problems.length === 0, `${label}: page errors: ${problems.join(' | ')}`);
      check(result.backend === 'wasm' && result.simd === true, `${label}: backend ${JSON.stringify(result)}`);
      check(result.epochs > 0 && Number.isFinite(result.nll), `${label}: ${JSON.stringify(result)}`);
      check(Math.abs(result.median - 1) < 0.5, `${label}: median at x = 0.5 is ${result.median}, expected about 1`);
      log(`${label}: module worker trained on wasm: ${JSON.stringify(result)}`);
    } finally {
      await browser.close();
      server.kill();
    }
  };
  await serveAndCheck('Vite build + preview', ['preview']);
  await serveAndCheck('vite dev', []);

  // -------------------------------------------------------------------------------------------------------------
  // 5. The CLI installed globally (a private prefix) from the registry, with its sibling packages.
  const prefix = path.join(work, 'global');
  const home = path.join(work, 'home');
  mkdirSync(home);
  writeFileSync(path.join(home, '.npmrc'), npmrc);
  const globalEnv = { npm_config_prefix: prefix, npm_config_userconfig: path.join(home, '.npmrc') };
  log('npm install -g @mdn/cli');
  await run('npm', ['install', '-g', '--no-audit', '--no-fund', '@mdn/cli'], { cwd: home, env: globalEnv });
  const bin = path.join(prefix, 'bin', 'mdn');
  const out = path.join(work, 'toy.mdn.json');
  const trained = await run(bin, ['train', '--example', '--rows', '1000', '--epochs', '20', '--out', out], {
    cwd: home,
    env: { ...globalEnv, NO_COLOR: '1' },
  });
  const said = `${trained.stdout}\n${trained.stderr}`;
  check(existsSync(out), `mdn train --example wrote no model file:\n${said.slice(-2000)}`);
  check(!/already been set/i.test(said), `mdn train printed a duplicate-platform warning:\n${said.slice(-2000)}`);
  const copies = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      if (full.endsWith(`${path.sep}@tensorflow${path.sep}tfjs-core`)) copies.push(full);
      else walk(full);
    }
  };
  walk(path.join(prefix, 'lib', 'node_modules'));
  check(copies.length === 1, `a global CLI install has ${copies.length} copies of @tensorflow/tfjs-core: ${copies}`);
  log(`mdn train --example from a global install: model written; tfjs-core copies: ${copies.length}`);
} catch (error) {
  failures.push(error.message);
} finally {
  registry.close();
  if (!keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}

if (failures.length > 0) {
  console.error(`packed-install: ${failures.length} problem(s):\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
log('every check passed');
