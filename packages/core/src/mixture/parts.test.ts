import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { HostMixture } from './host-mixture.js';
import { MixtureParts } from './parts.js';

const atom = { value: 50, side: 'upper', scale: 0.01, reach: 1 } as const;

describe('MixtureParts: which component is which', () => {
  it("lays out a model's mixture: each network's components, then their companions in the same order, then the point masses", () => {
    const parts = MixtureParts.ofModel({ members: 2, components: 3, tails: true, atoms: [atom] });
    expect(parts.components).toBe(13);
    expect(parts.blocks.map((b) => [b.role.kind, b.start, b.count])).toEqual([
      ['network', 0, 3],
      ['network', 3, 3],
      ['network', 6, 3],
      ['network', 9, 3],
      ['point-mass', 12, 1],
    ]);
    expect(parts.networkComponents).toEqual([0, 1, 2, 3, 4, 5]);
    expect(parts.pointMasses).toEqual([{ component: 12, atom }]);
    expect(parts.networks).toEqual([0, 1]);
    expect([0, 4, 8, 12].map((c) => parts.networkOf(c))).toEqual([0, 1, 0, undefined]);
    // Each own component's companion: network 1's second component (4) has the fourth-block's second (10).
    expect([0, 4, 5, 9, 12].map((c) => parts.companion(c))).toEqual([6, 10, 11, undefined, undefined]);
    expect(MixtureParts.ofModel({ members: 1, components: 2, tails: false, atoms: [] }).companion(1)).toBeUndefined();
  });

  it('selects, renumbers and maps atoms; survives JSON (a worker sends it to a page)', () => {
    const parts = MixtureParts.ofModel({ members: 2, components: 2, tails: true, atoms: [atom] });
    const network1 = parts.select(parts.where((role) => role.kind === 'network' && role.network === 1));
    expect(network1.components).toBe(4);
    expect(network1.networks).toEqual([1]);
    expect(network1.renumber(() => 0).networks).toEqual([0]);
    const shifted = parts.mapAtoms((a) => ({ ...a, value: a.value / 10 }));
    expect(shifted.pointMasses[0]!.atom.value).toBe(5);
    const copy = MixtureParts.fromJSON(JSON.parse(JSON.stringify(parts.toJSON())));
    expect(copy.blocks).toEqual(parts.blocks);
    expect(() => parts.role(13)).toThrow(InputError);
  });

  it('travels with a host mixture through slices, marginals and selections', () => {
    const parts = MixtureParts.ofModel({ members: 1, components: 2, tails: false, atoms: [atom] });
    const mixture = new HostMixture({
      rows: 2,
      components: 3,
      dimensions: 1,
      logWeights: new Float64Array(6),
      means: Float64Array.from([0, 1, 50, 0, 1, 50]),
      scales: Float64Array.from([1, 1, 0.01, 1, 1, 0.01]),
      parts,
    });
    expect(mixture.slice(1).parts).toBe(parts);
    expect(mixture.marginal(0).parts).toBe(parts);
    expect(mixture.selectComponents([2, 0]).parts.pointMasses).toEqual([{ component: 0, atom }]);
    // A draw from a point mass is its value exactly.
    const draws = mixture.sample(200, { seed: 3 });
    expect(draws.filter((v) => v > 40).every((v) => v === 50)).toBe(true);
    expect(
      () => new HostMixture({ ...mixture, logWeights: mixture.logWeights, parts: MixtureParts.single(2) }),
    ).toThrow(/parts describe 2 components but the mixture has 3/);
  });

  it('one-dimensional methods refuse a mixture of several targets instead of answering for the first', () => {
    const two = new HostMixture({
      rows: 1,
      components: 1,
      dimensions: 2,
      logWeights: new Float64Array(1),
      means: new Float64Array(2),
      scales: Float64Array.from([1, 1]),
    });
    for (const call of [
      () => two.cdfAt(0, 0),
      () => two.pdfAt(0, 0),
      () => two.quantileAt(0, 0.5),
      () => two.quantile(0.5),
    ]) {
      expect(call).toThrow(InputError);
      expect(call).toThrow(/needs one-dimensional targets \(D = 1, got D = 2\); use marginal\(d\)/);
    }
    expect(two.marginal(1).cdfAt(0, 0)).toBeCloseTo(0.5, 12);
  });
});
