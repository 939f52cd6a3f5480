/** Command-line flag parsing shared by the val and bench subcommands: errors name the flag and what it takes. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type FlagSpecs = NonNullable<ParseArgsConfig['options']>;
import { ErrorCodes, YoloError } from './errors.js';

export function invalidFlag(flag: string, expected: string, value: string): never {
  throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `--${flag} must be ${expected}; received ${JSON.stringify(value)}`, flag);
}

/** A numeric flag, converted (the library takes numbers only) and range-checked. */
export function numberFlag(flag: string, value: string, { integer = false, min = -Infinity, max = Infinity } = {}): number {
  const n = Number(value);
  const expected = `${integer ? 'an integer' : 'a number'}${Number.isFinite(min) ? ` >= ${min}` : ''}${Number.isFinite(max) ? ` and <= ${max}` : ''}`;
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) invalidFlag(flag, expected, value);
  return n;
}

/** A comma-separated list of positive integers (e.g. --concurrency 1,2,4,8). */
export function integerListFlag(flag: string, value: string): number[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) invalidFlag(flag, 'a comma-separated list of positive integers', value);
  return items.map((s) => numberFlag(flag, s, { integer: true, min: 1 }));
}

/** parseArgs (strict, no positionals), with its errors as E_INVALID_ARGUMENT naming the subcommand's --help. */
export function parseFlags<const O extends FlagSpecs>(command: string, argv: string[], options: O): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (e) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${(e as Error).message}; see yolo-native ${command} --help`);
  }
}
