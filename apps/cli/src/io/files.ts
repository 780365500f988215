import { constants } from 'node:buffer';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError, loadModel, type MixtureDensityNetwork, MODEL_FORMAT } from '@mdn/core';
import { printable } from '@mdn/core/host';
import { CliError, EXIT } from '../errors.js';

/** Temporaries of writes in progress, each with the file it will become. */
const pendingTemporaries = new Map<string, string>();

/** Removes temp files of writes that never finished (called on exit, on an error and on a stop signal). */
export function removePendingTemporaries(): void {
  for (const file of pendingTemporaries.keys()) {
    try {
      rmSync(file, { force: true });
    } catch {
      // Removing is best effort (this also runs inside the exit handler, where a throw would end the process with 7).
    }
  }
  pendingTemporaries.clear();
}

/** The files being written now (their temporaries not yet renamed into place). */
export function pendingTargets(): string[] {
  return [...new Set(pendingTemporaries.values())];
}

function track(temporary: string, target: string): void {
  pendingTemporaries.set(temporary, target);
}

function untrack(temporary: string): void {
  pendingTemporaries.delete(temporary);
}

/** The longest file name (bytes) most file systems take (ext4, XFS, btrfs, APFS, NTFS in UTF-16 units). */
const NAME_BYTES = 255;

/**
 * A temporary's name beside `file`: `.NAME.PID.TIME.tmp`, with NAME shortened (on a character boundary) so the whole
 * stays within {@link NAME_BYTES}: a valid output name of 240 bytes must not fail because its temporary is longer.
 */
function temporaryName(file: string, tag = `${process.pid}.${Date.now()}`): string {
  const suffix = `.${tag}.tmp`;
  const room = NAME_BYTES - 1 - Buffer.byteLength(suffix);
  let base = path.basename(file);
  while (Buffer.byteLength(base) > room) base = Array.from(base).slice(0, -1).join('');
  return path.join(path.dirname(path.resolve(file)), `.${base}${suffix}`);
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

/** A file written a piece at a time into a temporary beside it, renamed into place by `commit()`. */
export interface AtomicFile {
  write(content: string | Uint8Array): void;
  /** Flushes to disk and renames over the target; the target is replaced only now. */
  commit(): void;
  /** Removes the temporary; the target is left as it was. */
  abandon(): void;
}

/**
 * Opens `file` for writing atomically: a temp file beside it, flushed, then renamed over the target, so a reader
 * sees the old file or the new one, never half of one.
 */
export function openAtomic(file: string): AtomicFile {
  existingFolderOf(file, file);
  // Only a regular file (or nothing) may be replaced: never a device, pipe or link that appeared since the check.
  try {
    if (!lstatSync(file).isFile()) {
      throw new CliError(`${file} is not a regular file (a link, device or pipe); nothing was written there`, 1);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
  }
  const temporary = temporaryName(file);
  track(temporary, file);
  const failed = (error: unknown): CliError => {
    closeQuietly();
    try {
      rmSync(temporary, { force: true });
    } catch {
      // best effort
    }
    untrack(temporary);
    return error instanceof CliError
      ? error
      : new CliError(`${file}: cannot be written (${describeFailure(error)})`, 1);
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
        untrack(temporary);
      } catch (error) {
        throw failed(error);
      }
    },
    abandon() {
      closeQuietly();
      rmSync(temporary, { force: true });
      untrack(temporary);
    },
  };
}

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const atomic = openAtomic(file);
  atomic.write(content);
  atomic.commit();
}

/** The path a file is reached by after links: of the file itself, or (when it does not exist yet) of its folder. */
function canonical(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    try {
      return path.join(realpathSync(path.dirname(path.resolve(file))), path.basename(file));
    } catch {
      return path.resolve(file);
    }
  }
}

