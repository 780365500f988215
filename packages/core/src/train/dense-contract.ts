/**
 * The contract of the dense-layer kernels (`FUSED_KERNELS.dense*`, `FUSED_KERNELS.heads*`): their inputs,
 * attributes and outputs as types, and the one place where their layout is written. Core packs a call with the
 * `*Call` functions and reads the outputs back with `read*Outputs`; an adapter reads a call with `read*` (which
 * checks that every input and attribute is there) and hands its outputs over with `*Outputs`. All tensors are
 * float32 and row-major; `T` is a tensor on core's side and a `TensorInfo` on an adapter's.
 *
 *   MdnDenseForward  {x [B,P], kernel [P,H], bias [H]}, {activation}      → h [B,H] (+ z [B,H] for silu)
 *   MdnDenseBackward {x, kernel, h, z, dh [B,H]}, {activation, inputGrad}  → dW [P,H], db [H] (+ dx [B,P])
 *                    (z is h for every activation but silu)
 *   MdnHeadsForward  x and per head kernel [P,Nⱼ], bias [Nⱼ]               → per head out [B,Nⱼ]
 *   MdnHeadsBackward x and per head kernel, dz [B,Nⱼ]; {inputGrad}         → per head dW, db (+ dx = Σ dzⱼ Wⱼᵀ)
 */
import { MdnError } from '../errors.js';
import { ACTIVATIONS, type Activation } from '../model/config.js';

/** MdnDenseForward's inputs. */
export interface DenseForwardInputs<T> {
  x: T;
  kernel: T;
  bias: T;
}
/** MdnDenseForward's attributes. */
export interface DenseForwardAttrs {
  activation: Activation;
}
/** MdnDenseForward's outputs: the activation h, and the pre-activation z where it differs (silu). */
export interface DenseForwardOutputs<T> {
  h: T;
  z?: T | undefined;
}

/** MdnDenseBackward's inputs: the forward pass's input, weights and outputs (z is h but for silu), and dh. */
export interface DenseBackwardInputs<T> {
  x: T;
  kernel: T;
  h: T;
  z: T;
  dh: T;
}
/** MdnDenseBackward's attributes: the activation and whether dx is wanted. */
export interface DenseBackwardAttrs {
  activation: Activation;
  inputGrad: boolean;
}
/** MdnDenseBackward's outputs. */
export interface DenseBackwardOutputs<T> {
  dW: T;
  db: T;
  dx?: T | undefined;
}

/** MdnHeadsForward's inputs: the heads' shared input and each head's weights. */
export interface HeadsForwardInputs<T> {
  x: T;
  kernels: T[];
  biases: T[];
}
/** MdnHeadsBackward's inputs: the shared input, each head's kernel and the gradient of its output. */
export interface HeadsBackwardInputs<T> {
  x: T;
  kernels: T[];
  dz: T[];
}
/** MdnHeadsBackward's attributes. */
export interface HeadsBackwardAttrs {
  inputGrad: boolean;
}
/** MdnHeadsBackward's outputs. */
export interface HeadsBackwardOutputs<T> {
  dW: T[];
  db: T[];
  dx?: T | undefined;
}

/** A kernel call as tfjs's `runKernel` takes it. */
export interface KernelCall<T> {
  inputs: Record<string, T> | T[];
  attrs: Record<string, unknown>;
}

function broken(kernel: string, what: string): MdnError {
  return new MdnError('invalid-state', `${kernel}: ${what} (the caller does not follow the kernel contract)`);
}

function present<T>(kernel: string, inputs: unknown, name: string): T {
  const value = (inputs as Record<string, T | undefined> | null)?.[name];
  if (value === undefined || value === null) throw broken(kernel, `input '${name}' is missing`);
  return value;
}

function activationOf(kernel: string, attrs: unknown): Activation {
  const activation = (attrs as { activation?: unknown } | null)?.activation;
  if (!ACTIVATIONS.includes(activation as Activation)) {
    throw broken(kernel, `attribute 'activation' is ${String(activation)}, not one of ${ACTIVATIONS.join(', ')}`);
  }
  return activation as Activation;
}

function flagOf(kernel: string, attrs: unknown, name: string): boolean {
  const value = (attrs as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'boolean') throw broken(kernel, `attribute '${name}' is ${String(value)}, not a boolean`);
  return value;
}

/** The heads' list [x, a₁…aₙ, b₁…bₙ] with n in the `count` attribute. */
function headsList<T>(kernel: string, inputs: unknown, attrs: unknown): { x: T; first: T[]; second: T[] } {
  const count = (attrs as { count?: unknown } | null)?.count;
  const list = inputs as T[];
  if (!Array.isArray(list)) throw broken(kernel, 'the inputs are not a list');
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw broken(kernel, `attribute 'count' is ${String(count)}, not a number of heads`);
  }
  if (list.length !== 1 + 2 * count || list.some((t) => t === undefined || t === null)) {
    throw broken(kernel, `${list.length} inputs for ${count} heads (expected ${1 + 2 * count})`);
  }
  return { x: list[0]!, first: list.slice(1, 1 + count), second: list.slice(1 + count) };
}

/** Kernel names (the same strings as `FUSED_KERNELS`, which re-exports them). */
export const DENSE_KERNELS = {
  denseForward: 'MdnDenseForward',
  denseBackward: 'MdnDenseBackward',
  headsForward: 'MdnHeadsForward',
  headsBackward: 'MdnHeadsBackward',
} as const;

// MdnDenseForward

