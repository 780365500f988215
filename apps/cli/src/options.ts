/**
 * Parsers of the flags that are not training options (those come from @mdn/core's option schema: see
 * commands/train/options.ts).
 */
import { parseValueText } from '@mdn/core/host';
import { InvalidArgumentError } from 'commander';

/** A decimal number as written (`0.5`, `-1e-3`, ` 2 `), or NaN: no hex (`0x10`), binary or `Infinity`. */
function decimal(value: string): number {
  const n = parseValueText({ type: 'number' }, value);
  return typeof n === 'number' ? n : Number.NaN;
}

/** Commander parsers: each rejects a bad value with a message that says what is expected. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got '${value}'.`);
  }
  return n;
}

/** A whole number in [1, max]; `why` says where the limit comes from. */
export function integerUpTo(max: number, why: string): (value: string) => number {
  return (value: string) => {
    const n = positiveInteger(value);
    if (n > max) throw new InvalidArgumentError(`at most ${max.toLocaleString('en-US')} (${why}), got '${value}'.`);
    return n;
  };
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a whole number ≥ 0, got '${value}'.`);
  }
  return n;
}

/** A random seed: a whole number in [0, 2³²) (what the core's generators take). */
export function seedValue(value: string): number {
  const n = nonNegativeInteger(value);
  if (n >= 2 ** 32) throw new InvalidArgumentError(`expected a seed in [0, 4294967295], got '${value}'.`);
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = decimal(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number ≥ 0, got '${value}'.`);
  }
  return n;
}

/** `0.05,0.5,0.95` → probabilities strictly between 0 and 1. */
export function probabilityList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const numbers = parts.map(decimal);
  if (parts.some((p) => p === '') || numbers.some((p) => !(p > 0 && p < 1))) {
    throw new InvalidArgumentError(`expected probabilities in (0, 1) separated by commas, got '${value}'.`);
  }
  const twice = numbers.findIndex((p, i) => numbers.indexOf(p) !== i);
  if (twice >= 0) {
    throw new InvalidArgumentError(`${parts[twice]} is given twice in '${value}'; give each probability once.`);
  }
  return numbers;
}

/**
 * A comma-separated list of column names. A name that itself holds a comma (or a quote, or spaces at its ends)
 * is written in double quotes, as in CSV: `--x '"income, net",age'`; `""` inside quotes is one quote.
 */
export function nameList(value: string): string[] {
  const names: string[] = [];
  let i = 0;
  for (;;) {
    while (value[i] === ' ') i++;
    let name = '';
    if (value[i] === '"') {
      i++;
      for (;;) {
        if (i >= value.length)
          throw new InvalidArgumentError(`a quoted column name in '${value}' has no closing quote.`);
        if (value[i] === '"') {
          if (value[i + 1] === '"') {
            name += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += value[i++];
      }
      while (value[i] === ' ') i++;
      if (i < value.length && value[i] !== ',') {
        throw new InvalidArgumentError(`after a quoted column name in '${value}' only a comma may follow.`);
      }
    } else {
      const end = value.indexOf(',', i);
      name = value.slice(i, end === -1 ? value.length : end).trim();
      i = end === -1 ? value.length : end;
      if (name === '') throw new InvalidArgumentError(`a column name in '${value}' is empty.`);
    }
    names.push(name);
    if (i >= value.length) return names;
    i++; // the comma
  }
}

/**
 * A comma-separated list of cell texts (`--missing-values`): each trimmed, an empty one allowed (the empty cell);
 * the same quoting as {@link nameList} for a text with a comma.
 */
export function cellList(value: string): string[] {
  if (value.trim() === '') return [''];
  return value.split(',').some((part) => part.includes('"'))
    ? nameList(value)
    : value.split(',').map((part) => part.trim());
}
