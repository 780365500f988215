/// <reference lib="webworker" />
// Trains in a Web Worker so the page never freezes: our defaults and, side by side, the forum's settings.
import { cpuBackend } from '@mdn/backend-cpu';
import { wasmBackend } from '@mdn/backend-wasm';
import { webglBackend } from '@mdn/backend-webgl';
import {
  activeBackend,
  type BackendInfo,
  diagnose,
  formatDiagnosis,
  loadModel,
  MixtureDensityNetwork,
  Standardiser,
  saveModel,
  TrainingStep,
  useBackend,
} from '@mdn/core';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, DataSet, FromWorker, RunFrame, Settings, ToWorker } from './protocol.js';

// The .wasm files sit at the site's base path (the mdnWasm() Vite plugin puts them there); a worker does not
// see the page's head, so say where.
(globalThis as { __MDN_WASM_PATH__?: string }).__MDN_WASM_PATH__ ??= new URL(
  import.meta.env.BASE_URL,
  self.location.href.replace(/\/assets\/[^/]*$/, '/'),
).href;

const FORUM: Settings = {
  components: 5,
  hidden: [128, 128],
  learningRate: 1e-2,
  batchSize: 64,
  standardize: false,
  spreadInit: false,
  noise: false,
  meanWarmup: false,
  softplusScales: false,
};
const GRID = 160;
const MEAN_WARMUP_STEPS = 300;

interface Run {
  label: string;
  settings: Settings;
  model: MixtureDensityNetwork;
  trainer: TrainingStep | null;
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  steps: number;
  losses: [number, number][];
  stepsPerSecond: number;
  nonFinite: boolean;
  logDet: number;
  /** Seeds the batches and noise: the same settings replay the same run. */
  seed: number;
}

let runs: Run[] = [];
let data: DataSet | null = null;
let running = false;
let backendName: BackendName | null = null;
let seed = 1;
let loopDone: Promise<void> = Promise.resolve();

const post = (message: FromWorker) => (self as unknown as Worker).postMessage(message);

async function selectBackend(name: BackendName): Promise<BackendInfo> {
  const adapter = name === 'webgl' ? webglBackend() : name === 'wasm' ? wasmBackend() : cpuBackend();
  const info = await useBackend(adapter);
  backendName = name;
  return info;
}

function disposeRuns() {
  for (const run of runs) {
    run.trainer?.dispose();
    run.model.dispose();
    tf.dispose([run.x, run.y]);
  }
  runs = [];
}

function createRun(label: string, settings: Settings, dataset: DataSet): Run {
  const xs = dataset.x.map((v) => [v]);
  const ys = dataset.y.map((v) => [v]);
  const inputStandardiser = settings.standardize ? Standardiser.fit(xs) : new Standardiser([0], [1]);
  const targetStandardiser = settings.standardize ? Standardiser.fit(ys) : new Standardiser([0], [1]);
  const model = MixtureDensityNetwork.create(
    {
      inputDimension: 1,
      outputDimension: 1,
      components: settings.components,
      hidden: settings.hidden,
      activation: settings.standardize ? 'tanh' : 'relu',
      scaleActivation: settings.softplusScales ? 'softplus' : 'elu-plus-one',
    },
    {
      seed,
      inputStandardiser,
      targetStandardiser,
      initialTargets: ys,
      initialization: settings.spreadInit ? 'spread' : 'naive',
    },
  );
  model.metadata = { inputColumns: [dataset.xLabel], targetColumns: [dataset.yLabel] };
  return attachRun(label, settings, model, dataset);
}

function attachRun(label: string, settings: Settings, model: MixtureDensityNetwork, dataset: DataSet): Run {
  const sx = model.inputStandardiser.transform(dataset.x.map((v) => [v]));
  const sy = model.targetStandardiser.transform(dataset.y.map((v) => [v]));
  const guarded = settings.softplusScales; // the forum's way has no guard: its NaNs are the point
  return {
    label,
    settings,
    model,
    trainer: new TrainingStep(model, {
      clipNorm: guarded ? 10 : Number.POSITIVE_INFINITY,
      guardNonFinite: guarded,
    }),
    x: tf.tensor2d(Float32Array.from(sx.data), [sx.rows, 1]),
    y: tf.tensor2d(Float32Array.from(sy.data), [sy.rows, 1]),
    steps: 0,
    losses: [],
    stepsPerSecond: 0,
    nonFinite: false,
    logDet: model.targetStandardiser.logDetJacobian,
    seed: seed * 1_000_003,
  };
}