/** The `MdnDenseForward` kernel call (inputs by name, attributes) for `h = act(x·W + b)`. */
export function denseForwardCall<T>(inputs: DenseForwardInputs<T>, attrs: DenseForwardAttrs): KernelCall<T> {
  return { inputs: { x: inputs.x, kernel: inputs.kernel, bias: inputs.bias }, attrs: { ...attrs } };
}
/** A `MdnDenseForward` kernel's inputs and attributes as a kernel receives them, checked (an error names what is missing). */
export function readDenseForward<T>(
  inputs: unknown,
  attrs: unknown,
): { inputs: DenseForwardInputs<T>; attrs: DenseForwardAttrs } {
  const name = DENSE_KERNELS.denseForward;
  return {
    inputs: {
      x: present(name, inputs, 'x'),
      kernel: present(name, inputs, 'kernel'),
      bias: present(name, inputs, 'bias'),
    },
    attrs: { activation: activationOf(name, attrs) },
  };
}
/** `MdnDenseForward`'s outputs in kernel order: [h] or [h, z] (z, the pre-activation, when the backward pass needs it). */
export function denseForwardOutputs<T>(outputs: DenseForwardOutputs<T>): T[] {
  return outputs.z === undefined ? [outputs.h] : [outputs.h, outputs.z];
}
/** `MdnDenseForward`'s outputs by name from the kernel's list (z is h when the kernel returned h alone). */
export function readDenseForwardOutputs<T>(list: readonly T[]): { h: T; z: T } {
  return { h: list[0]!, z: list[1] ?? list[0]! };
}

// MdnDenseBackward

/** The `MdnDenseBackward` kernel call: the gradients of a dense layer from x, W, h, z and dh. */
export function denseBackwardCall<T>(inputs: DenseBackwardInputs<T>, attrs: DenseBackwardAttrs): KernelCall<T> {
  const { x, kernel, h, z, dh } = inputs;
  return { inputs: { x, kernel, h, z, dh }, attrs: { ...attrs } };
}
/** A `MdnDenseBackward` kernel's inputs and attributes as a kernel receives them, checked. */
export function readDenseBackward<T>(
  inputs: unknown,
  attrs: unknown,
): { inputs: DenseBackwardInputs<T>; attrs: DenseBackwardAttrs } {
  const name = DENSE_KERNELS.denseBackward;
  const get = (input: string) => present<T>(name, inputs, input);
  return {
    inputs: { x: get('x'), kernel: get('kernel'), h: get('h'), z: get('z'), dh: get('dh') },
    attrs: { activation: activationOf(name, attrs), inputGrad: flagOf(name, attrs, 'inputGrad') },
  };
}
/** `MdnDenseBackward`'s outputs in kernel order: [dW, db] (+ dx with `inputGrad`). */
export function denseBackwardOutputs<T>(outputs: DenseBackwardOutputs<T>): T[] {
  return outputs.dx === undefined ? [outputs.dW, outputs.db] : [outputs.dW, outputs.db, outputs.dx];
}
/** `MdnDenseBackward`'s outputs by name from the kernel's list. */
export function readDenseBackwardOutputs<T>(list: readonly T[]): DenseBackwardOutputs<T> {
  return { dW: list[0]!, db: list[1]!, dx: list[2] };
}

// MdnHeadsForward

/** The `MdnHeadsForward` kernel call: every head of the network (logits, means, scales, factors) from one x. */
export function headsForwardCall<T>(inputs: HeadsForwardInputs<T>): KernelCall<T> {
  return { inputs: [inputs.x, ...inputs.kernels, ...inputs.biases], attrs: { count: inputs.kernels.length } };
}
/** A `MdnHeadsForward` kernel's inputs as a kernel receives them, checked. */
export function readHeadsForward<T>(inputs: unknown, attrs: unknown): { inputs: HeadsForwardInputs<T> } {
  const { x, first, second } = headsList<T>(DENSE_KERNELS.headsForward, inputs, attrs);
  return { inputs: { x, kernels: first, biases: second } };
}

// MdnHeadsBackward

/** The `MdnHeadsBackward` kernel call: the heads' gradients from x, their kernels and their dz. */
export function headsBackwardCall<T>(inputs: HeadsBackwardInputs<T>, attrs: HeadsBackwardAttrs): KernelCall<T> {
  return {
    inputs: [inputs.x, ...inputs.kernels, ...inputs.dz],
    attrs: { count: inputs.kernels.length, inputGrad: attrs.inputGrad },
  };
}
/** A `MdnHeadsBackward` kernel's inputs and attributes as a kernel receives them, checked. */
export function readHeadsBackward<T>(
  inputs: unknown,
  attrs: unknown,
): { inputs: HeadsBackwardInputs<T>; attrs: HeadsBackwardAttrs } {
  const name = DENSE_KERNELS.headsBackward;
  const { x, first, second } = headsList<T>(name, inputs, attrs);
  return { inputs: { x, kernels: first, dz: second }, attrs: { inputGrad: flagOf(name, attrs, 'inputGrad') } };
}
/** [dW₁, db₁, …, dWₙ, dbₙ] (+ dx). */
export function headsBackwardOutputs<T>(outputs: HeadsBackwardOutputs<T>): T[] {
  const list = outputs.dW.flatMap((dW, j) => [dW, outputs.db[j]!]);
  return outputs.dx === undefined ? list : [...list, outputs.dx];
}
/** `MdnHeadsBackward`'s outputs by name from the kernel's list of `count` heads. */
export function readHeadsBackwardOutputs<T>(list: readonly T[], count: number): HeadsBackwardOutputs<T> {
  return {
    dW: Array.from({ length: count }, (_, j) => list[2 * j]!),
    db: Array.from({ length: count }, (_, j) => list[2 * j + 1]!),
    dx: list[2 * count],
  };
}
