// Text output helpers: aligned tables, tensor schemas, sizes, probability bars.

import type { TensorSpec } from '@modelgarden/sdk';
import { visible } from './terminal-text.js';

/** Print `value` as indented JSON on stdout. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/**
 * Left-aligned columns separated by two spaces; the header row is upper-cased. Cells hold the
 * server's text (names, failure reasons): each stays on its line and shows its control characters.
 */
export function table(headers: string[], rows: string[][]): string {
  const cells = rows.map((row) => row.map((cell) => visible(cell.replace(/[\n\t]/g, ' '))));
  const all = [headers.map((header) => header.toUpperCase()), ...cells];
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `float_input FP32 [-1, 4]` */
export function formatTensor(spec: TensorSpec): string {
  return `${spec.name} ${spec.datatype} [${spec.shape.join(', ')}]`;
}

/** `production=2, staging=3`, or `-` */
export function formatAliases(aliases: Record<string, number>): string {
  const entries = Object.entries(aliases).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '-' : entries.map(([alias, version]) => `${alias}=${version}`).join(', ');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatPercent(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}

/** A bar of `width` cells at most, proportional to `probability`. */
export function bar(probability: number, width = 30): string {
  return '█'.repeat(Math.round(Math.max(0, Math.min(1, probability)) * width));
}