/** Trains each run for about `budgetMs`; returns when done. */
function trainSlice(budgetMs: number) {
  for (const run of runs) {
    if (!run.trainer) continue;
    const n = run.x.shape[0];
    const size = Math.min(run.settings.batchSize, n);
    const started = performance.now();
    let steps = 0;
    while (performance.now() - started < budgetMs / runs.length) {
      const batch = tf.tidy(() => {
        const index = tf.randomUniform([size], 0, n, 'int32', run.seed + 3 * run.steps);
        let xb = tf.gather(run.x, index) as tf.Tensor2D;
        let yb = tf.gather(run.y, index) as tf.Tensor2D;
        if (run.settings.noise) {
          xb = tf.add(xb, tf.randomNormal(xb.shape, 0, 0.02, 'float32', run.seed + 3 * run.steps + 1));
          yb = tf.add(yb, tf.randomNormal(yb.shape, 0, 0.02, 'float32', run.seed + 3 * run.steps + 2));
        }
        return [xb, yb] as const;
      });
      const warm = run.settings.meanWarmup && run.steps < MEAN_WARMUP_STEPS;
      run.trainer.run(batch[0], batch[1], run.settings.learningRate, warm);
      tf.dispose([...batch]);
      run.steps++;
      steps++;
    }
    const stats = run.trainer.readStats();
    const seconds = (performance.now() - started) / 1000;
    run.stepsPerSecond = steps / Math.max(seconds, 1e-9);
    const loss = stats.rows > 0 ? stats.lossSum / stats.rows - run.logDet : Number.NaN;
    if (!Number.isFinite(loss) || stats.skipped > 0) run.nonFinite ||= !Number.isFinite(loss);
    run.losses.push([run.steps, loss]);
    if (run.losses.length > 600) run.losses.splice(0, run.losses.length - 600);
  }
}

async function frame(): Promise<RunFrame[]> {
  if (!data) return [];
  let lo = Math.min(...data.x);
  let hi = Math.max(...data.x);
  if (hi === lo) hi = lo + 1;
  const pad = (hi - lo) * 0.02;
  lo -= pad;
  hi += pad;
  const xs = Array.from({ length: GRID }, (_, i) => lo + ((i + 0.5) / GRID) * (hi - lo));
  const frames: RunFrame[] = [];
  for (const run of runs) {
    const host = await run.model.predictHost(xs.map((v) => [v]));
    frames.push({
      label: run.label,
      steps: run.steps,
      stepsPerSecond: run.stepsPerSecond,
      losses: run.losses,
      nonFinite: run.nonFinite || host.means.some((v) => !Number.isFinite(v)),
      grid: { xs, components: host.components, logWeights: host.logWeights, means: host.means, scales: host.scales },
    });
  }
  return frames;
}

async function loop() {
  while (running) {
    trainSlice(120);
    post({ type: 'frame', running, runs: await frame() });
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function handle(message: ToWorker) {
  switch (message.type) {
    case 'configure': {
      running = false;
      await loopDone;
      disposeRuns();
      const backend = message.backend === backendName ? null : await selectBackend(message.backend);
      data = message.data;
      seed = message.seed;
      runs = [createRun('mdn defaults', message.settings, message.data)];
      if (message.forum) runs.push(createRun("the forum's settings", FORUM, message.data));
      post({ type: 'ready', backend: backend ?? activeBackend(), runs: runs.map((r) => r.label) });
      post({ type: 'frame', running, runs: await frame() });
      return;
    }
    case 'clear':
      running = false;
      await loopDone;
      disposeRuns();
      return;
    case 'start':
      if (!running && runs.length > 0) {
        running = true;
        loopDone = loop().catch((error: unknown) => {
          running = false;
          post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
        });
      }
      return;
    case 'pause':
      running = false;
      await loopDone;
      post({ type: 'frame', running, runs: await frame() });
      return;
    case 'export':
      if (runs[0]) post({ type: 'model', text: saveModel(runs[0].model) });
      return;
    case 'load': {
      running = false;
      await loopDone;
      const model = loadModel(message.text);
      if (model.config.inputDimension !== 1 || model.config.outputDimension !== 1) {
        model.dispose();
        throw new Error(
          `${message.fileName}: the demo draws models with 1 input and 1 target; this one has ${model.config.inputDimension} and ${model.config.outputDimension}`,
        );
      }
      disposeRuns();
      // Keep the data on screen when it has the model's columns' meaning; the model can go on training on it.
      const dataset = data ?? { name: 'none', x: [0, 1], y: [0, 1], xLabel: 'x', yLabel: 'y' };
      const settings: Settings = {
        ...FORUM,
        softplusScales: model.config.scaleActivation === 'softplus',
        learningRate: 1e-3,
        batchSize: 128,
        standardize: true,
      };
      runs = [attachRun(`loaded: ${message.fileName}`, settings, model, dataset)];
      post({
        type: 'loaded',
        fileName: message.fileName,
        inputColumns: model.metadata.inputColumns ?? ['x'],
        targetColumns: model.metadata.targetColumns ?? ['y'],
      });
      post({ type: 'frame', running, runs: await frame() });
      return;
    }
    case 'diagnose': {
      if (!data || data.x.length < 10) {
        post({
          type: 'diagnosis',
          runs: [{ label: 'data', status: 'warning', text: 'Diagnosis needs at least 10 points.' }],
        });
        return;
      }
      const out = [];
      for (const run of runs) {
        const report = await diagnose(
          run.model,
          data.x.map((v) => [v]),
          data.y.map((v) => [v]),
        );
        out.push({ label: run.label, status: report.status, text: formatDiagnosis(report) });
      }
      post({ type: 'diagnosis', runs: out });
      return;
    }
    case 'density': {
      const run = runs[0];
      if (!run) throw new Error('no model');
      const values = await run.model.logProb(
        message.points.map(([x]) => [x]),
        message.points.map(([, y]) => [y]),
      );
      post({ type: 'densities', values: Array.from(values) });
      return;
    }
  }
}

let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<ToWorker>) => {
  queue = queue.then(() =>
    handle(event.data).catch((error: unknown) => {
      running = false;
      post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }),
  );
};
