import type { HostMixture, Matrix, MixtureDensityNetwork } from '@mdn/core';
import { niceTicks, printable, viridis } from '@mdn/core/host';
import { networkRuns } from '../../format.js';
import { encodePng } from './png.js';

/** What {@link renderPlot} draws. */
export interface PlotInput {
  model: MixtureDensityNetwork;
  /** `[N, 1]` inputs and targets of the data to show (original units). */
  x: Matrix;
  y: Matrix;
  xName: string;
  yName: string;
  title: string;
}

const WIDTH = 1100;
const HEIGHT = 560;
const GRID_X = 220;
const GRID_Y = 160;
const MAX_POINTS = 3000;

const label = (v: number) => String(Number(v.toPrecision(4)));
/**
 * Text for an SVG element: control characters written as escapes (`\x0b`: XML 1.0 allows none of them but tab and
 * the line ends, and a title or column name with one made resvg fail and the SVG unreadable), then &, < and >.
 */
const escapeXml = (s: string) => printable(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A seeded subsample of row indices, at most `limit`. */
function subsample(rows: number, limit: number): number[] {
  if (rows <= limit) return Array.from({ length: rows }, (_, i) => i);
  const stride = rows / limit;
  return Array.from({ length: limit }, (_, i) => Math.floor(i * stride));
}

/**
 * The fit as an SVG picture: left, the predicted conditional density p(y | x) as a heatmap (each x column scaled
 * to its own peak), the data points, the median and the 50 % / 90 % central intervals; right, the training and
 * validation loss per epoch from the model file.
 */
export async function renderPlot(input: PlotInput): Promise<string> {
  const { model, x, y } = input;
  let xMin = Number.POSITIVE_INFINITY;
  let xMax = Number.NEGATIVE_INFINITY;
  let yMin = Number.POSITIVE_INFINITY;
  let yMax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.rows; i++) {
    xMin = Math.min(xMin, x.data[i]!);
    xMax = Math.max(xMax, x.data[i]!);
    yMin = Math.min(yMin, y.data[i]!);
    yMax = Math.max(yMax, y.data[i]!);
  }
  if (xMax === xMin) {
    xMin -= 1;
    xMax += 1;
  }
  const gridXs = Array.from({ length: GRID_X }, (_, i) => xMin + ((i + 0.5) / GRID_X) * (xMax - xMin));
  const host: HostMixture = await model.predictHost(gridXs.map((v) => [v]));
  const quantiles = host.quantile([0.05, 0.25, 0.5, 0.75, 0.95]);
  for (let i = 0; i < GRID_X; i++) {
    yMin = Math.min(yMin, quantiles[i * 5]!);
    yMax = Math.max(yMax, quantiles[i * 5 + 4]!);
  }
  const pad = (yMax - yMin || 1) * 0.05;
  yMin -= pad;
  yMax += pad;

  // Heatmap pixels: rows top (high y) to bottom, each the probability of its y interval (a component narrower than a
  // pixel is neither missed nor a spike). A point mass (MdnConfig.atoms) is drawn at full colour but does not set
  // the column's scale, or the rest of the column would fade next to it.
  const rgb = new Uint8Array(GRID_X * GRID_Y * 3);
  const column = new Float64Array(GRID_Y);
  const edge = (j: number) => yMax - (j / GRID_Y) * (yMax - yMin);
  const atomPixels = new Set(
    model.config.atoms.map((atom) => Math.floor(((yMax - atom.value) / (yMax - yMin)) * GRID_Y)),
  );
  for (let i = 0; i < GRID_X; i++) {
    let peak = 0;
    let above = host.cdfAt(i, edge(0));
    for (let j = 0; j < GRID_Y; j++) {
      const below = host.cdfAt(i, edge(j + 1));
      column[j] = Math.max(0, above - below);
      above = below;
      if (!atomPixels.has(j)) peak = Math.max(peak, column[j]!);
    }
    for (let j = 0; j < GRID_Y; j++) {
      const [r, g, b] = viridis(peak > 0 ? Math.sqrt(Math.min(1, column[j]! / peak)) : 0);
      const offset = (j * GRID_X + i) * 3;
      rgb[offset] = r;
      rgb[offset + 1] = g;
      rgb[offset + 2] = b;
    }
  }
  const heatmap = Buffer.from(encodePng(GRID_X, GRID_Y, rgb)).toString('base64');

  const main = { left: 70, top: 50, width: 620, height: 440 };
  const px = (v: number) => main.left + ((v - xMin) / (xMax - xMin)) * main.width;
  const py = (v: number) => main.top + ((yMax - v) / (yMax - yMin)) * main.height;
  const band = (lo: number, hi: number) => {
    const upper = gridXs.map((v, i) => `${px(v).toFixed(1)},${py(quantiles[i * 5 + hi]!).toFixed(1)}`);
    const lower = gridXs.map((v, i) => `${px(v).toFixed(1)},${py(quantiles[i * 5 + lo]!).toFixed(1)}`).reverse();
    return [...upper, ...lower].join(' ');
  };
  const median = gridXs.map((v, i) => `${px(v).toFixed(1)},${py(quantiles[i * 5 + 2]!).toFixed(1)}`).join(' ');
  const points = subsample(x.rows, MAX_POINTS)
    .map((i) => `<circle cx="${px(x.data[i]!).toFixed(1)}" cy="${py(y.data[i]!).toFixed(1)}" r="1.6"/>`)
    .join('');

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${main.left}" y="28" font-size="16" font-weight="bold">${escapeXml(input.title)}</text>`,
    `<clipPath id="main"><rect x="${main.left}" y="${main.top}" width="${main.width}" height="${main.height}"/></clipPath>`,
    `<image x="${main.left}" y="${main.top}" width="${main.width}" height="${main.height}" preserveAspectRatio="none" href="data:image/png;base64,${heatmap}"/>`,
    `<g clip-path="url(#main)">`,
    `<polygon points="${band(0, 4)}" fill="#ffffff" fill-opacity="0.12" stroke="#ffffff" stroke-opacity="0.7" stroke-dasharray="4 3"/>`,
    `<polygon points="${band(1, 3)}" fill="#ffffff" fill-opacity="0.18" stroke="#ffffff" stroke-opacity="0.9"/>`,
    `<g fill="#ff6e54" fill-opacity="0.55">${points}</g>`,
    `<polyline points="${median}" fill="none" stroke="#ffffff" stroke-width="2.2"/>`,
    '</g>',
    `<rect x="${main.left}" y="${main.top}" width="${main.width}" height="${main.height}" fill="none" stroke="#333"/>`,
  );
  for (const t of niceTicks(xMin, xMax, 6)) {
    parts.push(
      `<line x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${main.top + main.height}" y2="${main.top + main.height + 5}" stroke="#333"/>`,
      `<text x="${px(t).toFixed(1)}" y="${main.top + main.height + 18}" text-anchor="middle">${label(t)}</text>`,
    );
  }
  for (const t of niceTicks(yMin, yMax, 6)) {
    parts.push(
      `<line x1="${main.left - 5}" x2="${main.left}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#333"/>`,
      `<text x="${main.left - 8}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${label(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${main.left + main.width / 2}" y="${main.top + main.height + 38}" text-anchor="middle">${escapeXml(input.xName)}</text>`,
    `<text transform="translate(22 ${main.top + main.height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(input.yName)}</text>`,
    `<text x="${main.left}" y="${main.top + main.height + 58}" fill="#444">heatmap: p(${escapeXml(input.yName)} | ${escapeXml(input.xName)}), each column scaled to its peak · white line: median · bands: 50 % and 90 % intervals · dots: data (${Math.min(x.rows, MAX_POINTS)} of ${x.rows})</text>`,
  );
  parts.push(lossPanel(input.model, { left: 770, top: 50, width: 300, height: 260 }));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** "40" when every network ran 40 epochs, "103–180" otherwise. */
function epochRange(counts: number[]): string {
  const low = Math.min(...counts);
  const high = Math.max(...counts);
  return low === high ? `${low}` : `${low}–${high}`;
}

function lossPanel(model: MixtureDensityNetwork, box: { left: number; top: number; width: number; height: number }) {
  const history = model.metadata.history ?? [];
  const out = [
    `<text x="${box.left}" y="${box.top - 10}" font-weight="bold">Loss per epoch (NLL per row)</text>`,
    `<rect x="${box.left}" y="${box.top}" width="${box.width}" height="${box.height}" fill="#fafafa" stroke="#333"/>`,
  ];
  const values = history.flatMap((h) => [h.trainLoss, h.validationLoss ?? Number.NaN]).filter(Number.isFinite);
  if (history.length < 2 || values.length === 0) {
    out.push(
      `<text x="${box.left + box.width / 2}" y="${box.top + box.height / 2}" text-anchor="middle" fill="#666">no training history in the model file</text>`,
    );
    return out.join('\n');
  }
  const sorted = [...values].sort((a, b) => a - b);
  const lo = sorted[0]!;
  // Clip the first epochs' large losses so the end of training stays readable.
  const hi = Math.max(sorted[Math.floor(0.95 * (sorted.length - 1))]!, lo + 1e-6);
  // An ensemble's history is its networks' runs one after another, each from epoch 1: one pair of lines per network.
  const runs = networkRuns(history, model.config.members);
  const epochs = history.map((h) => h.epoch);
  const last = Math.max(...epochs);
  const first = Math.min(...epochs);
  const px = (e: number) => box.left + ((e - first) / Math.max(last - first, 1)) * box.width;
  const py = (v: number) => box.top + ((hi - Math.min(Math.max(v, lo), hi)) / (hi - lo)) * box.height;
  const line = (run: typeof history, pick: (h: (typeof history)[number]) => number | null) =>
    run
      .filter((h) => Number.isFinite(pick(h) ?? Number.NaN))
      .map((h) => `${px(h.epoch).toFixed(1)},${py(pick(h)!).toFixed(1)}`)
      .join(' ');
  const width = runs.length > 1 ? 1 : 1.6;
  for (const run of runs) {
    out.push(
      `<polyline points="${line(run, (h) => h.trainLoss)}" fill="none" stroke="#1f77b4" stroke-width="${width}"/>`,
      `<polyline points="${line(run, (h) => h.validationLoss)}" fill="none" stroke="#d62728" stroke-width="${width}"/>`,
    );
  }
  for (const t of niceTicks(lo, hi, 5)) {
    out.push(
      `<text x="${box.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${label(t)}</text>`,
      `<line x1="${box.left}" x2="${box.left + box.width}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#ddd"/>`,
    );
  }
  for (const t of niceTicks(first, last, 5)) {
    out.push(`<text x="${px(t).toFixed(1)}" y="${box.top + box.height + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  const training = model.metadata.training ?? {};
  out.push(
    `<text x="${box.left + box.width / 2}" y="${box.top + box.height + 34}" text-anchor="middle">epoch</text>`,
    `<line x1="${box.left}" x2="${box.left + 18}" y1="${box.top + box.height + 56}" y2="${box.top + box.height + 56}" stroke="#1f77b4" stroke-width="2"/>`,
    `<text x="${box.left + 24}" y="${box.top + box.height + 60}">training (with noise)</text>`,
    `<line x1="${box.left + 160}" x2="${box.left + 178}" y1="${box.top + box.height + 56}" y2="${box.top + box.height + 56}" stroke="#d62728" stroke-width="2"/>`,
    `<text x="${box.left + 184}" y="${box.top + box.height + 60}">validation</text>`,
    `<text x="${box.left}" y="${box.top + box.height + 90}" fill="#444">k = ${model.config.components}, hidden ${model.config.hidden.join('×')} ${model.config.activation}</text>`,
    runs.length > 1
      ? `<text x="${box.left}" y="${box.top + box.height + 108}" fill="#444">${runs.length} networks (an ensemble), ${epochRange(runs.map((r) => r.length))} epochs each</text>`
      : `<text x="${box.left}" y="${box.top + box.height + 108}" fill="#444">stopped: ${escapeXml(String(training.stopReason ?? 'unknown'))} after ${history.length} epochs (best ${escapeXml(String(training.bestEpoch ?? '?'))})</text>`,
    `<text x="${box.left}" y="${box.top + box.height + 126}" fill="#444">backend: ${escapeXml(String(training.backend ?? 'unknown'))}</text>`,
  );
  return out.join('\n');
}

/** Rasterises the SVG to PNG with resvg (system fonts for the text). */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, { fitTo: { mode: 'zoom', value: 1.5 }, font: { loadSystemFonts: true } });
  return resvg.render().asPng();
}
