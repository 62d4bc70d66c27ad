// Parsers for option values; each throws UsageError with the option's name on bad input.

import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

/** `a,b, c` → `['a', 'b', 'c']` */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function parseNonNegativeInt(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, got '${value}'`);
    return Number(value);
  };
}

export function parsePositiveInt(flag: string): (value: string) => number {
  const parse = parseNonNegativeInt(flag);
  return (value) => {
    const number = parse(value);
    if (number < 1) throw new UsageError(`${flag} must be 1 or more, got '${value}'`);
    return number;
  };
}

/**
 * JSON given inline, as `@path`, or (with `allowBarePath`) as a path to an existing file.
 *
 * @example
 * parseJsonArgument('--input', '{"sepal_length": 5.1}');
 * parseJsonArgument('--input', '@row.json');
 */
export function parseJsonArgument(flag: string, value: string, allowBarePath = false): unknown {
  let text = value;
  let source = 'the value';
  if (value.startsWith('@') || (allowBarePath && !/^\s*[[{]/.test(value))) {
    const path = value.startsWith('@') ? value.slice(1) : value;
    source = path;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(`${flag}: cannot read ${path}: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${source} is not valid JSON: ${(error as Error).message}`);
  }
}
