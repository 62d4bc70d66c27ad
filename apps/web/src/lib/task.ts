// Human names for tasks and which try-it panel a model version gets.

import type { ModelVersion, Task } from '@modelgarden/sdk';

export const taskLabels: Record<Task, string> = {
  'tabular-classification': 'Tabular classification',
  'tabular-regression': 'Tabular regression',
  'image-classification': 'Image classification',
  tensor: 'Raw tensors',
};

export type TryItKind = 'tabular' | 'image' | 'none';

export function tryItKind(version: ModelVersion): TryItKind {
  switch (version.task) {
    case 'tabular-classification':
    case 'tabular-regression':
      return version.featureNames && version.featureNames.length > 0 ? 'tabular' : 'none';
    case 'image-classification':
      return 'image';
    case 'tensor':
      return 'none';
  }
}
