// The page: controls, one panel per training run (ours, and the forum's settings side by side), diagnostics.
// Training runs in worker.ts; this thread only draws.
import {
  bishopInverse,
  describeDefault,
  forumToy,
  type InputError,
  looksLikeDecimalComma,
  MixtureParts,
  type PlanOptions,
  parseOptionText,
  setOption,
  type TrainPlan,
  trainOption,
  twoBranch,
} from '@mdn/core';
import { drawDensity, drawLoss, drawWeights, toData, type View } from './draw.js';
import type { BackendName, CsvColumn, DataSet, FromWorker, RunFrame, Settings, ToWorker } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);

let data: DataSet = fromSynthetic('forum-toy');
let csv: { name: string; header: string[]; columns: CsvColumn[] } | null = null;
let lastFrames: RunFrame[] = [];
/** The plan of each run, as the worker resolved it (the core's plan for these options and data). */
let plans: (TrainPlan | null)[] = [];
let running = false;
const views = new Map<string, View>();
const waiting: { resolve: (message: FromWorker) => void; type: FromWorker['type'] }[] = [];

function fromSynthetic(name: string): DataSet {
  const make = { 'forum-toy': forumToy, 'bishop-inverse': bishopInverse, 'two-branch': twoBranch }[name];
  if (!make) return { name: 'drawn points', x: new Float64Array(0), y: new Float64Array(0), xLabel: 'x', yLabel: 'y' };
  const set = make({ rows: 1000, seed: 7 });
  return {
    name: set.description,
    x: Float64Array.from(set.x.data),
    y: Float64Array.from(set.y.data),
    xLabel: set.inputColumns[0]!,
    yLabel: set.targetColumns[0]!,
  };
}

/**
 * The option controls: each element names its training option (`data-option`), and the option schema gives its
 * help, its default and how its text is read; a checkbox left unchecked sets the option's off value.
 */
function optionControls() {
  return [...document.querySelectorAll<HTMLInputElement>('[data-option]')].map((element) => ({
    element,
    spec: trainOption(element.dataset.option!),
  }));
}

/** The library's defaults, shown as the controls' placeholders: an empty control leaves the choice to the plan. */
function showDefaults() {
  for (const { element, spec } of optionControls()) {
    element.title = `${spec.help} (default ${describeDefault(spec)})`;
    if (element.type !== 'checkbox') element.placeholder = `default ${describeDefault(spec)}`;
  }
}

/** What the controls hold that their options refuse (said until the controls change; a new run does not clear it). */
let refusedSettings = '';
/** What reading the chosen CSV columns left out (said with the status until other data are chosen). */
let dataNote = '';

/** Training options from the controls: only what differs from the library's defaults; a value it refuses, said. */
function settings(): Settings {
  const options: Record<string, unknown> = {};
  const refused: string[] = [];
  for (const { element, spec } of optionControls()) {
    if (element.type === 'checkbox') {
      if (!element.checked) setOption(options, spec.name, spec.off);
      continue;
    }
    if (element.value.trim() === '') continue;
    try {
      setOption(options, spec.name, parseOptionText(spec, element.value));
    } catch (error) {
      refused.push(
        `${element.closest('label')?.firstChild?.textContent?.trim() ?? spec.name}: ${(error as InputError).fields.reason}`,
      );
    }
  }
  refusedSettings = refused.length > 0 ? `${refused.join('; ')} (the default is used)` : '';
  $('error').textContent = refusedSettings;
  return { options: options as PlanOptions };
}

const MIN_POINTS = 10;

function configure() {
  if (data.x.length < MIN_POINTS) {
    // Stop whatever trained before; its frames must not draw over the new, empty data.
    send({ type: 'clear' });
    lastFrames = [];
    status(`${data.name}: click the plot to add points (${data.x.length} so far; ${MIN_POINTS} or more to train)`);
    drawEmpty();
    return;
  }
  send({
    type: 'configure',
    backend: ($('backend') as HTMLSelectElement).value as BackendName,
    data,
    settings: settings(),
    forum: ($('forum') as HTMLInputElement).checked
      ? { standardize: ($('forum-standardize') as HTMLInputElement).checked }
      : null,
    seed: 1,
  });
}

function status(text: string) {
  $('status').textContent = text;
}

function panel(label: string) {
  const id = `run-${label.replace(/[^a-z0-9]+/gi, '-')}`;
  let element = document.getElementById(id);
  if (!element) {
    element = document.createElement('div');
    element.className = 'panel run';
    element.id = id;
    element.innerHTML = `<h3></h3><canvas class="density" width="640" height="400"></canvas>
      <div class="legend">heatmap: p(y | x), each column scaled to its peak · white: median, 50 % and 90 % bands · coloured lines: component means (opacity = weight) · dots: data</div>
      <canvas class="weights" width="640" height="90"></canvas>
      <canvas class="loss" width="640" height="130"></canvas>
      <div class="meta"></div>`;
    $('runs').appendChild(element);
    const canvas = element.querySelector<HTMLCanvasElement>('canvas.density')!;
    canvas.addEventListener('click', (event) => addPoint(label, canvas, event));
  }
  element.querySelector('h3')!.textContent = label;
  return element;
}

