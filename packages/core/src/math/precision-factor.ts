/**
 * Float64 linear algebra of the full-covariance family, on the host (no tfjs): the precision factor, covariance
 * from it and back, Cholesky factorisation and triangular solves for the small D × D matrices of one component.
 *
 * A full-covariance component is stored as its scales σ (`[D]`, > 0) and the strictly upper-triangular entries of
 * a unit upper-triangular matrix I + L (`[P]`, P = D(D − 1)/2, row-major: (0,1), (0,2), …, (0,D−1), (1,2), …).
 * Its precision is Σ⁻¹ = AᵀA with A = diag(1/σ)(I + L), so
 *
 *   log N(y; μ, Σ) = −D/2 log 2π − Σ_i log σ_i − ½ Σ_i z_i²,   z_i = ((y_i − μ_i) + Σ_{j>i} L_ij (y_j − μ_j)) / σ_i,
 *
 * only products (shared/DESIGN.md §2). Read from the last dimension up, it is the chain of regressions
 * y_i | y_{>i} ~ N(μ_i − Σ_{j>i} L_ij (y_j − μ_j), σ_i²): σ_i is a conditional standard deviation and L_ij a
 * regression coefficient, both scale-free in standardised units. With L = 0 the component is the diagonal one
 * with the same σ, and σ ≥ the scale floor bounds the density as in the diagonal family.
 */

/** Off-diagonal entries of the precision factor per component: D(D − 1)/2. */
export function factorCount(dimensions: number): number {
  return (dimensions * (dimensions - 1)) / 2;
}

/** Index of L_ij (i < j) in the packed row-major strictly upper triangle of a D × D matrix. */
export function factorIndex(i: number, j: number, dimensions: number): number {
  return i * dimensions - (i * (i + 1)) / 2 + (j - i - 1);
}

/**
 * The covariance Σ = M diag(σ²) Mᵀ with M = (I + L)⁻¹ of one component, written row-major into `out` (`[D, D]`).
 * @param scales σ, read from `scaleOffset` (D values) @param factors L, read from `factorOffset` (P values)
 */
export function covarianceFromFactor(
  scales: ArrayLike<number>,
  scaleOffset: number,
  factors: ArrayLike<number>,
  factorOffset: number,
  dimensions: number,
  out: Float64Array,
): Float64Array {
  const d = dimensions;
  // R = M diag(σ), upper-triangular: solve (I + L) R = diag(σ) column by column, from the last row up.
  const r = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    for (let i = c; i >= 0; i--) {
      let value = i === c ? scales[scaleOffset + c]! : 0;
      for (let j = i + 1; j <= c; j++) value -= factors[factorOffset + factorIndex(i, j, d)]! * r[j * d + c]!;
      r[i * d + c] = value;
    }
  }
  // Σ = R Rᵀ.
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let sum = 0;
      for (let c = j; c < d; c++) sum += r[i * d + c]! * r[j * d + c]!;
      out[i * d + j] = sum;
      out[j * d + i] = sum;
    }
  }
  return out;
}

/**
 * The precision factor (σ, L) of a symmetric positive-definite covariance `[D, D]` (row-major), written into
 * `scales` and `factors` at the given offsets: Σ = R Rᵀ with R upper-triangular (the Cholesky factorisation taken
 * from the last index up), σ_i = R_ii and I + L = (R diag(1/σ))⁻¹. Returns false when Σ is not positive definite.
 */
export function factorFromCovariance(
  covariance: ArrayLike<number>,
  dimensions: number,
  scales: Float64Array,
  scaleOffset: number,
  factors: Float64Array,
  factorOffset: number,
): boolean {
  const d = dimensions;
  const r = new Float64Array(d * d);
  for (let j = d - 1; j >= 0; j--) {
    let diagonal = covariance[j * d + j]!;
    for (let c = j + 1; c < d; c++) diagonal -= r[j * d + c]! ** 2;
    if (!(diagonal > 0) || !Number.isFinite(diagonal)) return false;
    const root = Math.sqrt(diagonal);
    r[j * d + j] = root;
    for (let i = j - 1; i >= 0; i--) {
      let value = covariance[i * d + j]!;
      for (let c = j + 1; c < d; c++) value -= r[i * d + c]! * r[j * d + c]!;
      r[i * d + j] = value / root;
    }
  }
  for (let i = 0; i < d; i++) scales[scaleOffset + i] = r[i * d + i]!;
  // M = R diag(1/σ) is unit upper-triangular; I + L = M⁻¹, found from (I + L) M = I row by row from the bottom.
  for (let i = d - 1; i >= 0; i--) {
    for (let j = i + 1; j < d; j++) {
      // Row i of (I + L) M = e_i: M_ij + Σ_{i<c<j} L_ic M_cj + L_ij = 0.
      let value = r[i * d + j]! / r[j * d + j]!;
      for (let c = i + 1; c < j; c++)
        value += factors[factorOffset + factorIndex(i, c, d)]! * (r[c * d + j]! / r[j * d + j]!);
      factors[factorOffset + factorIndex(i, j, d)] = -value;
    }
  }
  return true;
}

/**
 * In-place lower Cholesky factorisation of a symmetric positive-definite `[D, D]` matrix (row-major): on return the
 * lower triangle holds G with A = G Gᵀ (the upper triangle is left as it was). Returns false if A is not
 * positive definite.
 */
export function choleskyInPlace(a: Float64Array, dimensions: number): boolean {
  const d = dimensions;
  for (let j = 0; j < d; j++) {
    let diagonal = a[j * d + j]!;
    for (let c = 0; c < j; c++) diagonal -= a[j * d + c]! ** 2;
    if (!(diagonal > 0) || !Number.isFinite(diagonal)) return false;
    const root = Math.sqrt(diagonal);
    a[j * d + j] = root;
    for (let i = j + 1; i < d; i++) {
      let value = a[i * d + j]!;
      for (let c = 0; c < j; c++) value -= a[i * d + c]! * a[j * d + c]!;
      a[i * d + j] = value / root;
    }
  }
  return true;
}

/** Solves G Gᵀ x = b in place in `b` (length D) with the lower Cholesky factor G from {@link choleskyInPlace}. */
export function choleskySolveInPlace(g: ArrayLike<number>, dimensions: number, b: Float64Array): Float64Array {
  const d = dimensions;
  for (let i = 0; i < d; i++) {
    let value = b[i]!;
    for (let c = 0; c < i; c++) value -= g[i * d + c]! * b[c]!;
    b[i] = value / g[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let value = b[i]!;
    for (let c = i + 1; c < d; c++) value -= g[c * d + i]! * b[c]!;
    b[i] = value / g[i * d + i]!;
  }
  return b;
}
