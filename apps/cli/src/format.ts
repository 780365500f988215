import { CliError } from './errors.js';

/**
 * Compact decimal text for CSV cells: 7 significant digits relative to `unit` (the column's spread, for example
 * its standardiser scale), no trailing zeros. A value far from 0 compared with its unit keeps more digits, so
 * 100000005.390586 on a column that varies by about 6 is not written as 100000000.
 */
export function cell(value: number, unit = Math.abs(value)): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Inf' : '-Inf';
  if (value === 0) return '0';
  const extra = unit > 0 && Number.isFinite(unit) ? Math.ceil(Math.log10(Math.abs(value) / unit)) : 0;
  return String(Number(value.toPrecision(Math.min(17, Math.max(7, 7 + extra)))));
}

/**
 * Refuses an output header with a name twice: the first `inputs` names are DATA's columns, copied through, and the
 * rest the command's own (mean, std, sample, …). A file whose input column is called `mean` would otherwise give a
 * CSV that no reader (mdn included) takes back.
 */
export function checkHeader(header: readonly string[], inputs: number, command: string): void {
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    if (seen.has(name)) {
      const input = header.indexOf(name) < inputs;
      throw new CliError(
        input && i >= inputs
          ? `the input column '${name}' has the name of a column mdn ${command} writes; rename it in the data (the output would name '${name}' twice)`
          : `the output would name '${name}' twice; rename that column in the data`,
      );
    }
    seen.add(name);
  }
}

/** Quotes a CSV field when it needs it. */
export function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/** Fixed decimals, right-aligned in `width`. */
export function fixed(value: number, digits: number, width = 0): string {
  return value.toFixed(digits).padStart(width);
}

/**
 * Probability as a column name: 0.05 → "q0.05", in the shortest form that reads back as the same number, so two
 * different probabilities (0.99999999 and 0.999999999) never share a name.
 */
export function quantileName(p: number): string {
  return `q${String(p)}`;
}

/** A score for people: fixed decimals for ordinary magnitudes, 6 significant digits for very large or small ones. */
export function score(value: number, digits = 4): string {
  const magnitude = Math.abs(value);
  if (value !== 0 && Number.isFinite(value) && (magnitude >= 1e6 || magnitude < 1e-3)) return value.toPrecision(6);
  return value.toFixed(digits);
}

/**
 * A model's training history split by network: an ensemble's history holds its networks' runs one after another,
 * each from epoch 1 (`member` says whose); a single network's is one run. Networks without epochs are left out.
 */
export function networkRuns<T extends { member?: number }>(history: readonly T[], networks: number): T[][] {
  return Array.from({ length: Math.max(1, networks) }, (_, m) => history.filter((e) => (e.member ?? 0) === m)).filter(
    (run) => run.length > 0,
  );
}
