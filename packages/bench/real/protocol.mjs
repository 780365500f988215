// The protocol of bench:real, shared with its experiment tool: the splits and the scores.
import { createRandom, crps, HostMixture, intervalSummary } from '@mdn/core';

/** Seeded 90/10 splits: the same rows for every method. */
export function makeSplits(n, count) {
  return Array.from({ length: count }, (_, s) => {
    const random = createRandom(1000 + s);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random.uniform() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const held = Math.round(0.1 * n);
    return { seed: s, test: order.slice(0, held), train: order.slice(held) };
  });
}

export const matrix = (rows) => ({ data: Float64Array.from(rows.flat()), rows: rows.length, columns: rows[0].length });

/** NLL per test point, CRPS and 90 % coverage of a predicted mixture (original units). */
export function score(mixture, y) {
  let nll = 0;
  for (let i = 0; i < y.length; i++) nll -= mixture.logProbAt(i, [y[i]]) / y.length;
  const c = crps(mixture, y);
  return {
    nll,
    crps: c.reduce((a, b) => a + b, 0) / c.length,
    coverage90: intervalSummary(mixture, y, 0.9).coverage,
  };
}

/** The PyTorch reference's prediction for one split's test rows (mdn_torch.py's output) as a HostMixture. */
export function torchMixture(predicted) {
  return new HostMixture({
    rows: predicted.means.length,
    components: predicted.means[0].length,
    dimensions: 1,
    logWeights: Float64Array.from(predicted.logWeights.flat()),
    means: Float64Array.from(predicted.means.flat()),
    scales: Float64Array.from(predicted.scales.flat()),
  });
}
