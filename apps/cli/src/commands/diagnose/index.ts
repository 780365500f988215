import { diagnose, formatDiagnosis } from '@mdn/core';
import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { say } from '../../io/streams.js';
import { loadModelData, type ModelDataFlags, modelDataOptions } from '../shared.js';

/**
 * The most rows diagnose reads into memory: a larger file is diagnosed on a uniform random sample of this many
 * (seeded), which is plenty for every check it makes, and memory stays bounded.
 */
export const DIAGNOSE_MAX_ROWS = 200_000;

export function registerDiagnose(program: Command): void {
  modelDataOptions(
    program
      .command('diagnose')
      .summary('check a model for collapse and numerical trouble, with advice')
      .description(
        'Check a trained model on labelled data: gain over the unconditional mixture and a linear baseline,\n' +
          'components in use, σ at its floor, NaN/Inf, calibration within x-bins; each finding comes with advice.',
      ),
  )
    .option('--json', 'print the diagnosis as JSON (status, findings, metrics)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ mdn diagnose price.mdn.json test.csv\n  $ mdn diagnose price.mdn.json test.csv --json\n',
    )
    .action(async (modelFile: string, dataFile: string, flags: ModelDataFlags & { json?: boolean }) => {
      const { model, x, y, totalRows } = await loadModelData(modelFile, dataFile, flags, true, DIAGNOSE_MAX_ROWS);
      const diagnosis = await diagnose(model, x, y!);
      model.dispose();
      const sampled = totalRows > x.rows;
      if (flags.json) {
        const sample = sampled ? { sample: { rows: x.rows, of: totalRows } } : {};
        process.stdout.write(`${JSON.stringify({ ...diagnosis, ...sample })}\n`);
      } else {
        const note = sampled
          ? `\nDiagnosed on a uniform random sample of ${x.rows.toLocaleString('en-US')} of the file's ` +
            `${totalRows.toLocaleString('en-US')} rows (the same sample every run).`
          : '';
        say(`${formatDiagnosis(diagnosis)}${note}\n`);
      }
      // Scripts can act on the verdict: a problem is a non-zero exit, after the report.
      if (diagnosis.status === 'problem') process.exitCode = EXIT.problem;
    });
}
