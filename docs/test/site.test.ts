import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CHROMIUM_ARGS, chromiumExecutable } from '@mdn/vitest-config/chromium';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The built site (`pnpm docs:build`, which this package's test script runs first: TypeDoc fails on an undocumented
 * export, VitePress on a dead link) opened in headless Chromium: the home page, a guide and an API page render
 * their content with no console errors.
 */
const dist = path.join(import.meta.dirname, '..', '.vitepress', 'dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

let server: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  expect(existsSync(path.join(dist, 'index.html')), 'build the site first: pnpm docs:build').toBe(true);
  server = createServer((request, response) => {
    let file = path.join(dist, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!existsSync(file) && existsSync(`${file}.html`)) file = `${file}.html`;
    if (!file.startsWith(dist) || !existsSync(file)) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('the documentation site', () => {
  it('embeds the web demo at /demo/ (its own end-to-end suite drives it)', async () => {
    const response = await fetch(`${origin}/demo/index.html`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<script type="module"[^>]*src="\.\/assets\//);
  });

  for (const [page, heading, text] of [
    ['/', 'mdn', 'Mixture density networks for JavaScript'],
    ['/guide/getting-started.html', 'Getting started', 'train'],
    ['/api/index/functions/train.html', 'train', 'Returns'],
    ['/api/index/classes/HostModel.html', 'HostModel', 'predict'],
  ] as const) {
    it(`${page} renders with no console errors`, async () => {
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      tab.on('pageerror', (error) => errors.push(error.message));
      tab.on('response', (response) => {
        if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
      });
      const response = await tab.goto(origin + page, { waitUntil: 'networkidle' });
      expect(response?.status()).toBe(200);
      await expect.poll(() => tab.locator('h1').first().textContent()).toContain(heading);
      expect(await tab.locator('main, .VPHome').first().textContent()).toContain(text);
      // The sidebar links the guides and the API (a page reached from the home page through the nav).
      expect(errors, errors.join('\n')).toEqual([]);
      await tab.close();
    });
  }
});
