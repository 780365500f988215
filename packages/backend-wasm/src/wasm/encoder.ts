/**
 * A small WebAssembly encoder: the opcodes the kernels use, LEB128 integers, a function builder with typed locals
 * and structured control, and a module of functions that import one memory (`env.memory`) and take i32
 * parameters only. It knows nothing of matrices; the kernels are written on it in `products.ts` and
 * `elementwise.ts`.
 */

export enum Op {
  Block = 0x02,
  Loop = 0x03,
  If = 0x04,
  End = 0x0b,
  Br = 0x0c,
  BrIf = 0x0d,
  Select = 0x1b,
  LocalGet = 0x20,
  LocalSet = 0x21,
  F32Load = 0x2a,
  F32Store = 0x38,
  I32Const = 0x41,
  F32Const = 0x43,
  I32Eqz = 0x45,
  I32GtU = 0x4b,
  I32GeU = 0x4f,
  I32LtU = 0x49,
  I32Add = 0x6a,
  I32Sub = 0x6b,
  I32Mul = 0x6c,
  I32And = 0x71,
  F32Add = 0x92,
  F32Mul = 0x94,
  F32Gt = 0x5e,
  F32Sub = 0x93,
  F32Div = 0x95,
  F32Min = 0x96,
  F32Max = 0x97,
  Simd = 0xfd,
}

export enum SimdOp {
  Load = 0x00,
  Store = 0x0b,
  Const = 0x0c,
  F32x4Splat = 0x13,
  F32x4ExtractLane = 0x1f,
  F32x4Gt = 0x44,
  V128And = 0x4e,
  F32x4Add = 0xe4,
  F32x4Sub = 0xe5,
  F32x4Mul = 0xe6,
  F32x4Div = 0xe7,
  F32x4Min = 0xe8,
  F32x4Max = 0xe9,
  RelaxedMadd = 0x105,
}

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Floats one at a time (f32) or four at a time (v128): the same arithmetic is written once for both. */
export type Lanes = 'f32' | 'v128';
type Arithmetic = 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max';
const ARITHMETIC: Record<Lanes, Record<Arithmetic, number[]>> = {
  f32: {
    add: [Op.F32Add],
    sub: [Op.F32Sub],
    mul: [Op.F32Mul],
    div: [Op.F32Div],
    min: [Op.F32Min],
    max: [Op.F32Max],
  },
  v128: {
    add: [Op.Simd, ...leb(SimdOp.F32x4Add)],
    sub: [Op.Simd, ...leb(SimdOp.F32x4Sub)],
    mul: [Op.Simd, ...leb(SimdOp.F32x4Mul)],
    div: [Op.Simd, ...leb(SimdOp.F32x4Div)],
    min: [Op.Simd, ...leb(SimdOp.F32x4Min)],
    max: [Op.Simd, ...leb(SimdOp.F32x4Max)],
  },
};

/** Bytes a value of these lanes takes in memory. */
export const LANE_BYTES: Record<Lanes, number> = { f32: 4, v128: 16 };

export function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function leb(value: number): number[] {
  const out: number[] = [];
  uleb(value, out);
  return out;
}

