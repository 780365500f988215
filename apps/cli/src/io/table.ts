import { readFileSync } from 'node:fs';
import { parseTable, type Table } from '@mdn/core/host';
import { CliError } from '../errors.js';

/** A parsed CSV/TSV file, and its named columns as a checked float64 matrix (errors name line and column). */
export { numericMatrix, type Table } from '@mdn/core/host';

function readSource(file: string): { text: string; source: string } {
  if (file === '-') {
    try {
      return { text: readFileSync(0, 'utf8'), source: 'stdin' };
    } catch (error) {
      throw new CliError(`cannot read stdin: ${(error as Error).message}`);
    }
  }
  try {
    return { text: readFileSync(file, 'utf8'), source: file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${file}: no such file; check the path (use - to read stdin)`);
    if (code === 'EISDIR') throw new CliError(`${file}: is a directory; give a CSV or TSV file`);
    throw new CliError(`${file}: cannot be read (${(error as Error).message})`);
  }
}

/**
 * Reads a CSV/TSV file with a header row (or stdin for `-`) with @mdn/core's parser: a UTF-8 BOM, CRLF line ends
 * and quoted cells are fine; a ragged row, a bad quote or a bad header is an InputError naming line and column.
 */
export function readTable(file: string): Table {
  const { text, source } = readSource(file);
  return parseTable(text, { source });
}
