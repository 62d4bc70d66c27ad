/** Collection names follow the model name rules (they appear in URLs and CLI arguments). */
import { ModelGardenError } from '../errors/model-garden-error.js';
import { NAME_PATTERN } from '../registry/names.js';

export function assertCollectionName(name: string): void {
  if (!NAME_PATTERN.test(name) || name.includes('..'))
    throw new ModelGardenError(
      'INVALID_COLLECTION_NAME',
      `Invalid collection name "${name.slice(0, 80)}": use 1-63 characters a-z 0-9 . _ -, starting with a letter or digit`,
    );
}
