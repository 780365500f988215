#!/usr/bin/env node
// The web demo inside the site: apps/web-demo's static build (relative paths, so it runs from any folder) copied
// to /demo/ of the built site. `turbo` builds the demo before the docs (this package depends on it).
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const demo = path.resolve(here, '..', '..', 'apps', 'web-demo', 'dist');
const site = path.resolve(here, '..', '.vitepress', 'dist');
if (!existsSync(path.join(demo, 'index.html'))) {
  console.error(`copy-demo: ${demo} has no build; run pnpm --filter web-demo build first`);
  process.exit(1);
}
cpSync(demo, path.join(site, 'demo'), { recursive: true });
console.log('copy-demo: the web demo is at /demo/ of the site');
