import { describe, expect, it } from 'vitest';
import { MdnError } from '../errors.js';
import {
  denseBackwardCall,
  denseBackwardOutputs,
  denseForwardCall,
  denseForwardOutputs,
  headsBackwardCall,
  headsBackwardOutputs,
  headsForwardCall,
  readDenseBackward,
  readDenseBackwardOutputs,
  readDenseForward,
  readDenseForwardOutputs,
  readHeadsBackward,
  readHeadsBackwardOutputs,
  readHeadsForward,
} from './dense-contract.js';

/** Stand-ins for tensors: the contract only moves them around. */
const t = (name: string) => ({ name });

function refusal(run: () => unknown): MdnError {
  try {
    run();
  } catch (error) {
    expect(MdnError.isInstance(error)).toBe(true);
    return error as MdnError;
  }
  throw new Error('expected a refusal');
}

describe('the dense kernels’ contract', () => {
  it('a call packed by core reads back the same on the adapter’s side, for every kernel', () => {
    const forward = denseForwardCall({ x: t('x'), kernel: t('W'), bias: t('b') }, { activation: 'tanh' });
    expect(readDenseForward(forward.inputs, forward.attrs)).toEqual({
      inputs: { x: t('x'), kernel: t('W'), bias: t('b') },
      attrs: { activation: 'tanh' },
    });
    const inputs = { x: t('x'), kernel: t('W'), h: t('h'), z: t('z'), dh: t('dh') };
    const backward = denseBackwardCall(inputs, { activation: 'silu', inputGrad: true });
    expect(readDenseBackward(backward.inputs, backward.attrs)).toEqual({
      inputs,
      attrs: { activation: 'silu', inputGrad: true },
    });
    const heads = { x: t('x'), kernels: [t('W1'), t('W2'), t('W3')], biases: [t('b1'), t('b2'), t('b3')] };
    const headsCall = headsForwardCall(heads);
    expect(readHeadsForward(headsCall.inputs, headsCall.attrs).inputs).toEqual(heads);
    const back = { x: t('x'), kernels: [t('W1'), t('W2')], dz: [t('d1'), t('d2')] };
    const backCall = headsBackwardCall(back, { inputGrad: false });
    expect(readHeadsBackward(backCall.inputs, backCall.attrs)).toEqual({ inputs: back, attrs: { inputGrad: false } });
  });

  it('outputs handed over by an adapter read back the same in core, with and without the optional ones', () => {
    expect(readDenseForwardOutputs(denseForwardOutputs({ h: t('h') }))).toEqual({ h: t('h'), z: t('h') });
    expect(readDenseForwardOutputs(denseForwardOutputs({ h: t('h'), z: t('z') }))).toEqual({ h: t('h'), z: t('z') });
    for (const dx of [undefined, t('dx')]) {
      const dense = { dW: t('dW'), db: t('db'), dx };
      expect(readDenseBackwardOutputs(denseBackwardOutputs(dense))).toEqual(dense);
      const heads = { dW: [t('dW1'), t('dW2')], db: [t('db1'), t('db2')], dx };
      const list = headsBackwardOutputs(heads);
      expect(list).toHaveLength(dx ? 5 : 4);
      expect(readHeadsBackwardOutputs(list, 2)).toEqual(heads);
    }
  });

  it('a call that breaks the contract is refused with the kernel and the input or attribute named', () => {
    const missing = refusal(() => readDenseForward({ x: t('x'), kernel: t('W') }, { activation: 'relu' }));
    expect(missing.code).toBe('invalid-state');
    expect(missing.message).toContain("MdnDenseForward: input 'bias' is missing");
    const activation = refusal(() => readDenseForward({ x: t('x'), kernel: t('W'), bias: t('b') }, {}));
    expect(activation.message).toContain("attribute 'activation'");
    const inputs = { x: t('x'), kernel: t('W'), h: t('h'), z: t('z'), dh: t('dh') };
    const flag = refusal(() => readDenseBackward(inputs, { activation: 'relu', inputGrad: 1 }));
    expect(flag.message).toContain("MdnDenseBackward: attribute 'inputGrad'");
    const count = refusal(() => readHeadsForward([t('x'), t('W'), t('b')], { count: 2 }));
    expect(count.message).toContain('3 inputs for 2 heads (expected 5)');
    expect(() => readHeadsBackward([t('x'), t('W'), t('d')], { count: 1 })).toThrow(/attribute 'inputGrad'/);
    expect(() => readHeadsForward({ x: t('x') }, { count: 1 })).toThrow(/the inputs are not a list/);
  });
});
