/**
 * Which component of a mixture is which. A model's predicted mixture is a weight vector over typed blocks: each
 * network's components, their wider tail companions (MdnConfig.tailWeight), then point masses at a capped or
 * floored end of the target (MdnConfig.atoms). Code that needs a role (sampling a point mass exactly, a randomised
 * PIT on it, the network's own components for a diagnosis, one network of an ensemble, the `p_at_` columns of
 * `mdn predict`) asks the mixture's {@link MixtureParts} instead of counting positions. Nothing here imports
 * TensorFlow.js.
 */
import { InputError } from '../errors.js';
import type { MdnConfig, TargetAtom } from '../model/config.js';
import type { Discretisation } from './discrete.js';

/** What one component of a mixture is. */
export type ComponentRole =
  /**
   * A component a network predicted (network 0 for a single network, 0…M−1 for an ensemble's members);
   * `tail`: its wider companion (the same component with its scale times MdnConfig.tailScale).
   */
  | { readonly kind: 'network'; readonly network: number; readonly tail: boolean }
  /** A point mass at `atom.value` (in the mixture's units): a capped or floored end of a one-column target. */
  | { readonly kind: 'point-mass'; readonly atom: TargetAtom };

/** Consecutive components with one role: components `start` … `start + count − 1`. */
export interface MixtureBlock {
  readonly role: ComponentRole;
  readonly start: number;
  readonly count: number;
}

/** The parts of a model's mixture, as {@link MixtureParts.ofModel} lays them out. */
export interface ModelLayout {
  /** Networks (ensemble members). */
  members: number;
  /** Components per network. */
  components: number;
  /** Whether each component has a tail companion. */
  tails: boolean;
  /** Point masses, after everything else. */
  atoms: readonly TargetAtom[];
  /** A whole-number target: the mixture's values and their probabilities (see discrete.ts). */
  discrete?: Discretisation | undefined;
}

const sameRole = (a: ComponentRole, b: ComponentRole): boolean =>
  a.kind === 'network'
    ? b.kind === 'network' && a.network === b.network && a.tail === b.tail
    : b.kind === 'point-mass' && a.atom === b.atom;

/** The roles of a mixture's components, in blocks. Immutable. */
export class MixtureParts {
  readonly blocks: readonly MixtureBlock[];
  /** Components in all (K). */
  readonly components: number;
  /** The role of each component, `[K]`. */
  private readonly roles: readonly ComponentRole[];
  /**
   * When the target is whole numbers: the mixture is a latent density and each value's probability its mass on
   * the value's bin (see discrete.ts). Kept by every operation on the parts.
   */
  readonly discrete: Discretisation | undefined;

  private constructor(roles: readonly ComponentRole[], discrete?: Discretisation) {
    this.roles = roles;
    this.discrete = discrete;
    this.components = roles.length;
    const blocks: MixtureBlock[] = [];
    for (const [c, role] of roles.entries()) {
      const last = blocks.at(-1);
      if (last && sameRole(last.role, role)) blocks[blocks.length - 1] = { ...last, count: last.count + 1 };
      else blocks.push({ role, start: c, count: 1 });
    }
    this.blocks = blocks;
  }

  /** `components` components of one network, nothing else: a mixture made by hand. */
  static single(components: number): MixtureParts {
    return new MixtureParts(Array.from({ length: components }, () => NETWORK_ZERO));
  }

  /** The components with these roles, in this order. */
  static fromRoles(roles: readonly ComponentRole[], discrete?: Discretisation): MixtureParts {
    return new MixtureParts([...roles], discrete);
  }

  /** These parts over a whole-number target (`undefined`: a continuous one). */
  withDiscrete(discrete: Discretisation | undefined): MixtureParts {
    return new MixtureParts(this.roles, discrete);
  }

  /**
   * A model's mixture: each network's components (network-major), then the tail companions of all of them in the
   * same order, then the point masses (the order `MixtureDensityNetwork.mixtureStandardised` builds).
   */
  static ofModel(layout: ModelLayout): MixtureParts {
    const roles: ComponentRole[] = [];
    for (const tail of layout.tails ? [false, true] : [false]) {
      for (let network = 0; network < layout.members; network++) {
        const role: ComponentRole = { kind: 'network', network, tail };
        for (let c = 0; c < layout.components; c++) roles.push(role);
      }
    }
    for (const atom of layout.atoms) roles.push({ kind: 'point-mass', atom });
    return new MixtureParts(roles, layout.discrete);
  }

