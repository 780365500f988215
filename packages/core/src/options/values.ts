/**
 * The kinds of value an option takes, each written once: how a value is checked (the API's errors), how it is
 * described ("a whole number ≥ 1"), and how it is read from text (the `mdn` flags, the web demo's fields).
 * No tfjs: the CLI and the demo's page read these through `@mdn/core/host`.
 */
import { DECIMAL } from '../data/table.js';

/** A kind of value (see {@link checkValue}, {@link describeValue}, {@link parseValueText}). */
export type ValueKind =
  /** A whole number in [min, max]; `unit` names what is counted in a message about the maximum. */
  | { readonly type: 'integer'; readonly min: number; readonly max?: number; readonly unit?: string }
  /**
   * A finite number within the bounds (open or closed at each end); with `infinity`, Infinity too, meaning what
   * `infinity` says ("no clipping").
   */
  | {
      readonly type: 'number';
      readonly min?: number;
      readonly minOpen?: boolean;
      readonly max?: number;
      readonly maxOpen?: boolean;
      readonly infinity?: string;
      readonly unit?: string;
    }
  | { readonly type: 'choice'; readonly values: readonly string[] }
  | { readonly type: 'boolean' }
  /** A non-empty list of whole numbers ≥ 1 (layer widths). */
  | { readonly type: 'widths' }
  /** Anything else: its own check (a reason, or undefined when fine), description and reading from text. */
  | {
      readonly type: 'custom';
      readonly expected: string;
      /** Why `value` is not acceptable, or undefined when it is. */
      readonly check: (value: unknown) => string | undefined;
      /** Reads the value from a flag's text (default: the text itself). */
      readonly parse?: (text: string) => unknown;
    };

const show = (value: unknown) => (typeof value === 'string' ? `'${value}'` : String(value));

/** "a whole number ≥ 1", "in [0, 0.5)", "one of 'plateau', 'cosine', 'constant'". */
export function describeValue(kind: ValueKind): string {
  switch (kind.type) {
    case 'integer':
      return kind.max === undefined ? `a whole number ≥ ${kind.min}` : `a whole number in [${kind.min}, ${kind.max}]`;
    case 'number': {
      const unit = kind.unit ? ` ${kind.unit}` : '';
      const off = kind.infinity ? ` (or Infinity: ${kind.infinity})` : '';
      if (kind.min !== undefined && kind.max !== undefined) {
        return `in ${kind.minOpen ? '(' : '['}${kind.min}, ${kind.max}${kind.maxOpen ? ')' : ']'}${unit}${off}`;
      }
      if (kind.min !== undefined) return `a number ${kind.minOpen ? '>' : '≥'} ${kind.min}${unit}${off}`;
      return `a finite number${unit}${off}`;
    }
    case 'choice':
      return `one of ${kind.values.map(show).join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'widths':
      return 'a list of whole numbers ≥ 1';
    case 'custom':
      return kind.expected;
  }
}

/** Why `value` is not of `kind` ("must be …, got …"), or undefined when it is. */
export function checkValue(kind: ValueKind, value: unknown): string | undefined {
  const refuse = () => `must be ${describeValue(kind)}, got ${show(value)}`;
  switch (kind.type) {
    case 'integer': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < kind.min) return refuse();
      if (kind.max !== undefined && value > kind.max) {
        return kind.unit ? `must be at most ${kind.max} ${kind.unit}, got ${value}` : refuse();
      }
      return undefined;
    }
    case 'number': {
      if (typeof value !== 'number' || Number.isNaN(value)) return refuse();
      if (value === Number.POSITIVE_INFINITY && kind.infinity) return undefined;
      if (!Number.isFinite(value)) return refuse();
      if (kind.min !== undefined && (kind.minOpen ? !(value > kind.min) : !(value >= kind.min))) return refuse();
      if (kind.max !== undefined && (kind.maxOpen ? !(value < kind.max) : !(value <= kind.max))) return refuse();
      return undefined;
    }
    case 'choice':
      return kind.values.includes(value as string) ? undefined : `must be ${describeValue(kind)}; got ${show(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : refuse();
    case 'widths': {
      if (!Array.isArray(value) || value.length === 0) return `must be ${describeValue(kind)}, got ${show(value)}`;
      const bad = value.findIndex((w) => !(typeof w === 'number' && Number.isSafeInteger(w) && w >= 1));
      return bad < 0 ? undefined : `[${bad}] must be a whole number ≥ 1, got ${show(value[bad])}`;
    }
    case 'custom':
      return kind.check(value);
  }
}

/** A decimal number as written (`0.5`, `-1e-3`, ` 2 `), or NaN: no hex (`0x10`), binary or `Infinity`. */
function decimal(text: string): number {
  const trimmed = text.trim();
  return DECIMAL.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/**
 * Reads a value of `kind` from text (a flag, a form field): decimal numbers only (no hex, no `Infinity`), whole
 * numbers as digits, widths as `128,128`. Returns the value, or undefined when the text is not one of `kind`.
 */
export function parseValueText(kind: ValueKind, text: string): unknown {
  const trimmed = text.trim();
  let value: unknown;
  switch (kind.type) {
    case 'integer':
      value = /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
      break;
    case 'number':
      value = decimal(trimmed);
      break;
    case 'choice':
      value = trimmed;
      break;
    case 'boolean':
      value = trimmed === 'true' ? true : trimmed === 'false' ? false : undefined;
      break;
    case 'widths': {
      const parts = trimmed.split(',').map((part) => part.trim());
      value = parts.every((part) => /^\d+$/.test(part)) ? parts.map(Number) : undefined;
      break;
    }
    case 'custom':
      value = kind.parse?.(trimmed);
      break;
  }
  return value !== undefined && checkValue(kind, value) === undefined ? value : undefined;
}

/** How a value of `kind` is written as text ("a whole number ≥ 1", "one of plateau, cosine, constant"). */
export function describeText(kind: ValueKind): string {
  switch (kind.type) {
    case 'number': {
      const { infinity: _, ...finite } = kind;
      const text = describeValue(finite);
      return text.startsWith('in ') ? `a number ${text}` : text;
    }
    case 'choice':
      return `one of ${kind.values.join(', ')}`;
    case 'widths':
      return 'whole numbers ≥ 1 separated by commas (like 128,128)';
    default:
      return describeValue(kind);
  }
}
