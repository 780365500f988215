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
    let num = 2.1531153547440383e-8 * y;
    let den = y;
    num = (num + 0.5641884969886701) * y;
    den = (den + 15.744926110709835) * y;
    num = (num + 8.883149794388377) * y;
    den = (den + 117.6939508913125) * y;
    num = (num + 66.11919063714163) * y;
    den = (den + 537.1811018620099) * y;
    num = (num + 298.6351381974001) * y;
    den = (den + 1621.3895745666903) * y;
    num = (num + 881.952221241769) * y;
    den = (den + 3290.7992357334597) * y;
    num = (num + 1712.0476126340707) * y;
    den = (den + 4362.619090143247) * y;
    num = (num + 2051.0783778260716) * y;
    den = (den + 3439.3676741437216) * y;
    r = (num + 1230.3393547979972) / (den + 1230.3393548037495);
  } else {
    const w = 1 / (y * y);
    let num = 0.016315387137302097 * w;
    let den = w;
    num = (num + 0.30532663496123236) * w;
    den = (den + 2.568520192289822) * w;
    num = (num + 0.36034489994980445) * w;
    den = (den + 1.8729528499234604) * w;
    num = (num + 0.12578172611122926) * w;
    den = (den + 0.5279051029514285) * w;
    num = (num + 0.016083785148742275) * w;
    den = (den + 0.06051834131244132) * w;
    r = (0.5641895835477563 - (w * (num + 0.0006587491615298378)) / (den + 0.0023352049762686918)) / y;
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
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 1.38357751867269e2, -30.66479806614716, 2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

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
