import path from 'node:path';
import { CliError } from '../../errors.js';
import { writeFileAtomic } from '../../io/files.js';
import { type PlotInput, renderPlot, svgToPng } from './render.js';

/** The picture format from the file name; anything but .svg or .png is a usage error. */
export function plotFormat(file: string, flag: string): 'svg' | 'png' {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.svg') return 'svg';
  if (extension === '.png') return 'png';
  throw new CliError(`${flag} ${file}: the picture must end in .svg or .png`);
}

/** Renders and writes the plot atomically (PNG through resvg). */
export async function writePlot(file: string, input: PlotInput): Promise<void> {
  const format = plotFormat(file, '--out');
  const svg = await renderPlot(input);
  writeFileAtomic(file, format === 'svg' ? svg : await svgToPng(svg));
}
