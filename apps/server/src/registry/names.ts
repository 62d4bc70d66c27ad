/** Name rules for models and aliases; they also keep every path component safe. */
import { ModelGardenError } from '../errors/model-garden-error.js';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function assertModelName(name: string): void {
  if (!NAME_PATTERN.test(name) || name.includes('..')) {
    throw new ModelGardenError(
      'INVALID_MODEL_NAME',
      `Invalid model name "${name.slice(0, 80)}": use 1-63 characters a-z 0-9 . _ -, starting with a letter or digit`,
    );
  }
}

export function assertAliasName(alias: string): void {
  if (!NAME_PATTERN.test(alias) || /^\d+$/.test(alias)) {
    throw new ModelGardenError(
      'INVALID_ALIAS_NAME',
      `Invalid alias "${alias.slice(0, 80)}": use 1-63 characters a-z 0-9 . _ -, not only digits`,
    );
  }
}

/** Parses a version path segment ("3", "v3"); anything else is INVALID_VERSION. */
export function parseVersion(raw: string): number {
  const match = /^v?(\d{1,9})$/.exec(raw);
  const n = match ? Number(match[1]) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) {
    throw new ModelGardenError(
      'INVALID_VERSION',
      `Invalid version "${raw.slice(0, 40)}": expected a positive integer`,
    );
  }
  return n;
}

/** The alias a request without a version or alias is served by (else the latest version). */
export const DEFAULT_ALIAS = 'production';
