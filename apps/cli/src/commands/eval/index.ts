import { calibrationError, createRandom, crps, type HostMixture, intervalSummary, pit } from '@mdn/core';
import type { Command } from 'commander';
import { CliError, EXIT } from '../../errors.js';
import { fixed, score } from '../../format.js';
import { say } from '../../io/streams.js';
import { type ModelDataFlags, modelDataOptions, openModel, predictedBlocks } from '../shared.js';

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

/** One target column's scores, summed block by block (a file of any length in bounded memory). */
class MarginalScores {
  private rows = 0;
  private crpsSum = 0;
  private squaredSum = 0;
  private inside = 0;
  private widthSum = 0;
  /** PIT values of every row: the calibration error needs them all (8 bytes a row). */
  private pitValues = new Float64Array(1024);
  /** Rows on a point mass of the model get a randomised PIT (see pit), drawn from one seeded stream. */
  private readonly random = createRandom(0);

  add(host: HostMixture, y: Float64Array): void {
    const mean = host.mean();
    for (let i = 0; i < y.length; i++) this.squaredSum += (mean[i]! - y[i]!) ** 2;
    for (const v of crps(host, y)) this.crpsSum += v;
    const interval = intervalSummary(host, y, 0.9);
    this.inside += interval.coverage * y.length;
    this.widthSum += interval.meanWidth * y.length;
    const values = pit(host, y, { random: this.random });
    if (this.rows + values.length > this.pitValues.length) {
      const grown = new Float64Array(Math.max(2 * this.pitValues.length, this.rows + values.length));
      grown.set(this.pitValues.subarray(0, this.rows));
      this.pitValues = grown;
    }
    this.pitValues.set(values, this.rows);
    this.rows += y.length;
  }

  result() {
    return {
      crps: this.crpsSum / this.rows,
      calibrationError: calibrationError(this.pitValues.subarray(0, this.rows)),
      coverage90: this.inside / this.rows,
      width90: this.widthSum / this.rows,
      rmse: Math.sqrt(this.squaredSum / this.rows),
    };
  }
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
      const opened = await openModel(modelFile, flags);
      const { model, columns } = opened;
      const d = model.config.outputDimension;
      let rows = 0;
      let logProbSum = 0;
      /** The first row whose log-density is not finite (its target where the model puts no density at all). */
      let firstInfinite: { row: number; targets: number[] } | undefined;
      const perTarget: [string, ReturnType<MarginalScores['result']>][] = [];
      try {
        const scores = Array.from({ length: d }, () => new MarginalScores());
        // A block of rows at a time: memory does not grow with the file (beyond 8 bytes a row for the PIT).
        for await (const { x, y, host, firstRow } of predictedBlocks(opened, modelFile, dataFile, true)) {
          // log p(y | x) in original units, in float64 on the predicted mixture (as model.logProb computes it).
          for (let r = 0; r < x.rows; r++) {
            const value = host.logProbAt(r, y!.data.subarray(r * d, (r + 1) * d));
            if (!Number.isFinite(value) && firstInfinite === undefined) {
              firstInfinite = { row: firstRow + r, targets: Array.from(y!.data.subarray(r * d, (r + 1) * d)) };
            }
            logProbSum += value;
          }
          for (let c = 0; c < d; c++) {
            const column = new Float64Array(x.rows);
            for (let r = 0; r < x.rows; r++) column[r] = y!.data[r * d + c]!;
            scores[c]!.add(d === 1 ? host : host.marginal(c), column);
          }
          rows += x.rows;
        }
        for (let c = 0; c < d; c++) perTarget.push([columns.y[c]!, scores[c]!.result()]);
      } finally {
        model.dispose();
      }
      const nll = -logProbSum / rows;
      const all = perTarget.map(([, scores]) => scores);
      const average = (key: keyof ReturnType<MarginalScores['result']>) =>
        all.reduce((s, t) => s + t[key], 0) / all.length;
      const report: EvalReport = {
        nll,
        crps: average('crps'),
        calibrationError: average('calibrationError'),
        coverage90: average('coverage90'),
        width90: average('width90'),
        rmse: Math.sqrt(all.reduce((s, t) => s + t.rmse ** 2, 0) / all.length),
        n: rows,
        // Object.fromEntries defines own keys: a target named __proto__ or constructor is a key like any other.
        ...(d > 1 ? { targets: Object.fromEntries(perTarget) } : {}),
      };
      const notFinite = Object.entries(report).filter(([, v]) => typeof v === 'number' && !Number.isFinite(v));
      if (notFinite.length > 0) {
        throw new CliError(
          `${dataFile}: ${notFinite.map(([name, v]) => `${name} is ${v}`).join(', ')}; no scores are printed. ` +
            (firstInfinite
              ? `Data row ${firstInfinite.row + 1} (${columns.y.map((name, c) => `${name} = ${firstInfinite!.targets[c]}`).join(', ')}) ` +
                'lies where the model puts no density at all (in float64): a target far outside what it was trained on; ' +
                'check that row, or that this file matches the training data.'
              : `Run mdn diagnose ${modelFile} ${dataFile} to see which rows and why.`),
          EXIT.failed,
        );
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const lines = [
        `${dataFile}: ${rows} rows scored with ${modelFile}`,
        `  NLL per row          ${score(report.nll)} nats (${model.config.discrete ? '−log P(y): the target is whole numbers' : 'original units'}; lower is better)`,
        `  CRPS                 ${score(report.crps)}`,
        `  calibration error    ${score(report.calibrationError)} (PIT; 0 is perfectly calibrated)`,
        `  90% interval         coverage ${fixed(100 * report.coverage90, 1)}% (ideal 90%), mean width ${score(report.width90)}`,
        `  RMSE of the mean     ${score(report.rmse)}`,
      ];
      if (d > 1) lines.push('  (CRPS, calibration, interval and RMSE averaged over the target columns)');
      say(`${lines.join('\n')}\n`);
    });
}
