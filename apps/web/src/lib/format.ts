// Formatting helpers for sizes, dates, hashes and probabilities.

const units = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Formats a byte count with a binary unit, e.g. 1536 → "1.5 KB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}

export function shortSha(sha256: string): string {
  return sha256.slice(0, 12);
}

export function formatPercent(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}

/** Formats a metric value: fractions in 0..1 as percentages, anything else with up to 4 significant digits. */
export function formatMetric(name: string, value: number): string {
  if (/acc|precision|recall|f1|auc/i.test(name) && value >= 0 && value <= 1) return formatPercent(value);
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

export function formatShape(shape: number[]): string {
  return `[${shape.map((d) => (d < 0 ? '?' : String(d))).join(', ')}]`;
}
