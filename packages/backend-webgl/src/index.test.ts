import { useBackend } from '@mdn/core';
import { describe, expect, it } from 'vitest';
import { webglBackend } from './index.js';

describe('webglBackend in Node', () => {
  it('fails with a message that says WebGL needs a browser and what to use instead', async () => {
    await expect(useBackend(webglBackend())).rejects.toThrow(
      /WebGL needs a browser .* use @mdn\/backend-node or @mdn\/backend-wasm/,
    );
  });
});
