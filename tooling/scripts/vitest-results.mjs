// The Vitest JSON result files the test factory writes: <package>/.test-results/vitest-<backend>-<environment>.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Every result file of the workspace's packages, as `{ group, name, environment, label, results }`; `label` is
 * the file name without `.json`, `environment` what follows `vitest-<backend>-` (node, chromium).
 */
export function* vitestResults(groups = ['packages', 'apps', 'tooling', 'docs']) {
  for (const group of groups) {
    const groupDir = path.join(root, group);
    if (!existsSync(groupDir)) continue;
    // A folder that is a package itself (docs/) is its own only member.
    const single = existsSync(path.join(groupDir, 'package.json'));
    for (const name of single ? [''] : readdirSync(groupDir)) {
      const dir = path.join(groupDir, name, '.test-results');
      if (!existsSync(dir)) continue;
      for (const file of readdirSync(dir).filter((f) => /^vitest-[a-z]+-[a-z]+\.json$/.test(f))) {
        yield {
          group,
          name,
          label: file.replace(/\.json$/, ''),
          environment: file.replace(/^vitest-[a-z]+-/, '').replace(/\.json$/, ''),
          results: JSON.parse(readFileSync(path.join(dir, file), 'utf8')),
        };
      }
    }
  }
}
