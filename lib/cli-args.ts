/** Command-line flag parsing shared by every subcommand: errors are E_INVALID_ARGUMENT naming the flag and what it takes. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type FlagSpecs = NonNullable<ParseArgsConfig['options']>;
import { ErrorCodes, YoloError } from './errors.js';
import { isDecimalNumeral } from './options.js';

export function invalidFlag(flag: string, expected: string, value: string): never {
  throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `--${flag} must be ${expected}; received ${JSON.stringify(value)}`, flag);
}

/** A numeric flag: a plain decimal numeral (as every flag and form field), converted and range-checked. */
export function numberFlag(flag: string, value: string, { integer = false, min = -Infinity, max = Infinity } = {}): number {
  const n = Number(value);
  const expected = `${integer ? 'an integer' : 'a number'}${Number.isFinite(min) ? ` >= ${min}` : ''}${Number.isFinite(max) ? ` and <= ${max}` : ''}`;
  if (!isDecimalNumeral(value) || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) invalidFlag(flag, expected, value);
  return n;
}

/** A comma-separated list of positive integers (e.g. --concurrency 1,2,4,8). */
export function integerListFlag(flag: string, value: string): number[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) invalidFlag(flag, 'a comma-separated list of positive integers', value);
  return items.map((s) => numberFlag(flag, s, { integer: true, min: 1 }));
}

/** parseArgs (strict; positionals only where asked), with its errors as E_INVALID_ARGUMENT naming the subcommand's --help. */
export function parseFlags<const O extends FlagSpecs, const P extends boolean = false>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals?: P,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: P }>> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: (allowPositionals ?? false) as P });
  } catch (e) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${(e as Error).message}; see yolo-native ${command} --help`);
  }
}
