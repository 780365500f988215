/**
 * Standard normal functions in float64 on the host.
 *
 * `normalCdf` is Hart's double-precision algorithm as given by West (2005), "Better approximations to
 * cumulative normal functions", for |z| < 3, and Cody's (1969) rational approximations of erfc beyond
 * (relative error below 1e-13 in both tails, measured against a series/continued-fraction reference). `normalQuantile` is Acklam's rational
 * approximation refined by one Halley step on the exact CDF (relative error near machine precision).
 */

export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
export const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Density of the standard normal at `z`. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / SQRT_2PI;
}

/**
 * Lower-tail probability Φ(−a) for a ≥ 0 (the tail mass beyond |z| = a), given e = exp(−a²/2): the shared core
 * of {@link normalCdf} and of callers that also need the density φ(a) = e/√(2π) at the same point.
 */
export function normalTail(a: number, e: number): number {
  if (a > 38.5) return 0;
  if (a < 3) {
    let n = 3.52624965998911e-2 * a + 0.700383064443688;
    n = n * a + 6.37396220353165;
    n = n * a + 33.912866078383;
    n = n * a + 112.079291497871;
    n = n * a + 221.213596169931;
    n = n * a + 220.206867912376;
    let d = 8.83883476483184e-2 * a + 1.75566716318264;
    d = d * a + 16.064177579207;
    d = d * a + 86.7807322029461;
    d = d * a + 296.564248779674;
    d = d * a + 637.333633378831;
    d = d * a + 793.826512519948;
    d = d * a + 440.413735824752;
    return (e * n) / d;
  }
  // Φ(−a) = ½ erfc(y), y = a/√2 ≥ 2.1, with erfc(y) = exp(−y²) · R(y): Cody's rational Chebyshev
  // approximations (Math. Comp. 23, 1969; SPECFUN CALERF), R rational in y up to y = 4 and in 1/y² beyond.
  const y = a * Math.SQRT1_2;
  let r: number;
  if (y <= 4) {
    let num = 2.15311535474403846e-8 * y;
    let den = y;
    num = (num + 0.564188496988670089) * y;
    den = (den + 15.7449261107098347) * y;
    num = (num + 8.88314979438837594) * y;
    den = (den + 117.693950891312499) * y;
    num = (num + 66.1191906371416295) * y;
    den = (den + 537.181101862009858) * y;
    num = (num + 298.635138197400131) * y;
    den = (den + 1621.38957456669019) * y;
    num = (num + 881.95222124176909) * y;
    den = (den + 3290.79923573345963) * y;
    num = (num + 1712.04761263407058) * y;
    den = (den + 4362.61909014324716) * y;
    num = (num + 2051.07837782607147) * y;
    den = (den + 3439.36767414372164) * y;
    r = (num + 1230.33935479799725) / (den + 1230.33935480374942);
  } else {
    const w = 1 / (y * y);
    let num = 0.0163153871373020978 * w;
    let den = w;
    num = (num + 0.305326634961232344) * w;
    den = (den + 2.56852019228982242) * w;
    num = (num + 0.360344899949804439) * w;
    den = (den + 1.87295284992346047) * w;
    num = (num + 0.125781726111229246) * w;
    den = (den + 0.527905102951428412) * w;
    num = (num + 0.0160837851487422766) * w;
    den = (den + 0.0605183413124413191) * w;
    r = (0.56418958354775628695 - (w * (num + 6.58749161529837803e-4)) / (den + 0.00233520497626869185)) / y;
  }
  return 0.5 * e * r;
}

/** Lower-tail probability Φ(z) of the standard normal; accurate in both tails (no 1 − x cancellation below 0). */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const a = Math.abs(z);
  const tail = a > 38.5 ? 0 : normalTail(a, Math.exp(-0.5 * a * a));
  return z > 0 ? 1 - tail : tail;
}

/** Upper-tail probability 1 − Φ(z), computed without cancellation. */
export function normalSurvival(z: number): number {
  return normalCdf(-z);
}

const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Quantile Φ⁻¹(p) of the standard normal; −∞ at 0, +∞ at 1, NaN outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
      (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x =
      -(((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  }
  // One Halley step on the exact CDF; work in the smaller tail to avoid cancellation.
  const e = x <= 0 ? normalCdf(x) - p : -(normalSurvival(x) - (1 - p));
  const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
  if (Number.isFinite(u)) x = x - u / (1 + 0.5 * x * u);
  return x;
}
