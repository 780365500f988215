/**
 * `mdn train`'s training flags, derived from @mdn/core's option schema (TRAIN_OPTIONS): each option with a flag
 * becomes one, with the schema's help text and default, read by the schema's parser; the flags given become the
 * options `train` takes. No training default or range is written here.
 */
import {
  describeDefault,
  InputError,
  type OptionSpec,
  parseOptionText,
  setOption,
  TRAIN_OPTIONS,
  type TrainOptions,
} from '@mdn/core';
import { InvalidArgumentError, Option } from 'commander';

/** A training flag: commander's option and the schema's entry it sets. */
interface TrainingFlag {
  option: Option;
  spec: OptionSpec;
}

function flagFor(spec: OptionSpec): TrainingFlag {
  const flag = spec.flag!;
  const option = new Option(flag.syntax, `${flag.help ?? spec.help} (default ${describeDefault(spec)})`);
  if (!option.negate) {
    option.argParser((text: string) => {
      try {
        return parseOptionText(spec, text);
      } catch (error) {
        if (!InputError.isInstance(error) || error.fields.reason === undefined) throw error;
        throw new InvalidArgumentError(`${error.fields.reason}.`);
      }
    });
  }
  return { option, spec };
}

/** Every training flag, in the schema's order. */
export const TRAINING_FLAGS: readonly TrainingFlag[] = TRAIN_OPTIONS.filter((spec) => spec.flag).map(flagFor);

/** The options of the flags given (`--no-atoms`: the option's off value); what is not given, the plan decides. */
export function trainOptions(flags: Record<string, unknown>): TrainOptions {
  const options: Record<string, unknown> = {};
  for (const { option, spec } of TRAINING_FLAGS) {
    const value = flags[option.attributeName()];
    if (value === undefined) continue;
    if (option.negate) {
      if (value === false) setOption(options, spec.name, spec.off);
    } else setOption(options, spec.name, value);
  }
  return options as TrainOptions;
}

/** The flag that sets an option (`model.covariance` → `--covariance`), for messages. */
export function flagOf(name: string): string | undefined {
  const found = TRAINING_FLAGS.find(({ spec }) => spec.name === name);
  return found ? (found.option.short ?? found.option.long) : undefined;
}
