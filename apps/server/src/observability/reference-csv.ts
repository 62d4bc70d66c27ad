/** Parses a reference CSV: a header row naming the model's features, optionally a `label` column. */
import { parse } from 'csv-parse/sync';
import { ModelGardenError } from '../errors/model-garden-error.js';

export const MAX_REFERENCE_ROWS = 200_000;

export interface ParsedReference {
  features: Record<string, number[]>;
  labels: string[] | null;
}

export function parseReferenceCsv(csv: string, featureNames: string[]): ParsedReference {
  let records: Record<string, string>[];
  try {
    records = parse(csv, { columns: true, skip_empty_lines: true, trim: true, to: MAX_REFERENCE_ROWS + 1 });
  } catch (err) {
    throw new ModelGardenError(
      'INVALID_REFERENCE',
      `The reference is not valid CSV: ${(err as Error).message}`,
    );
  }
  if (records.length > MAX_REFERENCE_ROWS) {
    throw new ModelGardenError(
      'INVALID_REFERENCE',
      `A reference may have at most ${MAX_REFERENCE_ROWS} rows`,
    );
  }
  const header = Object.keys(records[0] ?? {});
  const missing = featureNames.filter((f) => !header.includes(f));
  if (missing.length) {
    throw new ModelGardenError(
      'INVALID_REFERENCE',
      `The reference CSV lacks feature column(s): ${missing.join(', ')}`,
    );
  }
  const features: Record<string, number[]> = Object.fromEntries(featureNames.map((f) => [f, [] as number[]]));
  records.forEach((r, i) => {
    for (const f of featureNames) {
      const v = Number(r[f]);
      if (r[f] === '' || !Number.isFinite(v)) {
        throw new ModelGardenError(
          'INVALID_REFERENCE',
          `Row ${i + 2}, column "${f}": "${String(r[f]).slice(0, 40)}" is not a number`,
        );
      }
      features[f]!.push(v);
    }
  });
  const labels = header.includes('label') ? records.map((r) => String(r.label)) : null;
  return { features, labels };
}