/** Whether two paths name the same file (through `./`, `..` or links), existing or not. */
export function sameFile(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

/**
 * Whether `file` starts as a model file written by mdn does (`{"$schema":"…","format":"mdn-model"`, or without the
 * `$schema` before version 0.2), reading 256 bytes.
 */
function looksLikeModel(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(256);
    const read = readSync(fd, head, 0, head.length, 0);
    return /^\s*\{\s*(?:"\$schema"\s*:\s*"[^"]{0,200}"\s*,\s*)?"format"\s*:\s*"mdn-model"/.test(
      head.subarray(0, read).toString('utf8'),
    );
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What was at an output path when it was checked: nothing, or a file of this identity. */
export type OutputSnapshot = { exists: false } | { exists: true; ino: number; size: number; mtimeMs: number };

function snapshotOf(file: string): OutputSnapshot {
  try {
    const stats = lstatSync(file);
    return { exists: true, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
  } catch {
    return { exists: false };
  }
}

const sameSnapshot = (a: OutputSnapshot, b: OutputSnapshot) =>
  a.exists === b.exists && (!a.exists || (b.exists && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs));

/**
 * Checks before any work that writing `output` is safe: it is not one of the inputs, and an existing file there
 * is replaced only when it is of the kind we write (an mdn model for models) or `force` is set.
 */
export function checkOutput(
  output: string,
  inputs: readonly string[],
  options: { kind: 'model' | 'any'; force?: boolean; flag: string },
): OutputSnapshot {
  const named = `${options.flag} ${printable(output, 200)}`;
  if (output === '') throw new CliError(`${options.flag} is empty; give the name of the file to write`);
  const base = path.basename(output);
  if (/[/\\]$/.test(output) || base === '' || base === '.' || base === '..') {
    throw new CliError(
      `${named} names a folder, not a file; give a file name (like ${options.kind === 'model' ? 'model.mdn.json' : 'out.csv'})`,
    );
  }
  if (output.includes('\0')) throw new CliError(`${options.flag} holds a NUL character; give a file name without it`);
  for (const input of inputs) {
    if (input !== '-' && sameFile(output, input)) {
      throw new CliError(`${named} is the input file itself; choose another output path`);
    }
  }
  let exists = false;
  try {
    // lstat: a symlink, device or pipe at the path is refused before anything reads or replaces it.
    const stats = lstatSync(output);
    if (stats.isDirectory()) throw new CliError(`${named} is a directory; give a file name`);
    if (!stats.isFile()) {
      throw new CliError(
        `${named} is not a regular file (a link, device or pipe); give the path of a regular file to write`,
      );
    }
    exists = true;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENAMETOOLONG')
      throw new CliError(`${named}: the name is too long for the file system; choose a shorter one`);
    if (code === 'ENOTDIR') throw new CliError(`${named}: a part of the path is a file, not a folder`);
  }
  // The folder must take a new file of this name's length now, not only after a long training run: the probe's
  // name is as long as the output's (a name the file system refuses as too long fails here, before any work).
  const directory = existingFolderOf(output, named);
  const probe = probeName(directory, base);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENAMETOOLONG') {
      throw new CliError(
        `${named}: the name is too long for the file system (${Buffer.byteLength(base)} bytes); choose a shorter one`,
      );
    }
    throw new CliError(
      `${named}: the folder ${printable(directory, 200)} cannot be written (${describeFailure(error)}); choose a writable place`,
    );
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      // nothing was created
    }
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
        `${named} exists and is not an mdn model; refusing to overwrite it (pass --force to replace it)`,
      );
    }
  }
  // A trained model is not replaced by a CSV or a picture: one mistyped --out would lose it.
  if (exists && options.kind === 'any' && looksLikeModel(output)) {
    throw new CliError(`${named} is an mdn model; refusing to replace it with this output (choose another name)`);
  }
  return snapshotOf(output);
}

/**
 * A probe file's path in `directory` with a name as many bytes long as `base` (at least the probe's own prefix),
 * and as long as the temporary a write of `base` uses: a name the file system takes for the probe it takes for both.
 */
function probeName(directory: string, base: string): string {
  const prefix = `.mdn-write-check.${process.pid}.`;
  const length = Math.max(
    Buffer.byteLength(prefix) + 4,
    Buffer.byteLength(base),
    Buffer.byteLength(path.basename(temporaryName(base))),
  );
  return path.join(directory, (prefix + 'x'.repeat(length)).slice(0, length));
}

/** Plain words for a failed file operation: its code and what it means, never an internal path. */
export function describeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const meaning: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is used up',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'a read-only file system',
    ENAMETOOLONG: 'the name is too long',
    EIO: 'an input/output error on the device',
    ENOENT: 'the folder is gone',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'it is a folder',
    EMFILE: 'too many open files',
  };
  if (code !== undefined) return meaning[code] ? `${code}: ${meaning[code]}` : code;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Saves a trained model to `file` (atomically). When that fails (a full disk, a folder removed or made read-only
 * during training), or when `file` changed since it was `checked` (another run saved there meanwhile), the model is
 * not lost: it is written to the system's temporary folder (or the working folder) instead, and the error says
 * where. Returns the path written.
 */
export function saveModelFile(file: string, text: string, flag: string, checked?: OutputSnapshot): string {
  try {
    // Another run (or anything else) wrote the file since it was checked: keep theirs, rescue ours below.
    if (checked !== undefined && !sameSnapshot(checked, snapshotOf(file))) {
      throw new CliError(`${file} was written by another program while this one trained; it is left as it is`, 1);
    }
    writeFileAtomic(file, text);
    return file;
  } catch (error) {
    const reason = error instanceof CliError ? error.message : `${file}: cannot be written (${describeFailure(error)})`;
    const stem =
      Array.from(path.basename(file).replace(/\.mdn\.json$|\.json$/, ''))
        .slice(0, 100)
        .join('') || 'model';
    for (const folder of [tmpdir(), process.cwd()]) {
      const rescue = path.join(folder, `mdn-rescued-${stem}-${process.pid}-${Date.now()}.mdn.json`);
      try {
        writeFileAtomic(rescue, text);
      } catch {
        continue;
      }
      throw new CliError(
        `${flag} ${reason}; ` + `the trained model was saved to ${rescue} instead: move it where you want it`,
        EXIT.failed,
      );
    }
    throw new CliError(`${flag} ${reason}; no other place could take the model either`, EXIT.failed);
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
  if (file === '-') {
    throw new CliError(
      'a model is read from its file, not from stdin: give the path of the model file (- is for DATA)',
    );
  }
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
