import { constants } from 'node:buffer';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { InputError, loadModel, type MixtureDensityNetwork, MODEL_FORMAT } from '@mdn/core';
import { CliError } from '../errors.js';

const pendingTemporaries = new Set<string>();

/** Removes temp files of writes that never finished (called on exit and on a second Ctrl-C). */
export function removePendingTemporaries(): void {
  for (const file of pendingTemporaries) rmSync(file, { force: true });
  pendingTemporaries.clear();
}

/** The folder `file` goes into; a clear error (naming it as `label`) when that folder does not exist. */
function existingFolderOf(file: string, label: string): string {
  const directory = path.dirname(path.resolve(file));
  try {
    if (statSync(directory).isDirectory()) return directory;
  } catch {
    // reported below
  }
  throw new CliError(`${label}: the folder ${directory} does not exist; create it first`);
}

/**
 * Writes `content` to `file` atomically: a temp file beside it, flushed, then renamed over the target, so a
 * reader sees the old file or the new one, never half of one.
 */
/** A file written a piece at a time into a temporary beside it, renamed into place by `commit()`. */
export interface AtomicFile {
  write(content: string | Uint8Array): void;
  /** Flushes to disk and renames over the target; the target is replaced only now. */
  commit(): void;
  /** Removes the temporary; the target is left as it was. */
  abandon(): void;
}

export function openAtomic(file: string): AtomicFile {
  const directory = existingFolderOf(file, file);
  // Only a regular file (or nothing) may be replaced: never a device, pipe or link that appeared since the check.
  try {
    if (!lstatSync(file).isFile()) {
      throw new CliError(`${file} is not a regular file (a link, device or pipe); nothing was written there`, 1);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
  }
  const temporary = path.join(directory, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  pendingTemporaries.add(temporary);
  const failed = (error: unknown): CliError => {
    closeQuietly();
    rmSync(temporary, { force: true });
    pendingTemporaries.delete(temporary);
    return error instanceof CliError
      ? error
      : new CliError(`${file}: cannot be written (${(error as Error).message})`, 1);
  };
  let fd: number | undefined;
  const closeQuietly = () => {
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // already failing
    }
    fd = undefined;
  };
  try {
    fd = openSync(temporary, 'wx');
  } catch (error) {
    throw failed(error);
  }
  return {
    write(content) {
      try {
        writeSync(fd!, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      } catch (error) {
        throw failed(error);
      }
    },
    commit() {
      try {
        fsyncSync(fd!);
        closeSync(fd!);
        fd = undefined;
        renameSync(temporary, file);
        pendingTemporaries.delete(temporary);
      } catch (error) {
        throw failed(error);
      }
    },
    abandon() {
      closeQuietly();
      rmSync(temporary, { force: true });
      pendingTemporaries.delete(temporary);
    },
  };
}

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const atomic = openAtomic(file);
  atomic.write(content);
  atomic.commit();
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/**
 * Checks before any work that writing `output` is safe: it is not one of the inputs, and an existing file there
 * is replaced only when it is of the kind we write (an mdn model for models) or `force` is set.
 */
export function checkOutput(
  output: string,
  inputs: readonly string[],
  options: { kind: 'model' | 'any'; force?: boolean; flag: string },
): void {
  for (const input of inputs) {
    if (input !== '-' && sameFile(output, input)) {
      throw new CliError(`${options.flag} ${output} is the input file itself; choose another output path`);
    }
  }
  let exists = false;
  try {
    // lstat: a symlink, device or pipe at the path is refused before anything reads or replaces it.
    const stats = lstatSync(output);
    if (stats.isDirectory()) throw new CliError(`${options.flag} ${output} is a directory; give a file name`);
    if (!stats.isFile()) {
      throw new CliError(
        `${options.flag} ${output} is not a regular file (a link, device or pipe); give the path of a regular file to write`,
      );
    }
    exists = true;
  } catch (error) {
    if (error instanceof CliError) throw error;
  }
  // The folder must take a new file now, not only after a long training run.
  const directory = existingFolderOf(output, `${options.flag} ${output}`);
  const probe = path.join(directory, `.mdn-write-check.${process.pid}.${Date.now()}.tmp`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (error) {
    throw new CliError(
      `${options.flag} ${output}: the folder ${directory} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); choose a writable place`,
    );
  } finally {
    rmSync(probe, { force: true });
  }
  if (exists && options.kind === 'model' && !options.force) {
    let isModel = false;
    try {
      isModel = (JSON.parse(readFileSync(output, 'utf8')) as { format?: unknown }).format === MODEL_FORMAT;
    } catch {
      isModel = false;
    }
    if (!isModel) {
      throw new CliError(
        `${options.flag} ${output} exists and is not an mdn model; refusing to overwrite it (pass --force to replace it)`,
      );
    }
  }
}

/**
 * The largest model file read (bytes): the longest string V8 builds (about 512 MiB on 64-bit Node), above any
 * model within the parameter limit (5e7 parameters, about 270 MB as base64).
 */
const MAX_MODEL_FILE_BYTES = constants.MAX_STRING_LENGTH;

/**
 * A model file's text. Only a regular file is read (a pipe would wait forever, a device never end), and only
 * up to {@link MAX_MODEL_FILE_BYTES}.
 */
export function readModelText(file: string): string {
  try {
    const stats = statSync(file);
    if (!stats.isFile()) {
      throw new CliError(`${file}: not a regular file (a folder, device or pipe); give the path of a model file`);
    }
    if (stats.size > MAX_MODEL_FILE_BYTES) {
      throw new CliError(
        `${file}: ${(stats.size / 1024 ** 2).toFixed(0)} MiB is too large for an mdn model file (at most ${(MAX_MODEL_FILE_BYTES / 1024 ** 2).toFixed(0)} MiB); is this the right file?`,
      );
    }
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new CliError(`${file}: no such model file; train one with 'mdn train … --out ${file}'`);
    throw new CliError(`${file}: cannot be read (${(error as Error).message})`);
  }
}

/** Loads a model file, turning every failure into a message that names the file and says what to do. */
export function readModel(file: string, text: string = readModelText(file)): MixtureDensityNetwork {
  try {
    return loadModel(text);
  } catch (error) {
    if (InputError.isInstance(error)) {
      throw new CliError(
        `${file}: ${error.message.replace(/upgrade @mdn\/core$/, 'upgrade @mdn/cli (and @mdn/core)')}`,
      );
    }
    throw new CliError(`${file}: not a usable mdn model (${(error as Error).message})`);
  }
}
