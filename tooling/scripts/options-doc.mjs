// Writes docs/options.md from the option schema (packages/core/src/options/schema.ts), through the built core.
import { writeFileSync } from 'node:fs';
import { optionsMarkdown } from '../../packages/core/dist/host.js';

const file = new URL('../../docs/options.md', import.meta.url);
writeFileSync(file, optionsMarkdown());
console.log(`wrote ${file.pathname}`);