export function sleb(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** One function body: typed locals, and an instruction stream with structured-control helpers. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localTypes: number[] = [];
  constructor(
    private readonly params: number,
    private readonly relaxed: boolean,
  ) {}

  local(type: number): number {
    this.localTypes.push(type);
    return this.params + this.localTypes.length - 1;
  }
  /** `count` locals of one type. */
  locals(type: number, count: number): number[] {
    return Array.from({ length: count }, () => this.local(type));
  }
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(index: number): this {
    this.code.push(Op.LocalGet);
    uleb(index, this.code);
    return this;
  }
  set(index: number): this {
    this.code.push(Op.LocalSet);
    uleb(index, this.code);
    return this;
  }
  i32(value: number): this {
    this.code.push(Op.I32Const);
    sleb(value, this.code);
    return this;
  }
  simd(op: number): this {
    this.code.push(Op.Simd);
    uleb(op, this.code);
    return this;
  }
  /** Memory access with a constant byte offset (alignment hint 0: any address is allowed). */
  private memory(bytes: number[], offset: number): this {
    this.code.push(...bytes, 0);
    uleb(offset, this.code);
    return this;
  }
  /** Loads a value of `lanes` from the address on the stack plus `offset` bytes. */
  load(lanes: Lanes, offset = 0): this {
    return this.memory(lanes === 'v128' ? [Op.Simd, SimdOp.Load] : [Op.F32Load], offset);
  }
  /** Stores the value on the stack at the address below it plus `offset` bytes. */
  store(lanes: Lanes, offset = 0): this {
    return this.memory(lanes === 'v128' ? [Op.Simd, SimdOp.Store] : [Op.F32Store], offset);
  }
  /** The two values on the stack combined lane by lane. */
  arith(lanes: Lanes, operation: Arithmetic): this {
    return this.op(...ARITHMETIC[lanes][operation]);
  }
  /** A constant in every lane. */
  constant(lanes: Lanes, value: number): this {
    if (lanes === 'v128' && value === 0) {
      this.simd(SimdOp.Const);
      this.code.push(...new Array(16).fill(0));
      return this;
    }
    this.code.push(Op.F32Const, ...new Uint8Array(new Float32Array([value]).buffer));
    return lanes === 'v128' ? this.simd(SimdOp.F32x4Splat) : this;
  }
  /** acc ← acc + a·b for three v128 locals (fused where relaxed SIMD is available). */
  fma(acc: number, a: number, b: number): this {
    if (this.relaxed) return this.get(a).get(b).get(acc).simd(SimdOp.RelaxedMadd).set(acc);
    return this.get(acc).get(a).get(b).arith('v128', 'mul').arith('v128', 'add').set(acc);
  }
  /** local ← local + step. */
  bump(index: number, step: number | { local: number }): this {
    this.get(index);
    if (typeof step === 'number') this.i32(step);
    else this.get(step.local);
    return this.op(Op.I32Add).set(index);
  }
  /** base + index · scale (i32) on the stack, `base` and `index` locals. */
  address(base: number, index: number, scale: number | { local: number }): this {
    this.get(base).get(index);
    if (typeof scale === 'number') this.i32(scale);
    else this.get(scale.local);
    return this.op(Op.I32Mul, Op.I32Add);
  }
  /** `while (condition) body`: the condition pushes an i32 that is non-zero to continue. */
  loopWhile(condition: () => void, body: () => void): this {
    this.code.push(Op.Block, 0x40, Op.Loop, 0x40);
    condition();
    this.code.push(Op.I32Eqz, Op.BrIf, 1);
    body();
    this.code.push(Op.Br, 0, Op.End, Op.End);
    return this;
  }
  /** `(local + step <= limit)` on the stack, unsigned: room for one more block of `step`. */
  fits(local: number, step: number, limit: number): this {
    return this.get(local).i32(step).op(Op.I32Add).get(limit).op(Op.I32GtU, Op.I32Eqz);
  }
  /** `(local < limit)` on the stack, unsigned. */
  below(local: number, limit: number): this {
    return this.get(local).get(limit).op(Op.I32LtU);
  }
  /** `if (condition) then` (the condition already on the stack). */
  when(then: () => void): this {
    this.code.push(Op.If, 0x40);
    then();
    this.code.push(Op.End);
    return this;
  }
  /** `(flags & bit) != 0` on the stack. */
  flag(flags: number, bit: number): this {
    return this.get(flags).i32(bit).op(Op.I32And);
  }
  body(): number[] {
    const out: number[] = [];
    // Locals in runs of one type each.
    const runs: [number, number][] = [];
    for (const type of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === type) last[0]++;
      else runs.push([1, type]);
    }
    uleb(runs.length, out);
    for (const [count, type] of runs) {
      uleb(count, out);
      out.push(type);
    }
    out.push(...this.code, Op.End);
    const sized: number[] = [];
    uleb(out.length, sized);
    return [...sized, ...out];
  }
}

/** A function of the module: its export name, number of i32 parameters and encoded body. */
export interface ModuleFunction {
  name: string;
  params: number;
  body: number[];
}

function section(id: number, content: number[]): number[] {
  const out = [id];
  uleb(content.length, out);
  return [...out, ...content];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  const out: number[] = [];
  uleb(bytes.length, out);
  return [...out, ...bytes];
}

/**
 * A module that imports `env.memory` (shared or not) and exports `functions` by name; it has no data, globals or
 * table of its own.
 */
export function moduleBytes(
  functions: readonly ModuleFunction[],
  memory: { shared: boolean },
): Uint8Array<ArrayBuffer> {
  // One type per function (i32 parameters, no results).
  const types = [
    functions.length,
    ...functions.flatMap(({ params }) => [0x60, params, ...new Array(params).fill(I32), 0]),
  ];
  // Memory import: limits flag 0 (minimum only) or 3 (shared: minimum and maximum, 65536 pages).
  const limits = memory.shared ? [0x03, 0x00, 0x80, 0x80, 0x04] : [0x00, 0x00];
  const imports = [1, ...name('env'), ...name('memory'), 0x02, ...limits];
  const indices = [functions.length, ...functions.map((_, i) => i)];
  const exports = [functions.length, ...functions.flatMap((f, i) => [...name(f.name), 0x00, i])];
  const code = [functions.length, ...functions.flatMap((f) => f.body)];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(2, imports),
    ...section(3, indices),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
