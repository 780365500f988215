/**
 * One error family for the whole library. Every error @mdn/core throws on purpose is an {@link MdnError} with a
 * stable `code`; bad data, options or files are {@link InputError}s (the `mdn` command exits 2 on them), a training
 * run that cannot continue is a `TrainingError`. `MdnError.isInstance` works across copies of the package.
 */

const MARKER = Symbol.for('@mdn/core.error');

/** Stable error codes: match on these, not on messages. */
export type MdnErrorCode =
  | 'invalid-input'
  | 'invalid-option'
  | 'model-format'
  | 'training-failed'
  | 'backend'
  | 'disposed';

/** The base of every error the library throws on purpose; `message` says what is wrong and what to do. */
export class MdnError extends Error {
  override name = 'MdnError';
  readonly code: MdnErrorCode;
  readonly [MARKER] = true;

  constructor(code: MdnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** True for any MdnError, also one thrown by another copy of @mdn/core. */
  static isInstance(error: unknown): error is MdnError {
    return typeof error === 'object' && error !== null && (error as { [MARKER]?: unknown })[MARKER] === true;
  }
}

/**
 * Bad input from the caller: data (a non-finite cell, mismatched rows), an option (a typo, a value out of range)
 * or a file. The message names the place (row, column, option) and what to do.
 */
export class InputError extends MdnError {
  override name = 'InputError';
  constructor(message: string, code: 'invalid-input' | 'invalid-option' | 'model-format' = 'invalid-input') {
    super(code, message);
  }

  /** True for any InputError (and its subclasses), also from another copy of @mdn/core. */
  static override isInstance(error: unknown): error is InputError {
    return (
      MdnError.isInstance(error) &&
      (error.code === 'invalid-input' || error.code === 'invalid-option' || error.code === 'model-format')
    );
  }
}

/** A training run that cannot continue (it diverged, or produced no finite loss); the message says what to try. */
export class TrainingError extends MdnError {
  override name = 'TrainingError';
  constructor(message: string) {
    super('training-failed', message);
  }
}