function addPoint(label: string, canvas: HTMLCanvasElement, event: MouseEvent) {
  if (($('dataset') as HTMLSelectElement).value !== 'draw' || data.xLevels) return;
  const view = views.get(label);
  if (!view) return;
  const box = canvas.getBoundingClientRect();
  const [x, y] = toData(
    view,
    ((event.clientX - box.left) / box.width) * canvas.width,
    ((event.clientY - box.top) / box.height) * canvas.height,
  );
  data = { ...data, x: append(data.x, x), y: append(data.y, y) };
  showDefaults();
  configure();
}

function append(values: Float64Array, value: number) {
  const out = new Float64Array(values.length + 1);
  out.set(values);
  out[values.length] = value;
  return out;
}

function drawEmpty() {
  for (const element of [...$('runs').children]) element.remove();
  const element = panel('draw your points');
  const canvas = element.querySelector<HTMLCanvasElement>('canvas.density')!;
  const xs = Array.from({ length: 160 }, (_, i) => (i + 0.5) / 16);
  const empty: RunFrame = {
    label: 'draw your points',
    steps: 0,
    stepsPerSecond: 0,
    losses: [],
    nonFinite: false,
    done: false,
    stopReason: null,
    grid: {
      xs,
      components: 1,
      parts: MixtureParts.single(1).toJSON(),
      logWeights: new Float64Array(160),
      means: new Float64Array(160).fill(5),
      scales: new Float64Array(160).fill(1),
    },
  };
  const shown = data.x.length > 0 ? data : { ...data, y: Float64Array.of(0, 10) };
  views.set('draw your points', drawDensity(canvas, empty, shown));
}

function render(frames: RunFrame[]) {
  lastFrames = frames;
  const labels = new Set(frames.map((f) => f.label));
  for (const element of [...$('runs').children]) {
    if (![...labels].some((l) => element.querySelector('h3')?.textContent === l)) element.remove();
  }
  for (const frame of frames) {
    const element = panel(frame.label);
    views.set(frame.label, drawDensity(element.querySelector('canvas.density')!, frame, data));
    drawWeights(element.querySelector('canvas.weights')!, frame);
    drawLoss(element.querySelector('canvas.loss')!, frame);
    const loss = frame.losses.at(-1)?.[1];
    element.querySelector('.meta')!.textContent =
      `${frame.steps} steps · ${frame.stepsPerSecond.toFixed(0)} steps/s · training NLL ${loss === undefined ? '—' : loss.toFixed(4)}` +
      (frame.nonFinite ? ' · NaN/Inf: training broke' : '') +
      (frame.done && frame.stopReason ? ` · done (${frame.stopReason})` : '');
  }
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  const index = waiting.findIndex((w) => w.type === message.type || message.type === 'error');
  if (index !== -1) waiting.splice(index, 1)[0]!.resolve(message);
  switch (message.type) {
    case 'ready': {
      plans = message.plans;
      const b = message.backend;
      status(
        `backend ${b.tfjsBackend}: float${b.floatPrecision}` +
          (b.simd === null ? '' : b.simd ? ', SIMD' : ', no SIMD') +
          `, ${b.threads} thread${b.threads === 1 ? '' : 's'}${b.fusedKernels.length ? `, fused kernels ${b.fusedKernels.join(' + ')}` : ''}` +
          `${b.notes.length ? `\n${b.notes.join('\n')}` : ''}\ncross-origin isolated: ${globalThis.crossOriginIsolated ? 'yes' : 'no'}` +
          (dataNote ? `\n${dataNote}` : ''),
      );
      $('error').textContent = refusedSettings;
      return;
    }
    case 'frame':
      running = message.running;
      if (data.x.length >= MIN_POINTS) render(message.runs);
      return;
    case 'model': {
      const url = URL.createObjectURL(new Blob([message.text], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = 'mdn-demo.mdn.json';
      link.click();
      URL.revokeObjectURL(url);
      return;
    }
    case 'loaded':
      $('error').textContent = '';
      status(
        `loaded ${message.fileName}: inputs ${message.inputColumns.join(', ')}, target ${message.targetColumns.join(', ')}`,
      );
      return;
    case 'diagnosis':
      $('diagnosis').innerHTML = message.runs
        .map(
          (r) =>
            `<b class="${r.status === 'problem' ? 'problem' : ''}">${escapeHtml(r.label)}</b>\n${escapeHtml(r.text)}`,
        )
        .join('\n\n');
      return;
    case 'error':
      $('error').textContent = message.message;
      return;
    default:
      return;
  }
};

const escapeHtml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function request<T extends FromWorker['type']>(message: ToWorker, type: T): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    waiting.push({
      type,
      resolve: (reply) => (reply.type === 'error' ? reject(new Error(reply.message)) : resolve(reply as never)),
    });
    send(message);
  });
}

