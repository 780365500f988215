import { diagnose, formatDiagnosis } from '@mdn/core';
import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { loadModelData, type ModelDataFlags, modelDataOptions } from '../shared.js';

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
      const { model, x, y } = await loadModelData(modelFile, dataFile, flags, true);
      const diagnosis = await diagnose(model, x, y!);
      model.dispose();
      process.stdout.write(flags.json ? `${JSON.stringify(diagnosis)}\n` : `${formatDiagnosis(diagnosis)}\n`);
      // Scripts can act on the verdict: a problem is a non-zero exit, after the report.
      if (diagnosis.status === 'problem') process.exitCode = EXIT.problem;
    });
}
