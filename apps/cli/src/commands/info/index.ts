import { describeTrainPlan, MODEL_FORMAT_VERSION, type ModelFile } from '@mdn/core';
import { printable } from '@mdn/core/host';
import type { Command } from 'commander';
import { fixed, networkRuns } from '../../format.js';
import { say } from '../../io/streams.js';

/** A loss for people: 4 decimals, or — when it is missing or not a number (a run that went NaN saves null). */
const loss = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? fixed(value, 4) : '—');

import { selectBackend } from '../../io/backend.js';
import { readModel, readModelText } from '../../io/files.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .summary('show what a model file holds: config, columns, data statistics, training run, format')
    .description(
      'Show a model file: format version, architecture, input/target columns with the training data\n' +
        "statistics (the standardiser's mean and scale), and how it was trained (backend, seed, epochs, losses).",
    )
    .argument('<model>', 'a model file written by mdn train')
    .option('--json', 'print the same facts as JSON')
    .addHelpText('after', '\nExamples:\n  $ mdn info price.mdn.json\n  $ mdn info price.mdn.json --json\n')
    .action(async (modelFile: string, flags: { json?: boolean }) => {
      await selectBackend('cpu');
      const text = readModelText(modelFile);
      // Everything shown comes from the loaded model: its format, version, checksums, architecture, statistics and
      // metadata were all checked on load (a hand-edited file with its checksums recomputed cannot reach this code
      // with a column list that is not a list, or a plan of the wrong shape).
      const model = readModel(modelFile, text);
      const parameters = model.parameterCount;
      const { config, metadata } = model;
      const standardisers = { input: model.inputStandardiser.toJSON(), target: model.targetStandardiser.toJSON() };
      const schema = metadata.inputSchema ? model.inputSchema : undefined;
      model.dispose();
      const file = JSON.parse(text) as Pick<ModelFile, 'format' | 'formatVersion'>;
      const inputs = metadata.inputColumns ?? Array.from({ length: config.inputDimension }, (_, i) => `x${i + 1}`);
      const targets = metadata.targetColumns ?? Array.from({ length: config.outputDimension }, (_, i) => `y${i + 1}`);
      const stats = (names: string[], s: { mean: number[]; scale: number[] }) =>
        names.map((name, i) => ({ name, mean: s.mean[i]!, scale: s.scale[i]! }));
      const history = metadata.history ?? [];
      const facts = {
        file: modelFile,
        format: file.format,
        formatVersion: file.formatVersion,
        readerVersion: MODEL_FORMAT_VERSION,
        config,
        parameters,
        inputs: stats(inputs, standardisers.input),
        targets: stats(targets, standardisers.target),
        inputSchema: metadata.inputSchema ?? null,
        training: metadata.training ?? null,
        plan: metadata.plan ?? null,
        finalLoss: history.at(-1) ?? null,
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(facts)}\n`);
        return;
      }
      const t = metadata.training ?? {};
      // An ensemble: its networks, their mixture, and (from the history) each network's epochs.
      const networks = config.members ?? 1;
      const lines = [
        `${modelFile}: ${file.format} format version ${file.formatVersion} (this mdn writes version ${MODEL_FORMAT_VERSION})`,
        `Model: ${networks > 1 ? `${networks} networks (an ensemble: their equal-weight mixture of ${networks * config.components} components), each ` : ''}${config.inputDimension} input${config.inputDimension === 1 ? '' : 's'} → hidden ${config.hidden.join(',')} (${config.activation}) → ` +
          `${config.components} ${config.family === 'laplace' ? 'Laplace' : 'Gaussian'} component${config.components === 1 ? '' : 's'} over ${config.outputDimension} target${config.outputDimension === 1 ? '' : 's'}; ` +
          `${config.covariance === 'full' && config.outputDimension > 1 ? 'full covariance; ' : ''}` +
          `σ = ${config.scaleActivation} + ${config.scaleFloor} (standardised units); ` +
          (config.atoms ?? [])
            .map((atom) => `a point mass at ${atom.value} (the target's ${atom.side === 'upper' ? 'cap' : 'floor'}); `)
            .join('') +
          `${parameters} parameters${networks > 1 ? ' in all' : ''}`,
        ...(schema
          ? [
              'Input columns (each read by name; missing cells and unseen levels are filled in as said):',
              ...schema.describe().map((line) => `  ${line}`),
            ]
          : []),
        'Data statistics (training mean and scale, used to standardise):',
        ...facts.inputs.map(
          (c) =>
            `  input  ${printable(c.name, 200).padEnd(16)} mean ${fixed(c.mean, 4, 12)}  scale ${fixed(c.scale, 4, 12)}`,
        ),
        ...facts.targets.map(
          (c) =>
            `  target ${printable(c.name, 200).padEnd(16)} mean ${fixed(c.mean, 4, 12)}  scale ${fixed(c.scale, 4, 12)}`,
        ),
      ];
      if (metadata.training && networks > 1) {
        const epochs = networkRuns(history, networks).map((run) => run.length);
        const seed = t.seed ?? null;
        lines.push(
          `Training: backend ${t.backend ?? '?'}, seeds ${seed === null ? '?' : `${seed}…${seed + networks - 1}`}, ${t.rows ?? '?'} rows, ` +
            `${networks} networks of ${epochs.join(', ')} epochs (${t.stopReason ?? '?'}), ${t.seconds ?? '?'} s`,
        );
      } else if (metadata.training) {
        lines.push(
          `Training: backend ${t.backend ?? '?'}, seed ${t.seed ?? '?'}, ${t.rows ?? '?'} rows, ${t.epochs ?? '?'} epochs ` +
            `(${t.stopReason ?? '?'}, best epoch ${t.bestEpoch ?? '?'}), ${t.seconds ?? '?'} s`,
        );
      }
      if (metadata.plan) {
        lines.push(
          'Training plan (every setting of the run):',
          describeTrainPlan(metadata.plan, metadata.training).replace(/^/gm, '  '),
        );
      }
      const last = facts.finalLoss;
      if (networks > 1 && metadata.training) {
        // The last epoch is only the last network's: the final losses are means over the networks.
        lines.push(
          `Final NLL per row (means over the ${networks} networks, each validated on its own rows): train ${loss(t.finalTrainLoss)}` +
            (t.finalValidationLoss !== null && t.finalValidationLoss !== undefined
              ? `, validation ${loss(t.finalValidationLoss)}`
              : ''),
        );
      } else if (last) {
        lines.push(
          `Last epoch: train NLL ${loss(last.trainLoss)}` +
            (last.validationLoss !== null ? `, validation NLL ${loss(last.validationLoss)}` : '') +
            (t.bestLoss !== undefined ? `; best ${loss(t.bestLoss)}` : ''),
        );
      }
      // Control characters escaped: the plan and the training record hold text from the file.
      say(`${lines.join('\n')}\n`);
    });
}
