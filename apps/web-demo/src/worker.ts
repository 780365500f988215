/// <reference lib="webworker" />
// Trains in a Web Worker so the page never freezes. Every panel is a core training run (startTraining), stepped a
// time slice at a time: "mdn defaults" runs the plan train() would run on the same data and options for one network
// (on small data train() would fit an ensemble of several such networks; a panel shows one learning); the forum's
// panel runs the forum's settings with the forum's loss.
import { cpuBackend } from '@mdn/backend-cpu';
import { wasmBackend } from '@mdn/backend-wasm';
import { webglBackend } from '@mdn/backend-webgl';
import {
  activeBackend,
  type BackendInfo,
  diagnose,
  FORUM_TRAIN_OPTIONS,
  formatDiagnosis,
  type GaussianMixture,
  loadModel,
  type MixtureDensityNetwork,
  type PlanOptions,
  saveModel,
  startTraining,
  type TrainingRun,
  useBackend,
} from '@mdn/core';
import {
  dateDays,
  InputSchema,
  MISSING_CELLS,
  RawColumn,
  type RawTable,
  readCell,
  TableReader,
  type TableRecord,
} from '@mdn/core/host';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, CsvColumn, DataSet, ForumSettings, FromWorker, RunFrame, ToWorker } from './protocol.js';

const GRID = 160;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The forum's loss, as PyTorch computes it: `MixtureSameFamily(...).log_prob(yy)` with `yy` shaped [B, 1] against a
 * batch of shape [B] broadcasts to [B, B]: entry (i, j) is log p_j(y_i), the density of row j's mixture at row i's
 * target, and the mean over all pairs is minimised by the marginal p(y) in every row: the same mixture for every x.
 * (@mdn/core's own logProb refuses a target that is not [N, D], so this is written here in plain ops.)
 */
function forumBroadcastLoss(mixture: GaussianMixture, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [b, k] = mixture.logits.shape;
    const means = tf.reshape(mixture.means, [1, b, k]);
    const scales = tf.reshape(mixture.scales, [1, b, k]);
    const z = tf.div(tf.sub(tf.reshape(y, [b, 1, 1]), means), scales);
    const logNormal = tf.sub(tf.mul(tf.scalar(-0.5), tf.square(z)), tf.add(tf.log(scales), tf.scalar(LOG_SQRT_2PI)));
    const logWeights = tf.reshape(tf.logSoftmax(mixture.logits), [1, b, k]);
    return tf.neg(tf.mean(tf.logSumExp(tf.add(logNormal, logWeights), 2))) as tf.Scalar;
  });
}

interface Panel {
  label: string;
  /** The training run; null for a loaded model (shown as it is). */
  run: TrainingRun | null;
  model: MixtureDensityNetwork;
  stepsPerSecond: number;
}

let panels: Panel[] = [];
let data: DataSet | null = null;
let running = false;
let backendName: BackendName | null = null;
let loopDone: Promise<void> = Promise.resolve();

