// The protocol of bench:real, shared with its experiment tool: the splits and the scores.
import {
  createRandom,
  crps,
  dateDays,
  HostMixture,
  InputSchema,
  intervalSummary,
  rawRows,
  readTrainingTable,
} from '@mdn/core';

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

/**
 * A loaded data set, read the way a user's table is: a raw table (`raw`: records or a parsed CSV) goes through
 * @mdn/core's readTrainingTable (rows with a missing target left out, counted) and keeps its raw columns for ours;
 * the references get the same encoding, the input schema fitted on every row (`x`: numbers, with what ours learns
 * from each split's training rows), and the gradient-boosted reference its native one (`native`: numbers, level codes
 * and nulls for missing cells). A table of numbers (`x`, `y`) is used as it is.
 */
export function loadDataset(loaded) {
  if (!loaded.raw) {
    return {
      ...loaded,
      rawColumns: null,
      native: { x: loaded.x, categorical: loaded.x[0].map(() => false) },
      dropped: 0,
    };
  }
  const table = readTrainingTable(loaded.raw, { y: [loaded.target], ...(loaded.inputs ? { x: loaded.inputs } : {}) });
  const schema = InputSchema.fit(table.x);
  const encoded = schema.encode(table.x).x;
  const x = Array.from({ length: encoded.rows }, (_, r) =>
    Array.from(encoded.data.subarray(r * encoded.columns, (r + 1) * encoded.columns)),
  );
  return {
    ...loaded,
    inputs: table.xColumns,
    features: schema.width,
    schema: schema.describe(),
    x,
    y: Array.from(table.y.data),
    rawColumns: table.x,
    native: nativeEncoding(table.x, schema),
    dropped: table.dropped.count,
  };
}

/** The most level codes a column gets for HistGradientBoostingRegressor (it takes fewer than 255 categories). */
const NATIVE_LEVELS = 250;

/**
 * The gradient-boosted reference's own encoding: numbers (dates as days) with null for missing cells, and a column
 * of levels as codes by frequency (the rarest beyond NATIVE_LEVELS share one code), missing as null.
 */
function nativeEncoding(raw, schema) {
  const columns = [];
  const categorical = [];
  for (const [c, column] of schema.columns.entries()) {
    if (column.kind === 'ignored') continue;
    const cells = raw.columns[c];
    if (column.kind === 'categorical') {
      const counts = new Map();
      for (let r = 0; r < raw.rows; r++) {
        const key = cells.level(r);
        if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const codes = new Map(
        [...counts].sort((a, b) => b[1] - a[1]).map(([key], i) => [key, Math.min(i, NATIVE_LEVELS - 1)]),
      );
      columns.push(
        Array.from({ length: raw.rows }, (_, r) => {
          const key = cells.level(r);
          return key === null ? null : codes.get(key);
        }),
      );
      categorical.push(true);
    } else {
      columns.push(
        Array.from({ length: raw.rows }, (_, r) => {
          if (cells.kind(r) === 'number') return cells.number(r);
          if (column.kind === 'date' && cells.kind(r) === 'text') return dateDays(cells.text(r));
          return null;
        }),
      );
      categorical.push(false);
    }
  }
  return { x: Array.from({ length: raw.rows }, (_, r) => columns.map((column) => column[r])), categorical };
}

/** What ours trains on or predicts for rows `indices`: the raw columns of those rows, or their numbers. */
export function oursInputs(data, indices) {
  return data.rawColumns ? rawRows(data.rawColumns, indices) : matrix(indices.map((i) => data.x[i]));
}