/**
 * Reads a CSV/TSV file in the worker with the `mdn` command's reader (@mdn/core), a chunk at a time: numbers, text
 * (levels), ISO dates and missing cells, each column read as `mdn train` reads it. The page receives the columns.
 */
async function readCsv(file: File) {
  const reply = await request({ type: 'read-csv', file }, 'csv');
  return { name: reply.name, header: reply.header, columns: reply.columns };
}

/**
 * The chosen columns as the data: any column as x (levels drawn one column of the picture each; a missing cell is
 * filled in by the model as in training), a column of numbers as y (rows without one are left out, and counted).
 */
function useCsvColumns() {
  if (!csv) return;
  const xi = Number(($('csv-x') as HTMLSelectElement).value);
  const yi = Number(($('csv-y') as HTMLSelectElement).value);
  const [xColumn, yColumn] = [csv.columns[xi]!, csv.columns[yi]!];
  if (yColumn.kind !== 'numeric') {
    // "1,5" in a semicolon-separated file is a decimal comma (a European spreadsheet's export): say so.
    const decimalComma = yColumn.levels?.some(looksLikeDecimalComma);
    $('error').textContent =
      `'${csv.header[yi]}' holds text (levels), not numbers: choose a column of numbers as y` +
      (decimalComma
        ? '. It looks like a decimal comma: write numbers with a decimal point (1.5, not 1,5), for instance by exporting the file with "." as the decimal separator'
        : '');
    return;
  }
  const kept: number[] = [];
  for (let r = 0; r < yColumn.values.length; r++) if (!Number.isNaN(yColumn.values[r]!)) kept.push(r);
  const dropped = yColumn.values.length - kept.length;
  data = {
    name: csv.name,
    x: Float64Array.from(kept, (r) => xColumn.values[r]!),
    y: Float64Array.from(kept, (r) => yColumn.values[r]!),
    xLabel: csv.header[xi]!,
    yLabel: csv.header[yi]!,
    ...(xColumn.levels ? { xLevels: xColumn.levels } : {}),
  };
  $('error').textContent = '';
  dataNote =
    dropped > 0 ? `${csv.name}: ${dropped} row${dropped === 1 ? '' : 's'} without a '${csv.header[yi]}' left out` : '';
  showDefaults();
  configure();
}

$('csv').addEventListener('change', async () => {
  const file = ($('csv') as HTMLInputElement).files?.[0];
  if (!file) return;
  try {
    $('error').textContent = '';
    status(`reading ${file.name} (${(file.size / 2 ** 20).toFixed(1)} MB)…`);
    csv = await readCsv(file);
    for (const id of ['csv-x', 'csv-y']) {
      $(id).innerHTML = csv.header.map((h, i) => `<option value="${i}">${escapeHtml(h)}</option>`).join('');
    }
    ($('csv-y') as HTMLSelectElement).value = String(csv.header.length - 1);
    useCsvColumns();
  } catch (error) {
    $('error').textContent = (error as Error).message;
  }
});
$('csv-x').addEventListener('change', useCsvColumns);
$('csv-y').addEventListener('change', useCsvColumns);
$('dataset').addEventListener('change', () => {
  dataNote = '';
  data = fromSynthetic(($('dataset') as HTMLSelectElement).value);
  showDefaults();
  configure();
});
for (const id of [
  'components',
  'hidden',
  'learning-rate',
  'batch-size',
  'standardize',
  'spread-init',
  'noise',
  'mean-warmup',
  'softplus',
  'forum',
  'forum-standardize',
  'backend',
]) {
  $(id).addEventListener('change', configure);
}
$('start').addEventListener('click', () => send({ type: 'start' }));
$('pause').addEventListener('click', () => {
  send({ type: 'pause' });
  send({ type: 'diagnose' });
});
$('reset').addEventListener('click', configure);
$('diagnose').addEventListener('click', () => send({ type: 'diagnose' }));
$('download').addEventListener('click', () => send({ type: 'export' }));
$('model-file').addEventListener('change', async () => {
  const file = ($('model-file') as HTMLInputElement).files?.[0];
  if (file) send({ type: 'load', text: await file.text(), fileName: file.name });
});

// A small API for the end-to-end tests (and the curious, from the console).
(globalThis as unknown as { mdnDemo: unknown }).mdnDemo = {
  frames: () =>
    lastFrames.map((f) => ({
      label: f.label,
      steps: f.steps,
      losses: f.losses,
      nonFinite: f.nonFinite,
      done: f.done,
      means: Array.from(f.grid.means),
      logWeights: Array.from(f.grid.logWeights),
      components: f.grid.components,
      xs: f.grid.xs,
    })),
  plans: () => plans,
  data: () => data,
  running: () => running,
  density: async (points: [number, number][]) => (await request({ type: 'density', points }, 'densities')).values,
  exportModel: async () => (await request({ type: 'export' }, 'model')).text,
  loadModel: async (text: string, fileName: string) => request({ type: 'load', text, fileName }, 'loaded'),
};

showDefaults();
configure();