const post = (message: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(message, transfer);

/**
 * Reads a CSV/TSV file a chunk at a time with the `mdn` command's reader (@mdn/core's TableReader and cell reader):
 * the text is decoded and parsed as it streams, each cell is read at once (numbers, text as codes, missing cells
 * marked), so memory holds the columns, not the text, and the page stays responsive whatever the file's size. What
 * each column is (numbers, levels, ISO dates) is the input schema's decision, as in `mdn train`.
 */
async function readCsv(file: File): Promise<{ header: string[]; columns: CsvColumn[] }> {
  const reader = new TableReader({ source: file.name });
  const decoder = new TextDecoder();
  const missing = new Set(MISSING_CELLS);
  let raw: RawColumn[] = [];
  let rows = 0;
  const add = (records: TableRecord[]) => {
    if (records.length === 0) return;
    if (raw.length === 0) raw = reader.header!.map((name) => new RawColumn(name));
    for (const record of records) {
      for (const [c, column] of raw.entries()) {
        const read = readCell(record.cells[c], missing);
        if (read.kind === 'too-large') {
          throw new Error(`${file.name}: line ${record.line}, column '${column.name}' is ${read.text}, too large`);
        }
        column.push(read);
      }
    }
    rows += records.length;
  };
  const stream = file.stream().getReader();
  for (;;) {
    const { done, value } = await stream.read();
    if (done) break;
    add(reader.push(decoder.decode(value, { stream: true })));
  }
  add(reader.push(decoder.decode()));
  add(reader.end());
  if (rows < 10) throw new Error(`${file.name}: ${rows} rows; the demo needs at least 10`);
  const schema = InputSchema.fit({ kind: 'raw-columns', columns: raw, rows });
  const columns = raw.map((column, c): CsvColumn => {
    const kind = schema.columns[c]!.kind;
    const values = new Float64Array(rows);
    if (kind === 'numeric' || kind === 'date' || (kind === 'ignored' && column.texts.length === 0)) {
      for (let r = 0; r < rows; r++) {
        const text = column.text(r);
        values[r] = text !== undefined && kind === 'date' ? dateDays(text) : column.number(r);
      }
      return { kind: 'numeric', values };
    }
    // Levels: text, and numbers among them as their text (the schema's keys).
    const levels: string[] = [];
    const index = new Map<string, number>();
    for (let r = 0; r < rows; r++) {
      const key = column.level(r);
      if (key === null) {
        values[r] = Number.NaN;
        continue;
      }
      let level = index.get(key);
      if (level === undefined) {
        level = levels.length;
        index.set(key, level);
        levels.push(key);
      }
      values[r] = level;
    }
    return { kind: 'categorical', values, levels };
  });
  return { header: [...reader.header!], columns };
}

/**
 * The input as the model reads it: numbers as they are, or, for levels or missing cells, a raw table of one column
 * (the model's input schema then encodes it, as `mdn train` does a file's).
 */
function inputsOf(dataset: DataSet): Float64Array | RawTable {
  const { x, xLevels, xLabel } = dataset;
  if (!xLevels && !x.some((v) => Number.isNaN(v))) return x;
  return {
    header: [xLabel],
    rows: Array.from(x, (v) => [Number.isNaN(v) ? null : xLevels ? xLevels[v]! : v]),
  };
}

/**
 * Rows for a model at the grid's x (level indices for a categorical input): numbers for a model that reads plain
 * numbers, else records by the model's own input name (its schema fills in and encodes them).
 */
function gridRows(
  model: MixtureDensityNetwork,
  dataset: DataSet,
  xs: readonly number[],
): number[][] | Record<string, number | string>[] {
  const schema = model.inputSchema;
  if (!dataset.xLevels && (!schema || schema.plain)) return xs.map((v) => [v]);
  const name = schema?.names[0] ?? dataset.xLabel;
  return xs.map((v) => ({ [name]: dataset.xLevels ? dataset.xLevels[v]! : v }));
}

async function selectBackend(name: BackendName): Promise<BackendInfo> {
  const adapter = name === 'webgl' ? webglBackend() : name === 'wasm' ? wasmBackend() : cpuBackend();
  const info = await useBackend(adapter);
  backendName = name;
  return info;
}

function disposePanels() {
  for (const panel of panels) {
    if (panel.run) panel.run.dispose();
    else panel.model.dispose();
  }
  panels = [];
}

function startPanel(
  label: string,
  dataset: DataSet,
  options: PlanOptions & { loss?: typeof forumBroadcastLoss },
): Panel {
  // A Float64Array is one column: no array per row. Levels and missing cells go in raw (the schema reads them).
  const x = inputsOf(dataset);
  const run = startTraining(x, dataset.y, {
    ...options,
    columns: x instanceof Float64Array ? { x: [dataset.xLabel], y: [dataset.yLabel] } : { y: [dataset.yLabel] },
  });
  return { label, run, model: run.model, stepsPerSecond: 0 };
}

function forumOptions(forum: ForumSettings): PlanOptions & { loss: typeof forumBroadcastLoss } {
  return { ...FORUM_TRAIN_OPTIONS, standardize: forum.standardize, loss: forumBroadcastLoss };
}

/** Steps each unfinished run for its share of about `budgetMs`. */
function trainSlice(budgetMs: number) {
  const active = panels.filter((p) => p.run && !p.run.done);
  for (const panel of active) {
    const run = panel.run!;
    const started = performance.now();
    const before = run.steps;
    while (!run.done && performance.now() - started < budgetMs / active.length) run.step();
    panel.stepsPerSecond = (run.steps - before) / Math.max((performance.now() - started) / 1000, 1e-9);
  }
}

async function frame(): Promise<RunFrame[]> {
  if (!data) return [];
  const dataset = data;
  let xs: number[];
  if (dataset.xLevels) {
    // One column of the picture per level.
    xs = dataset.xLevels.map((_, i) => i);
  } else {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of dataset.x) {
      if (Number.isNaN(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (!(hi > lo)) hi = lo + 1;
    const pad = (hi - lo) * 0.02;
    lo -= pad;
    hi += pad;
    xs = Array.from({ length: GRID }, (_, i) => lo + ((i + 0.5) / GRID) * (hi - lo));
  }
  const frames: RunFrame[] = [];
  for (const panel of panels) {
    const host = await panel.model.predictHost(gridRows(panel.model, dataset, xs));
    const history = panel.run?.history ?? [];
    const steps = panel.run?.plan.stepsPerEpoch ?? 0;
    frames.push({
      label: panel.label,
      steps: panel.run?.steps ?? 0,
      stepsPerSecond: panel.stepsPerSecond,
      losses: history.map((e) => [e.epoch * steps, e.trainLoss]),
      done: panel.run?.done ?? true,
      stopReason: panel.run?.stopReason ?? null,
      nonFinite: history.some((e) => !Number.isFinite(e.trainLoss)) || host.means.some((v) => !Number.isFinite(v)),
      grid: {
        xs,
        components: host.components,
        parts: host.parts.toJSON(),
        logWeights: host.logWeights,
        means: host.means,
        scales: host.scales,
      },
    });
  }
  return frames;
}

async function loop() {
  while (running) {
    trainSlice(120);
    if (panels.every((p) => !p.run || p.run.done)) running = false;
    post({ type: 'frame', running, runs: await frame() });
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function stop() {
  running = false;
  await loopDone;
}

async function handle(message: ToWorker) {
  switch (message.type) {
    case 'configure': {
      await stop();
      disposePanels();
      const backend = message.backend === backendName ? null : await selectBackend(message.backend);
      data = message.data;
      panels = [startPanel('mdn defaults', message.data, { ...message.settings.options, seed: message.seed })];
      if (message.forum) panels.push(startPanel("the forum's settings", message.data, forumOptions(message.forum)));
      post({
        type: 'ready',
        backend: backend ?? activeBackend(),
        runs: panels.map((p) => p.label),
        plans: panels.map((p) => p.run?.plan ?? null),
      });
      post({ type: 'frame', running, runs: await frame() });
      return;
    }
    case 'clear':
      await stop();
      disposePanels();
      return;
    case 'start':
      if (!running && panels.some((p) => p.run && !p.run.done)) {
        running = true;
        loopDone = loop().catch((error: unknown) => {
          running = false;
          post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
        });
      }
      return;
    case 'pause':
      await stop();
      post({ type: 'frame', running, runs: await frame() });
      return;
    case 'export': {
      await stop();
      const panel = panels[0];
      if (!panel) return;
      // The file holds the run's plan and history: finish the run (its best weights, as train() returns them).
      if (panel.run) {
        const result = panel.run.finish();
        panel.run = null;
        panel.model = result.model;
      }
      post({ type: 'model', text: saveModel(panel.model) });
      post({ type: 'frame', running, runs: await frame() });
      return;
    }
    case 'load': {
      await stop();
      const model = loadModel(message.text);
      if (
        (model.inputSchema?.columns.length ?? model.config.inputDimension) !== 1 ||
        model.config.outputDimension !== 1
      ) {
        model.dispose();
        throw new Error(
          `${message.fileName}: the demo draws models with 1 input and 1 target; this one has ${model.config.inputDimension} and ${model.config.outputDimension}`,
        );
      }
      disposePanels();
      data ??= { name: 'none', x: Float64Array.of(0, 1), y: Float64Array.of(0, 1), xLabel: 'x', yLabel: 'y' };
      panels = [{ label: `loaded: ${message.fileName}`, run: null, model, stepsPerSecond: 0 }];
      post({
        type: 'loaded',
        fileName: message.fileName,
        inputColumns: model.inputSchema?.names ?? model.metadata.inputColumns ?? ['x'],
        targetColumns: model.metadata.targetColumns ?? ['y'],
      });
      post({ type: 'frame', running, runs: await frame() });
      return;
    }
    case 'read-csv': {
      const { header, columns } = await readCsv(message.file);
      post(
        { type: 'csv', name: message.file.name, header, columns },
        columns.map((column) => column.values.buffer),
      );
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
      for (const panel of panels) {
        const x = inputsOf(data);
        const report = await diagnose(
          panel.model,
          x instanceof Float64Array ? x : panel.model.encodeInputs(x).x,
          data.y,
        );
        out.push({ label: panel.label, status: report.status, text: formatDiagnosis(report) });
      }
      post({ type: 'diagnosis', runs: out });
      return;
    }
    case 'density': {
      const panel = panels[0];
      if (!panel) throw new Error('no model');
      const values = await panel.model.logProb(
        data
          ? gridRows(
              panel.model,
              data,
              message.points.map(([x]) => x),
            )
          : message.points.map(([x]) => [x]),
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
