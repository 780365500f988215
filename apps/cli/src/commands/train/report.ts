import type { MixtureDensityNetwork, SyntheticDataset } from '@mdn/core';
import { fixed } from '../../format.js';

/**
 * For a built-in example: the test NLL against the true density's, and (1 input, 1 target) a table of what the
 * model predicts across the input range.
 */
export async function exampleReport(model: MixtureDensityNetwork, test: SyntheticDataset): Promise<string> {
  const nll = await model.nll(test.x, test.y);
  let trueNll = 0;
  for (const v of test.trueLogProb) trueNll -= v / test.trueLogProb.length;
  const lines = [
    `Fresh test draw (${test.x.rows} rows): NLL ${fixed(nll, 4)} nats/row; the true density scores ${fixed(trueNll, 4)} ` +
      `(excess ${fixed(nll - trueNll, 4)}; 0 is perfect).`,
  ];
  if (test.x.columns !== 1 || test.y.columns !== 1) return lines.join('\n');
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of test.x.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const xs = Array.from({ length: 11 }, (_, i) => lo + ((hi - lo) * i) / 10);
  const host = await model.predictHost(xs.map((v) => [v]));
  const mean = host.mean();
  const variance = host.variance();
  const q = host.quantile([0.05, 0.5, 0.95]);
  const mode = host.mode();
  lines.push(
    `\nWhat the model predicts across ${test.inputColumns[0]} (${test.targetColumns[0]} given ${test.inputColumns[0]}):`,
    `${'x'.padStart(8)} │${'mean'.padStart(9)}${'sd'.padStart(9)} │${'5 %'.padStart(9)}${'median'.padStart(9)}${'95 %'.padStart(9)} │${'mode'.padStart(9)}`,
    `${'─'.repeat(9)}┼${'─'.repeat(19)}┼${'─'.repeat(28)}┼${'─'.repeat(9)}`,
  );
  for (const [i, v] of xs.entries()) {
    lines.push(
      `${fixed(v, 2, 8)} │${fixed(mean[i]!, 3, 9)}${fixed(Math.sqrt(variance[i]!), 3, 9)} │` +
        `${fixed(q[i * 3]!, 3, 9)}${fixed(q[i * 3 + 1]!, 3, 9)}${fixed(q[i * 3 + 2]!, 3, 9)} │${fixed(mode[i]!, 3, 9)}`,
    );
  }
  return lines.join('\n');
}
