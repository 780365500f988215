import { useBackend } from '@mdn/core';
import { describe, expect, it } from 'vitest';
import { nodeBackend } from './index.js';

describe('nodeBackend', () => {
  it('falls back from tfjs-node (not installable here) to wasm and says why', async () => {
    const info = await useBackend(nodeBackend());
    expect(info.tfjsBackend).toBe('wasm');
    expect(info.adapter).toBe('node');
    expect(info.notes[0]).toBe('chose wasm');
    expect(info.notes[1]).toMatch(/^tensorflow unavailable: /);
  });

  it('honours the preference order and falls through to cpu', async () => {
    const info = await useBackend(
      nodeBackend({ prefer: ['tensorflow', 'cpu'], importModule: () => Promise.reject(new Error('not installed')) }),
    );
    expect(info.tfjsBackend).toBe('cpu');
    expect(info.notes).toEqual(['chose cpu', 'tensorflow unavailable: not installed']);
  });

  it('reports every reason when nothing can be initialised', async () => {
    await expect(
      useBackend(nodeBackend({ prefer: ['tensorflow'], importModule: () => Promise.reject(new Error('missing')) })),
    ).rejects.toThrow('no backend could be initialised: tensorflow unavailable: missing');
  });
});
