import { type InputError, NOISE_FIELDS } from '@mdn/core/host';
import { flagOf, TRAINING_FLAGS } from './commands/train/options.js';

/**
 * The `mdn train` flag that sets each training option @mdn/core names in its errors (its API name → the flag), so
 * that "validationSplit 0.999 leaves …" reaches the user as "--validation-split 0.999 leaves …": the flags of the
 * option schema, and the noise's fields, which the one `--noise` sets.
 */
export const OPTION_FLAGS: Readonly<Record<string, string>> = Object.fromEntries([
  ...TRAINING_FLAGS.map(({ spec }) => [spec.name, flagOf(spec.name)!]),
  ...NOISE_FIELDS.map((field) => [field.name, flagOf('noise')!]),
]);

/** API names that cannot be mistaken for prose (dotted or camelCase), replaced wherever a message mentions them. */
const MENTIONED = Object.keys(OPTION_FLAGS)
  .filter((name) => /[.A-Z]/.test(name))
  .sort((a, b) => b.length - a.length);
const MENTION = new RegExp(
  `(?<![\\w.-])(${MENTIONED.map((name) => name.replace('.', '\\.')).join('|')})(?![\\w])`,
  'g',
);

/**
 * An @mdn/core error's message as the command line says it: an option error names the flag instead of the API
 * option (from the error's fields, not its text), and other options it mentions by their API names get their flags.
 */
export function flagMessage(error: InputError): string {
  const { option, reason } = error.fields;
  const flag = option === undefined ? undefined : OPTION_FLAGS[option];
  const message = flag !== undefined && reason !== undefined ? `${flag} ${reason}` : error.message;
  if (error.code !== 'invalid-option') return message;
  return message.replace(MENTION, (name) => OPTION_FLAGS[name]!);
}
