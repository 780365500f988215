#!/usr/bin/env node
// CI check: every changeset parses (`changeset status`), and the release it plans bumps no package to a new major
// version (the published packages version together, at 0.x until 1.0 is chosen on purpose).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const folder = mkdtempSync(path.join(tmpdir(), 'mdn-changesets-'));
const output = path.join(folder, 'status.json');
try {
  execFileSync('pnpm', ['exec', 'changeset', 'status', `--output=${output}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const releases = JSON.parse(readFileSync(output, 'utf8')).releases.filter((r) => r.type !== 'none');
  const majors = releases.filter((r) => r.type === 'major');
  if (majors.length > 0) {
    console.error(
      `check-changesets: the release plan bumps ${majors.map((r) => `${r.name} ${r.oldVersion} → ${r.newVersion}`).join(', ')} to a new major version; ` +
        'check the changesets and the workspace peer ranges',
    );
    process.exit(1);
  }
  console.log(
    `check-changesets: ${releases.length} packages planned, ${releases.map((r) => `${r.name} ${r.newVersion}`).join(', ')}; no major bump`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
