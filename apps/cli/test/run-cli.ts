import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The built binary; turbo builds it before `test`. */
export const BIN = path.resolve(import.meta.dirname, '../dist/mdn.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mdn ARGS` as a subprocess (no TTY, so progress is plain lines on stderr). */
export function mdn(args: readonly string[], options: { cwd: string; input?: string } = { cwd: tmpdir() }): CliRun {
  const result: SpawnSyncReturns<string> = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, MDN_DEBUG: '', FORCE_COLOR: '0' },
    timeout: 170_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `mdn ARGS` and returns the child (for signals). */
export function spawnMdn(args: readonly string[], cwd: string) {
  return spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, MDN_DEBUG: '' } });
}

export function temporaryDirectory(): string {
  return mkdtempSync(path.join(tmpdir(), 'mdn-cli-test-'));
}

/** Seeded noisy-linear rows like the forum's toy: x in [0, 10], sd grows with x. */
export function toyCsv(rows: number, seed = 1, header = 'x,y'): string {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return (state + 0.5) / 4294967296;
  };
  const lines = [header];
  for (let i = 0; i < rows; i++) {
    const x = 10 * uniform();
    const normal = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    lines.push(`${x.toFixed(4)},${(2 * x + 1 + (0.2 + 0.5 * x) * normal).toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function write(directory: string, name: string, content: string | Uint8Array): string {
  const file = path.join(directory, name);
  writeFileSync(file, content);
  return file;
}
