/** Compact decimal text for CSV cells: 7 significant digits, no trailing zeros, plain integers as is. */
export function cell(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Inf' : '-Inf';
  if (value === 0) return '0';
  return String(Number(value.toPrecision(7)));
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

/** Probability as a column suffix: 0.05 → "q0.05". */
export function quantileName(p: number): string {
  return `q${String(Number(p.toPrecision(6)))}`;
}

/** A score for people: fixed decimals for ordinary magnitudes, 6 significant digits for very large or small ones. */
export function score(value: number, digits = 4): string {
  const magnitude = Math.abs(value);
  if (value !== 0 && Number.isFinite(value) && (magnitude >= 1e6 || magnitude < 1e-3)) return value.toPrecision(6);
  return value.toFixed(digits);
}
