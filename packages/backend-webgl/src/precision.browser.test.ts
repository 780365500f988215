import { forumToy, MdnError, train, useBackend } from '@mdn/core';
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { webglBackend } from './index.js';

// This file's page forces 16-bit float textures, as on GPUs without float32 render targets.
describe('webgl on a 16-bit GPU', () => {
  it('reports float16, training refuses it, and lowPrecision: refuse fails initialisation', async () => {
    tf.env().set('WEBGL_RENDER_FLOAT32_ENABLED', false);
    const info = await useBackend(webglBackend());
    expect(info.tfjsBackend).toBe('webgl');
    expect(info.floatPrecision).toBe(16);
    expect(info.notes.join(' ')).toContain('16-bit float textures');
    const data = forumToy({ rows: 64, seed: 1 });
    await expect(train(data.x, data.y, { epochs: 1 })).rejects.toThrow(MdnError);
    await expect(train(data.x, data.y, { epochs: 1 })).rejects.toMatchObject({ code: 'backend' });
    await expect(train(data.x, data.y, { epochs: 1 })).rejects.toThrow(/16-bit floats, too coarse for the NLL/);
    await expect(useBackend(webglBackend({ lowPrecision: 'refuse' }))).rejects.toThrow(/WebGL refused: .*16-bit/);
  });
});
