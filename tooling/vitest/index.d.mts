import type { UserConfig } from 'vitest/config';

export interface VitestConfigOptions {
  /** Directory of the package under test (use `import.meta.dirname`). */
  packageDir: string;
  /** The backend the tests run on. */
  backend?: 'cpu';
  /** Where the tests run. */
  environment?: 'node';
  /** Test file globs, relative to the package. Default `src/**\/*.test.ts`. */
  include?: string[];
  /** Per-test and per-hook timeout in milliseconds. Default 60 000. */
  timeoutMs?: number;
}

export function createVitestConfig(options: VitestConfigOptions): UserConfig;
