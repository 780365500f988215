/** Canvas drawing of a run: density heatmap, data, bands, component means, mixing weights, loss curve. */
import { HostMixture, MixtureParts, niceTicks, viridis } from '@mdn/core/host';
import type { DataSet, RunFrame } from './protocol.js';

export const COMPONENT_COLOURS = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#46f0f0',
  '#f032e6',
  '#bcf60c',
];

export interface View {
  left: number;
  top: number;
  width: number;
  height: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** The grid's spacing (1 for a grid of one level). */
const step = (xs: readonly number[]) => (xs.length > 1 ? xs[1]! - xs[0]! : 1);

/** Where a data point is drawn along x: its value, or for a level a spot within the level's column (spread, not stacked). */
function pointX(data: DataSet, i: number): number {
  const x = data.x[i]!;
  if (!data.xLevels) return x;
  const spread = (((i * 2654435761) >>> 0) / 2 ** 32 - 0.5) * 0.6;
  return x + spread;
}

/** The plot area and data ranges for a dataset on a canvas. */
export function viewFor(canvas: HTMLCanvasElement, data: DataSet, xs: number[]): View {
  let [yMin, yMax] = targetRange(data.y);
  if (yMax === yMin) yMax = yMin + 1;
  const pad = (yMax - yMin) * 0.08;
  return {
    left: 44,
    top: 8,
    width: canvas.width - 52,
    height: canvas.height - 34,
    xMin: xs[0]! - step(xs) / 2,
    xMax: xs.at(-1)! + step(xs) / 2,
    yMin: yMin - pad,
    yMax: yMax + pad,
  };
}

/** Each target column's range, found once: every frame of every panel draws with it. */
const ranges = new WeakMap<Float64Array, [number, number]>();
function targetRange(values: Float64Array): [number, number] {
  if (values.length === 0) return [0, 1];
  let range = ranges.get(values);
  if (!range) {
    // A loop, not Math.min(...values): spreading ~125 000 values into arguments overflows the stack.
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    range = [lo, hi];
    ranges.set(values, range);
  }
  return range;
}

export const toPixel = (view: View, x: number, y: number): [number, number] => [
  view.left + ((x - view.xMin) / (view.xMax - view.xMin)) * view.width,
  view.top + ((view.yMax - y) / (view.yMax - view.yMin)) * view.height,
];

export const toData = (view: View, px: number, py: number): [number, number] => [
  view.xMin + ((px - view.left) / view.width) * (view.xMax - view.xMin),
  view.yMax - ((py - view.top) / view.height) * (view.yMax - view.yMin),
];

/** The weight of the network's own component c at grid row i: its own plus its tail companion's. */
function networkWeight(host: HostMixture, i: number, c: number): number {
  const companion = host.parts.companion(c);
  const at = i * host.components;
  return (
    Math.exp(host.logWeights[at + c]!) + (companion === undefined ? 0 : Math.exp(host.logWeights[at + companion]!))
  );
}

function hostOf(frame: RunFrame): HostMixture {
  const { xs, components, logWeights, means, scales, parts } = frame.grid;
  return new HostMixture({
    rows: xs.length,
    components,
    dimensions: 1,
    logWeights,
    means,
    scales,
    parts: MixtureParts.fromJSON(parts),
  });
}

/** The main picture: heatmap of p(y | x) (each column scaled to its peak), bands, component means, data. */
export function drawDensity(canvas: HTMLCanvasElement, frame: RunFrame, data: DataSet): View {
  const context = canvas.getContext('2d')!;
  const { xs } = frame.grid;
  const view = viewFor(canvas, data, xs);
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const host = hostOf(frame);
  const rows = 120;
  const image = new ImageData(xs.length, rows);
  const finite = !frame.nonFinite;
  for (let i = 0; i < xs.length && finite; i++) {
    const column = new Float64Array(rows);
    let peak = 0;
    for (let j = 0; j < rows; j++) {
      const y = view.yMax - ((j + 0.5) / rows) * (view.yMax - view.yMin);
      column[j] = host.pdfAt(i, y);
      if (column[j]! > peak) peak = column[j]!;
    }
    for (let j = 0; j < rows; j++) {
      const [r, g, b] = viridis(peak > 0 && Number.isFinite(peak) ? Math.sqrt(column[j]! / peak) : 0);
      const offset = (j * xs.length + i) * 4;
      image.data[offset] = r;
      image.data[offset + 1] = g;
      image.data[offset + 2] = b;
      image.data[offset + 3] = 255;
    }
  }
  const buffer = new OffscreenCanvas(xs.length, rows);
  buffer.getContext('2d')!.putImageData(image, 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(buffer, view.left, view.top, view.width, view.height);

  if (finite) {
    // 50 % and 90 % central intervals and the median.
    const q = host.quantile([0.05, 0.25, 0.5, 0.75, 0.95]);
    const band = (lo: number, hi: number, alpha: number) => {
      context.beginPath();
      for (const [i, x] of xs.entries()) context.lineTo(...toPixel(view, x, q[i * 5 + hi]!));
      for (let i = xs.length - 1; i >= 0; i--) context.lineTo(...toPixel(view, xs[i]!, q[i * 5 + lo]!));
      context.closePath();
      context.fillStyle = `rgba(255,255,255,${alpha})`;
      context.fill();
    };
    band(0, 4, 0.1);
    band(1, 3, 0.15);
    // The network's components' means, opacity = weight.
    for (const [colour, k] of host.parts.networkComponents.entries()) {
      context.strokeStyle = COMPONENT_COLOURS[colour % COMPONENT_COLOURS.length]!;
      context.lineWidth = 2;
      for (let i = 1; i < xs.length; i++) {
        context.globalAlpha = Math.max(0.05, networkWeight(host, i, k));
        context.beginPath();
        context.moveTo(...toPixel(view, xs[i - 1]!, host.means[(i - 1) * host.components + k]!));
        context.lineTo(...toPixel(view, xs[i]!, host.means[i * host.components + k]!));
        context.stroke();
      }
    }
    context.globalAlpha = 1;
    context.strokeStyle = '#fff';
    context.lineWidth = 2.5;
    context.beginPath();
    for (const [i, x] of xs.entries()) context.lineTo(...toPixel(view, x, q[i * 5 + 2]!));
    context.stroke();
  }
  context.fillStyle = 'rgba(255, 110, 84, 0.7)';
  const stride = Math.max(1, Math.floor(data.x.length / 2000));
  for (let i = 0; i < data.x.length; i += stride) {
    const [px, py] = toPixel(view, pointX(data, i), data.y[i]!);
    context.fillRect(px - 1.5, py - 1.5, 3, 3);
  }
  if (!finite) {
    context.fillStyle = 'rgba(0,0,0,0.55)';
    context.fillRect(view.left, view.top, view.width, view.height);
    context.fillStyle = '#fff';
    context.font = 'bold 16px system-ui, sans-serif';
    context.fillText('NaN: the weights are no longer numbers', view.left + 20, view.top + 40);
    context.font = '13px system-ui, sans-serif';
    context.fillText('σ = elu(raw) + 1 underflowed to 0 — see the diagnostics', view.left + 20, view.top + 62);
  }
  axes(context, view, data.xLevels);
  return view;
}

function axes(context: CanvasRenderingContext2D, view: View, levels?: readonly string[]) {
  context.strokeStyle = '#333';
  context.lineWidth = 1;
  context.strokeRect(view.left, view.top, view.width, view.height);
  context.fillStyle = '#333';
  context.font = '11px system-ui, sans-serif';
  context.textAlign = 'center';
  if (levels) {
    // A categorical x: each level under its column.
    for (const [i, level] of levels.entries()) {
      const [px] = toPixel(view, i, 0);
      context.fillText(level.length > 14 ? `${level.slice(0, 13)}…` : level, px, view.top + view.height + 14);
    }
  } else {
    for (const t of niceTicks(view.xMin, view.xMax, 5)) {
      const [px] = toPixel(view, t, 0);
      context.fillText(String(Number(t.toPrecision(4))), px, view.top + view.height + 14);
    }
  }
  context.textAlign = 'right';
  for (const t of niceTicks(view.yMin, view.yMax, 5)) {
    const [, py] = toPixel(view, 0, t);
    context.fillText(String(Number(t.toPrecision(4))), view.left - 4, py + 4);
  }
  context.textAlign = 'left';
}

/** Mixing weights π_k(x) stacked across x. */
export function drawWeights(canvas: HTMLCanvasElement, frame: RunFrame) {
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  if (frame.nonFinite) return;
  const host = hostOf(frame);
  const { xs } = frame.grid;
  const left = 44;
  const width = canvas.width - 52;
  const height = canvas.height - 6;
  const below = new Float64Array(xs.length);
  for (const [colour, k] of host.parts.networkComponents.entries()) {
    context.beginPath();
    for (let i = 0; i < xs.length; i++) {
      const w = networkWeight(host, i, k);
      context.lineTo(left + (i / Math.max(1, xs.length - 1)) * width, 3 + (1 - below[i]! - w) * height);
    }
    for (let i = xs.length - 1; i >= 0; i--)
      context.lineTo(left + (i / Math.max(1, xs.length - 1)) * width, 3 + (1 - below[i]!) * height);
    for (let i = 0; i < xs.length; i++) below[i] = below[i]! + networkWeight(host, i, k);
    context.closePath();
    context.fillStyle = COMPONENT_COLOURS[colour % COMPONENT_COLOURS.length]!;
    context.globalAlpha = 0.75;
    context.fill();
  }
  const pointMasses = host.parts.pointMasses.length > 0;
  if (pointMasses) {
    // The point masses (MdnConfig.atoms) take the rest of the weight, in grey on top.
    context.beginPath();
    for (let i = 0; i < xs.length; i++) context.lineTo(left + (i / Math.max(1, xs.length - 1)) * width, 3);
    for (let i = xs.length - 1; i >= 0; i--)
      context.lineTo(left + (i / Math.max(1, xs.length - 1)) * width, 3 + (1 - below[i]!) * height);
    context.closePath();
    context.fillStyle = '#999';
    context.globalAlpha = 0.75;
    context.fill();
  }
  context.globalAlpha = 1;
  context.fillStyle = '#333';
  context.font = '11px system-ui, sans-serif';
  context.fillText(pointMasses ? 'π(x) · grey: point mass' : 'π(x)', 6, 14);
}

/** Training NLL per row against steps (the first steps' large values clipped). */
export function drawLoss(canvas: HTMLCanvasElement, frame: RunFrame) {
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const points = frame.losses.filter(([, l]) => Number.isFinite(l));
  context.fillStyle = '#333';
  context.font = '11px system-ui, sans-serif';
  if (points.length < 2) {
    context.fillText('loss: waiting for steps…', 6, 14);
    return;
  }
  const sorted = points.map(([, l]) => l).sort((a, b) => a - b);
  const lo = sorted[0]!;
  const hi = Math.max(sorted[Math.floor(0.95 * (sorted.length - 1))]!, lo + 1e-6);
  const first = points[0]![0];
  const last = points.at(-1)![0];
  const left = 44;
  const width = canvas.width - 52;
  const height = canvas.height - 22;
  context.strokeStyle = '#1f77b4';
  context.lineWidth = 1.5;
  context.beginPath();
  for (const [step, loss] of points) {
    context.lineTo(
      left + ((step - first) / Math.max(last - first, 1)) * width,
      4 + ((hi - Math.min(Math.max(loss, lo), hi)) / (hi - lo)) * height,
    );
  }
  context.stroke();
  context.fillText(hi.toFixed(3), 2, 12);
  context.fillText(lo.toFixed(3), 2, height + 4);
  context.fillText(`NLL per point · step ${last}`, left, canvas.height - 4);
}
