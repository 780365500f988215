// Debian's Chromium for browser tests (never a downloaded browser). WebGL2 runs through SwiftShader with these
// arguments; --use-gl=swiftshader or --disable-software-rasterizer would turn WebGL off.
import { existsSync } from 'node:fs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium binary: $CHROMIUM_PATH, else /usr/bin/chromium; a clear error when neither exists. */
export function chromiumExecutable() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    throw new Error(
      `browser tests need Chromium: none at ${candidates.join(', ')}. ` +
        'Install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH; .ci/run installs it.',
    );
  }
  return found;
}
