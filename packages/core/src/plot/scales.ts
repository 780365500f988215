/**
 * Scales for plots of mixtures, shared by the CLI's PNG/SVG plot and the web demo's canvas: the viridis colour
 * map and "nice" axis ticks. Plain numbers, no drawing.
 */

/** Five stops of viridis (matplotlib's perceptually even colour map), from low to high. */
const VIRIDIS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
] as const;

/**
 * The viridis colour of `t` in [0, 1] (dark purple at 0, yellow at 1), linearly interpolated between five
 * stops, as integer `[r, g, b]` in 0–255. `t` outside [0, 1] is clamped; NaN gives the colour of 0.
 */
export function viridis(t: number): [number, number, number] {
  const clamped = t >= 0 ? Math.min(t, 1) : 0;
  const u = clamped * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(u), VIRIDIS.length - 2);
  const f = u - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [
    Math.round(a[0] + f * (b[0] - a[0])),
    Math.round(a[1] + f * (b[1] - a[1])),
    Math.round(a[2] + f * (b[2] - a[2])),
  ];
}

/**
 * About `count` round axis ticks inside [lo, hi]: multiples of a step of 1, 2 or 5 × 10^k, the smallest such
 * step that is at least (hi − lo) / count (up to round-off). Ends that lie on a tick up to float round-off are included, and
 * each tick is rounded to 12 significant digits (0.30000000000000004 → 0.3), so a range should be wider than
 * about 1e-9 of its magnitude.
 *
 * A zero-width range is treated as one unit wide (so lo = hi gives lo itself when it is a multiple of the
 * step, else nothing); lo > hi, non-finite ends or count < 1 give no ticks.
 */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo && count >= 1)) return [];
  const slack = 1e-9;
  const raw = (hi - lo || 1) / count;
  const exponent = Math.floor(Math.log10(raw));
  // 1 / 10^k rather than 10^−k: 10 ** -4 is 0.00009999999999999999, which would make 2e-4 a "5e-4" step.
  const power = exponent >= 0 ? 10 ** exponent : 1 / 10 ** -exponent;
  const step = [1, 2, 5].map((m) => m * power).find((s) => s >= raw * (1 - slack)) ?? 10 * power;
  const first = Math.ceil(lo / step - slack);
  const last = Math.floor(hi / step + slack);
  const out: number[] = [];
  // Multiply rather than accumulate, so that round-off does not build up along the axis.
  for (let i = first; i <= last; i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}
