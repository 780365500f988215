/**
 * One error family for the whole library. Every error @mdn/core throws on purpose is an {@link MdnError} with a
 * stable `code`; bad data, options or files are {@link InputError}s (the `mdn` command exits 2 on them), a training
 * run that cannot continue is a `TrainingError`. `MdnError.isInstance` works across copies of the package.
 *
 * An error about one place carries it in {@link MdnError.fields} (`option`, `row`, `column`, `line`, `source`), so
 * callers (the `mdn` command, a web form) can point at the place or name it their own way without reading the
 * message: an option error's message is `${option} ${reason}`, and the CLI writes `${flag} ${reason}` instead.
 */

const MARKER = Symbol.for('@mdn/core.error');

/** Stable error codes: match on these, not on messages. */
export type MdnErrorCode =
  | 'invalid-input'
  | 'invalid-option'
  | 'model-format'
  | 'training-failed'
  | 'backend'
  | 'disposed'
  /** An object used out of its order: a training run after it ended, a table reader after its end. */
  | 'invalid-state';

/** Where an error is, when it is about one place (every field optional). */
export interface ErrorFields {
  /** The option at fault as the API names it: `validationSplit`, `model.tailWeight`, `noise.x`. */
  readonly option?: string;
  /** The data row at fault, 0-based as the API counts rows. */
  readonly row?: number;
  /** The column at fault: its name, or its 0-based index when it has none. */
  readonly column?: string | number;
  /** The 1-based line of a text source (a CSV file) where the fault is. */
  readonly line?: number;
  /** How the source is named (a file name, `stdin`). */
  readonly source?: string;
  /**
   * What is wrong, without the place: with `option`, the message is `${option} ${reason}`, so a caller that names
   * the option otherwise (a command-line flag) can write its own name before the reason.
   */
  readonly reason?: string;
}

/** The options of an {@link MdnError}: the place ({@link ErrorFields}) and the cause. */
export interface MdnErrorOptions extends ErrorFields {
  readonly cause?: unknown;
}

/** The base of every error the library throws on purpose; `message` says what is wrong and what to do. */
export class MdnError extends Error {
  override name = 'MdnError';
  readonly code: MdnErrorCode;
  /** Where the error is (empty when it is not about one place). */
  readonly fields: ErrorFields;
  readonly [MARKER] = true;

  constructor(code: MdnErrorCode, message: string, options: MdnErrorOptions = {}) {
    const { cause, ...fields } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.fields = Object.freeze(
      Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
    ) as ErrorFields;
  }

  /** True for any MdnError, also one thrown by another copy of @mdn/core. */
  static isInstance(error: unknown): error is MdnError {
    return typeof error === 'object' && error !== null && (error as { [MARKER]?: unknown })[MARKER] === true;
  }
}

/** The codes an {@link InputError} carries: bad data, a bad option, a bad model file. */
export type InputErrorCode = 'invalid-input' | 'invalid-option' | 'model-format';

/**
 * Bad input from the caller: data (a non-finite cell, mismatched rows), an option (a typo, a value out of range)
 * or a file. The message names the place (row, column, option) and what to do; `fields` holds the place.
 */
export class InputError extends MdnError {
  override name = 'InputError';
  constructor(message: string, options: InputErrorCode | (MdnErrorOptions & { code?: InputErrorCode }) = {}) {
    const { code = 'invalid-input', ...rest } = typeof options === 'string' ? { code: options } : options;
    super(code, message, rest);
  }

  /** True for any InputError (and its subclasses), also from another copy of @mdn/core. */
  static override isInstance(error: unknown): error is InputError {
    return (
      MdnError.isInstance(error) &&
      (error.code === 'invalid-input' || error.code === 'invalid-option' || error.code === 'model-format')
    );
  }
}

/**
 * An option with a value it does not accept: the message is `${option} ${reason}`, with both in `fields`.
 * `option` as the API names it (`epochs`, `model.tailWeight`).
 */
export function optionError(option: string, reason: string): InputError {
  return new InputError(`${option} ${reason}`, { code: 'invalid-option', option, reason });
}

/** A training run that cannot continue (it diverged, or produced no finite loss); the message says what to try. */
export class TrainingError extends MdnError {
  override name = 'TrainingError';
  constructor(message: string) {
    super('training-failed', message);
  }
}