  /** The parts of every mixture a model with this configuration predicts (see {@link ofModel}). */
  static ofConfig(
    config: Pick<MdnConfig, 'members' | 'components' | 'tailWeight' | 'atoms' | 'discrete'>,
  ): MixtureParts {
    const { members, components, tailWeight, atoms, discrete } = config;
    return MixtureParts.ofModel({
      members,
      components,
      tails: tailWeight > 0,
      atoms,
      ...(discrete ? { discrete } : {}),
    });
  }

  /** The role of component `c`. */
  role(c: number): ComponentRole {
    const role = this.roles[c];
    if (role === undefined) throw new InputError(`component ${c} is not one of this mixture's ${this.components}`);
    return role;
  }

  /** The components whose role satisfies `predicate`, in order. */
  where(predicate: (role: ComponentRole, component: number) => boolean): number[] {
    const out: number[] = [];
    for (const [c, role] of this.roles.entries()) if (predicate(role, c)) out.push(c);
    return out;
  }

  /** The networks' own components (not tail companions, not point masses). */
  get networkComponents(): number[] {
    return this.where((role) => role.kind === 'network' && !role.tail);
  }

  /** The point masses, each with its component. */
  get pointMasses(): { component: number; atom: TargetAtom }[] {
    const out: { component: number; atom: TargetAtom }[] = [];
    for (const [component, role] of this.roles.entries())
      if (role.kind === 'point-mass') out.push({ component, atom: role.atom });
    return out;
  }

  /** Whether component `c` is a point mass. */
  isPointMass(c: number): boolean {
    return this.role(c).kind === 'point-mass';
  }

  /** The network component `c` belongs to (its own component or its companion), or undefined for a point mass. */
  networkOf(c: number): number | undefined {
    const role = this.role(c);
    return role.kind === 'network' ? role.network : undefined;
  }

  /**
   * The tail companion of a network's own component `c` (the same component, wider: MdnConfig.tailWeight), or
   * undefined when it has none. Companions follow their network's components in the same order.
   */
  companion(c: number): number | undefined {
    const role = this.role(c);
    if (role.kind !== 'network' || role.tail) return undefined;
    const rank = this.where((r) => r.kind === 'network' && r.network === role.network && !r.tail).indexOf(c);
    return this.where((r) => r.kind === 'network' && r.network === role.network && r.tail)[rank];
  }

  /** Distinct networks among the components. */
  get networks(): number[] {
    return [...new Set(this.roles.flatMap((role) => (role.kind === 'network' ? [role.network] : [])))];
  }

  /** The parts of the components `kept`, in that order (for a mixture of those components). */
  select(kept: readonly number[]): MixtureParts {
    return new MixtureParts(
      kept.map((c) => this.role(c)),
      this.discrete,
    );
  }

  /** These parts with `more` appended. */
  concat(more: MixtureParts): MixtureParts {
    return new MixtureParts([...this.roles, ...more.roles], this.discrete);
  }

  /** These parts with every network renumbered by `renumber` (as when one network's components stand alone). */
  renumber(renumber: (network: number) => number): MixtureParts {
    return new MixtureParts(
      this.roles.map((role) => (role.kind === 'network' ? networkRole(renumber(role.network), role.tail) : role)),
      this.discrete,
    );
  }

  /** These parts with each point mass's atom mapped (into other units: see `Standardiser.inverseHostMixture`). */
  mapAtoms(map: (atom: TargetAtom) => TargetAtom): MixtureParts {
    const mapped = new Map<TargetAtom, TargetAtom>();
    return new MixtureParts(
      this.roles.map((role) => {
        if (role.kind !== 'point-mass') return role;
        if (!mapped.has(role.atom)) mapped.set(role.atom, map(role.atom));
        return { kind: 'point-mass', atom: mapped.get(role.atom)! };
      }),
      this.discrete,
    );
  }

  /** The blocks as plain JSON (for a message between a worker and a page). */
  toJSON(): MixtureBlock[] {
    return this.blocks.map((block) => ({ ...block }));
  }

  /** Parts from {@link toJSON}'s blocks. */
  static fromJSON(blocks: readonly MixtureBlock[]): MixtureParts {
    return new MixtureParts(blocks.flatMap((block) => Array.from({ length: block.count }, () => block.role)));
  }
}

const NETWORK_ZERO: ComponentRole = { kind: 'network', network: 0, tail: false };

/** A network's role, shared between equal ones. */
function networkRole(network: number, tail: boolean): ComponentRole {
  return network === 0 && !tail ? NETWORK_ZERO : { kind: 'network', network, tail };
}
