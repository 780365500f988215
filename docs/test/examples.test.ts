import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Every code block of the guides runs: TypeScript blocks are typechecked together (tsc, this package's
 * tsconfig) and each is executed with Node against the built packages; shell blocks run in order, page by page, in
 * a fresh folder with `mdn` the built CLI. A block that cannot run here says why in a comment just before it
 * (`<!-- doc-test: skip (reason) -->`); a `text` block is prose; any other language is an error, so nothing is left
 * out by accident. The pages: the guides and every README of the repository.
 */
const docs = path.resolve(import.meta.dirname, '..');
const examples = path.join(docs, 'doc-examples');
const cli = path.resolve(docs, '..', 'apps', 'cli', 'dist', 'mdn.js');

interface Block {
  page: string;
  line: number;
  lang: string;
  code: string;
}

/** The fenced blocks of a markdown page (those marked to skip left out, with their reason checked). */
export function codeBlocks(page: string, text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    // The HTML comments just above the fence (a skip marker may share them with others, such as quick-start's).
    let skip = false;
    for (let above = start - 1; above >= 0 && /^<!--.*-->$/.test(lines[above]!); above--) {
      skip ||= /^<!-- doc-test: skip \(.+\) -->$/.test(lines[above]!);
    }
    if (skip) continue;
    blocks.push({ page, line: start + 1, lang: open[1]!, code: body.join('\n') });
  }
  return blocks;
}

const root = path.resolve(docs, '..');
const pages = [
  ...readdirSync(path.join(docs, 'guide'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/guide/${file}`),
  'README.md',
  ...['packages', 'apps'].flatMap((group) =>
    readdirSync(path.join(root, group))
      .filter((name) => existsSync(path.join(root, group, name, 'README.md')))
      .map((name) => `${group}/${name}/README.md`),
  ),
];
const blocks = pages.flatMap((page) => codeBlocks(page, readFileSync(path.join(root, page), 'utf8')));
const typescript = blocks.filter((block) => block.lang === 'ts');
const name = (block: Block) => `${block.page.replace(/[/.]/g, '-')}-${block.line}`;

beforeAll(() => {
  rmSync(examples, { recursive: true, force: true });
  mkdirSync(examples, { recursive: true });
  // Each block is a module of its own (top-level await, its own imports).
  for (const block of typescript)
    writeFileSync(path.join(examples, `${name(block)}.ts`), `${block.code}\nexport {};\n`);
});

describe('the guides’ code blocks', () => {
  it('every block is TypeScript, shell, or skipped with a reason', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const block of blocks) expect(['ts', 'sh', 'text'], `${block.page}:${block.line}`).toContain(block.lang);
  });

  it('the TypeScript blocks typecheck', () => {
    const tsc = spawnSync(process.execPath, [path.join(docs, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', docs], {
      cwd: docs,
      encoding: 'utf8',
    });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  });

  for (const block of typescript) {
    it(`${block.page}:${block.line} (ts) runs`, async () => {
      const file = path.join(examples, `${name(block)}.mjs`);
      await esbuild.build({
        entryPoints: [path.join(examples, `${name(block)}.ts`)],
        outfile: file,
        format: 'esm',
        platform: 'node',
      });
      const run = spawnSync(process.execPath, [file], { cwd: docs, encoding: 'utf8' });
      expect(run.status, `${block.page}:${block.line}\n${run.stderr}`).toBe(0);
      expect(run.stdout).not.toMatch(/NaN/);
    });
  }

  for (const page of pages) {
    const shell = blocks.filter((block) => block.page === page && block.lang === 'sh');
    if (shell.length === 0) continue;
    it(`${page}: the shell blocks run in order, mdn as the built CLI`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'mdn-doc-'));
      try {
        const bin = path.join(dir, '.bin');
        mkdirSync(bin);
        writeFileSync(path.join(bin, 'mdn'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
        chmodSync(path.join(bin, 'mdn'), 0o755);
        for (const block of shell) {
          const out = execFileSync('bash', ['-euo', 'pipefail', '-c', block.code], {
            cwd: dir,
            encoding: 'utf8',
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, MDN_PROGRESS_MS: '0' },
          });
          expect(out, `${page}:${block.line}`).not.toMatch(/NaN/);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
