import { activeBackend, useBackend } from '@mdn/core';
import { describe, expect, it } from 'vitest';
import { webglBackend } from './index.js';

describe('webgl in Chromium', () => {
  it('runs WebGL 2 with float32 render targets and float32 arithmetic (SwiftShader here)', async () => {
    const info = await useBackend(webglBackend());
    expect(info.tfjsBackend).toBe('webgl');
    expect(info.floatPrecision).toBe(32);
    expect(info.notes).toContain('WebGL 2');
    expect(info.notes).toContain('float32 render targets: yes');
    expect(activeBackend()).toEqual(info);
  });
});
