import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';

/** The API pages' sidebar, as TypeDoc wrote it (`pnpm docs:api` first: docs:build runs it). */
const apiSidebar = JSON.parse(
  readFileSync(fileURLToPath(new URL('../api/typedoc-sidebar.json', import.meta.url)), 'utf8'),
);

export default defineConfig({
  title: 'mdn',
  description: 'Mixture density networks for JavaScript: the whole distribution p(y | x), in Node and the browser.',
  // Dead links fail the build, except the web demo's, which is copied in after it (scripts/copy-demo.mjs; the
  // site test opens it).
  ignoreDeadLinks: [/^\/demo\//],
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  srcExclude: ['**/node_modules/**', 'test/**'],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Options', link: '/options' },
      { text: 'API', link: '/api/' },
      { text: 'Demo', link: '/demo/index.html', target: '_self' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'The concepts', link: '/guide/concepts' },
          { text: 'Real tables', link: '/guide/real-tables' },
          { text: 'Saving and moving models', link: '/guide/models' },
          { text: 'Why MDNs "collapse"', link: '/guide/forum-story' },
          { text: 'Performance', link: '/guide/performance' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Training options', link: '/options' },
          { text: 'The model file', link: '/model-format' },
          { text: 'Architecture', link: '/architecture' },
          { text: 'Input encoding', link: '/decisions/input-encoding' },
          { text: 'Training defaults', link: '/decisions/training-defaults' },
        ],
      },
      { text: 'API', link: '/api/', items: apiSidebar },
    ],
    search: { provider: 'local' },
  },
});
