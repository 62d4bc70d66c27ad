// Everything one can change about a version: archive / restore / delete, its metadata, its serving
// config and its drift reference.

import type { ModelVersion } from '@modelgarden/sdk';
import type { ReactNode } from 'react';
import { ReferenceUpload } from '../observability/reference-upload';
import { ServingConfigForm } from './serving-config-form';
import { VersionLifecycle } from './version-lifecycle';
import { VersionMetadataForm } from './version-metadata-form';

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="border-t border-slate-100 pt-4 first:border-t-0 first:pt-0">
      <h3 className="mb-3 text-sm font-semibold text-slate-800">{title}</h3>
      {children}
    </section>
  );
}

export function ManageVersion({ model, version }: { model: string; version: ModelVersion }) {
  const key = `${model}@${version.version}`;
  return (
    <div className="space-y-5">
      <Section title="Lifecycle">
        <VersionLifecycle model={model} version={version} />
      </Section>
      <Section title="Metadata">
        <VersionMetadataForm key={key} model={model} version={version} />
      </Section>
      <Section title="Serving config">
        <ServingConfigForm key={key} model={model} version={version.version} />
      </Section>
      <Section title="Drift reference">
        <ReferenceUpload
          key={key}
          model={model}
          version={version.version}
          featureNames={version.featureNames}
        />
      </Section>
    </div>
  );
}
