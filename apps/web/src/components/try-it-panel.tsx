// Picks the try-it form that fits a model version: tabular inputs, an image pad, or a pointer to the API.

import type { ModelVersion } from '@modelgarden/sdk';
import { tryItKind } from '../lib/task';
import { ImageTryIt } from './image-try-it';
import { TabularTryIt } from './tabular-try-it';

export function TryItPanel({ version }: { version: ModelVersion }) {
  const selector = { version: version.version };
  if (version.status !== 'ready') {
    return (
      <p className="text-sm text-slate-500">Version v{version.version} failed to load and cannot predict.</p>
    );
  }
  switch (tryItKind(version)) {
    case 'tabular':
      return (
        <TabularTryIt model={version.model} featureNames={version.featureNames ?? []} selector={selector} />
      );
    case 'image':
      return <ImageTryIt model={version.model} preprocessing={version.preprocessing} selector={selector} />;
    case 'none':
      return (
        <p className="text-sm text-slate-500">
          This version has no feature names or image preprocessing, so it takes raw tensors: call it with the
          OIP example below.
        </p>
      );
  }
}
