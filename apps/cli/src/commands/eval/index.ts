import { calibrationError, crps, type HostMixture, intervalSummary, pit } from '@mdn/core';
import type { Command } from 'commander';
import { CliError, EXIT } from '../../errors.js';
import { fixed, score } from '../../format.js';
import { finitePredictions, loadModelData, type ModelDataFlags, modelDataOptions } from '../shared.js';

interface EvalFlags extends ModelDataFlags {
  json?: boolean;
}

/** What `mdn eval --json` prints (a stable contract). */
export interface EvalReport {
  /** Mean negative log-likelihood per row, nats, original units. */
  nll: number;
  /** Mean CRPS (averaged over target columns), original units. */
  crps: number;
  /** PIT calibration error (mean absolute miscoverage over levels; 0 is perfectly calibrated). */
  calibrationError: number;
  /** Fraction of rows inside the central 90 % interval (ideal 0.9). */
  coverage90: number;
  /** Mean width of the central 90 % interval, original units. */
  width90: number;
  /** Root mean squared error of the predicted mean. */
  rmse: number;
  /** Rows scored. */
  n: number;
  /** Per target column, the same scores (several target columns only). */
  targets?: Record<string, Omit<EvalReport, 'nll' | 'n' | 'targets'>>;
}

function marginalScores(host: HostMixture, y: Float64Array) {
  const mean = host.mean();
  let squared = 0;
  for (let i = 0; i < y.length; i++) squared += (mean[i]! - y[i]!) ** 2;
  const scores = crps(host, y);
  let total = 0;
  for (const v of scores) total += v;
  const interval = intervalSummary(host, y, 0.9);
  return {
    crps: total / y.length,
    calibrationError: calibrationError(pit(host, y)),
    coverage90: interval.coverage,
    width90: interval.meanWidth,
    rmse: Math.sqrt(squared / y.length),
  };
}

export function registerEval(program: Command): void {
  modelDataOptions(
    program
      .command('eval')
      .summary('score a model on labelled data: NLL, CRPS, calibration, 90% interval, RMSE')
      .description(
        'Score a trained model on a CSV/TSV file that has its input and target columns: NLL per row in original\n' +
          'units, CRPS, PIT calibration error, coverage and width of the central 90 % interval, RMSE of the mean.',
      ),
  )
    .option('--json', 'print one JSON object: nll, crps, calibrationError, coverage90, width90, rmse, n')
    .addHelpText(
      'after',
      '\nExamples:\n  $ mdn eval price.mdn.json test.csv\n  $ mdn eval price.mdn.json test.csv --json\n',
    )
    .action(async (modelFile: string, dataFile: string, flags: EvalFlags) => {
      const { model, columns, x, y } = await loadModelData(modelFile, dataFile, flags, true);
      const host = await finitePredictions(model, x, dataFile, columns.x);
      const nll = await model.nll(x, y!);
      const d = y!.columns;
      const perTarget: Record<string, ReturnType<typeof marginalScores>> = {};
      for (let c = 0; c < d; c++) {
        const column = new Float64Array(y!.rows);
        for (let r = 0; r < y!.rows; r++) column[r] = y!.data[r * d + c]!;
        perTarget[columns.y[c]!] = marginalScores(d === 1 ? host : host.marginal(c), column);
      }
      model.dispose();
      const all = Object.values(perTarget);
      const average = (key: keyof ReturnType<typeof marginalScores>) =>
        all.reduce((s, t) => s + t[key], 0) / all.length;
      const report: EvalReport = {
        nll,
        crps: average('crps'),
        calibrationError: average('calibrationError'),
        coverage90: average('coverage90'),
        width90: average('width90'),
        rmse: Math.sqrt(all.reduce((s, t) => s + t.rmse ** 2, 0) / all.length),
        n: x.rows,
        ...(d > 1 ? { targets: perTarget } : {}),
      };
      const notFinite = Object.entries(report).filter(([, v]) => typeof v === 'number' && !Number.isFinite(v));
      if (notFinite.length > 0) {
        throw new CliError(
          `${dataFile}: ${notFinite.map(([name, v]) => `${name} is ${v}`).join(', ')}; no scores are printed. ` +
            `Run mdn diagnose ${modelFile} ${dataFile} to see which rows and why.`,
          EXIT.failed,
        );
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const lines = [
        `${dataFile}: ${x.rows} rows scored with ${modelFile}`,
        `  NLL per row          ${score(report.nll)} nats (original units; lower is better)`,
        `  CRPS                 ${score(report.crps)}`,
        `  calibration error    ${score(report.calibrationError)} (PIT; 0 is perfectly calibrated)`,
        `  90% interval         coverage ${fixed(100 * report.coverage90, 1)}% (ideal 90%), mean width ${score(report.width90)}`,
        `  RMSE of the mean     ${score(report.rmse)}`,
      ];
      if (d > 1) lines.push('  (CRPS, calibration, interval and RMSE averaged over the target columns)');
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
