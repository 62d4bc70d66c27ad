// Labels, feature names, preprocessing, metrics and tags of one model version.

import type { ModelVersion } from '@modelgarden/sdk';
import type { ReactNode } from 'react';
import { formatMetric } from '../lib/format';

function Field({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="py-3 sm:grid sm:grid-cols-4 sm:gap-4">
      <dt className="text-sm font-medium text-slate-500">{term}</dt>
      <dd className="mt-1 text-sm text-slate-800 sm:col-span-3 sm:mt-0">{children}</dd>
    </div>
  );
}

function Chips({ items, testId }: { items: string[]; testId: string }) {
  return (
    <ul className="flex flex-wrap gap-1.5" data-testid={testId}>
      {items.map((item) => (
        <li key={item} className="rounded-md bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-700">
          {item}
        </li>
      ))}
    </ul>
  );
}

const none = <span className="text-slate-400">None</span>;

export function VersionMetadata({ version }: { version: ModelVersion }) {
  const metrics = Object.entries(version.metrics);
  const tags = Object.entries(version.tags);
  const pre = version.preprocessing;
  return (
    <dl className="divide-y divide-slate-100">
      <Field term="Labels">
        {version.labels?.length ? <Chips items={version.labels} testId="labels" /> : none}
      </Field>
      <Field term="Feature names">
        {version.featureNames?.length ? <Chips items={version.featureNames} testId="feature-names" /> : none}
      </Field>
      <Field term="Preprocessing">
        {pre ? (
          <ul className="space-y-0.5 text-sm" data-testid="preprocessing">
            <li>
              Image resized to {pre.width}×{pre.height}, {pre.channels === 1 ? 'grayscale' : 'RGB'},{' '}
              {pre.layout}
            </li>
            <li>
              Scale {Number(pre.scale.toPrecision(4))}, mean [{pre.mean.join(', ')}], std [
              {pre.std.join(', ')}]
            </li>
            <li>
              {pre.invert ? 'Inverted (dark-on-light input)' : 'Not inverted'}
              {pre.cropToContent ? ' · cropped to content and centred' : ''}
            </li>
          </ul>
        ) : (
          none
        )}
      </Field>
      <Field term="Metrics">
        {metrics.length ? (
          <ul className="flex flex-wrap gap-x-6 gap-y-1" data-testid="metrics">
            {metrics.map(([name, value]) => (
              <li key={name}>
                <span className="text-slate-500">{name}</span>{' '}
                <span className="font-semibold">{formatMetric(name, value)}</span>
              </li>
            ))}
          </ul>
        ) : (
          none
        )}
      </Field>
      {tags.length > 0 && (
        <Field term="Tags">
          <Chips items={tags.map(([k, v]) => `${k}=${v}`)} testId="tags" />
        </Field>
      )}
      <Field term="Framework">
        <span className="font-mono text-xs">{version.framework}</span>
      </Field>
    </dl>
  );
}
