// One model: try it, its versions and aliases, its traffic, managing a version, logging, its schema
// and metadata, and how to call it.

import type { ModelDetail } from '@modelgarden/sdk';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useModel } from '../api/queries';
import { AliasBadge } from '../components/alias-badge';
import { AliasHistory } from '../components/alias-history';
import { ApiExamples } from '../components/api-examples';
import { buttonClass } from '../components/button';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { ManageVersion } from '../components/manage-version';
import { PageHeader } from '../components/page-header';
import { PromoteControl } from '../components/promote-control';
import { SchemaTable } from '../components/schema-table';
import { Spinner } from '../components/spinner';
import { TrafficSplit } from '../components/traffic-split';
import { TryItPanel } from '../components/try-it-panel';
import { VersionMetadata } from '../components/version-metadata';
import { VersionsTable } from '../components/versions-table';
import { taskLabels } from '../lib/task';
import { LoggingSettings } from '../observability/logging-settings';
import { ModelObservabilityCard } from '../observability/model-observability-card';

function Breadcrumb({ name }: { name: string }) {
  return (
    <nav aria-label="Breadcrumb" className="mb-3 text-sm text-slate-500">
      <Link to="/" className="hover:text-slate-800">
        Models
      </Link>
      <span aria-hidden="true" className="mx-2">
        /
      </span>
      <span className="font-mono text-slate-800">{name}</span>
    </nav>
  );
}

function ModelView({ model }: { model: ModelDetail }) {
  const production = model.aliases.production;
  const defaultVersion = production ?? model.versions[0]?.version;
  const [chosen, setChosen] = useState<number | undefined>(undefined);
  const version =
    model.versions.find((v) => v.version === (chosen ?? defaultVersion)) ?? model.versions[0] ?? undefined;
  const aliases = Object.entries(model.aliases);

  return (
    <>
      <PageHeader
        title={<span className="font-mono">{model.name}</span>}
        subtitle={model.description ?? undefined}
        actions={
          <Link
            to={`/upload?name=${encodeURIComponent(model.name)}`}
            className={buttonClass('secondary')}
            data-testid="upload-version-link"
          >
            Upload new version
          </Link>
        }
      >
        <div className="mt-3 flex flex-wrap items-center gap-2 text-sm">
          {model.task && (
            <span className="rounded-md bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800">
              {taskLabels[model.task]}
            </span>
          )}
          {aliases.map(([alias, v]) => (
            <AliasBadge key={alias} alias={alias} version={v} />
          ))}
          <span className="text-xs text-slate-500">
            {model.versionCount} version{model.versionCount === 1 ? '' : 's'}
          </span>
        </div>
      </PageHeader>

      {!version ? (
        <Card title="No versions">
          <p className="text-sm text-slate-500">This model has no versions yet. Upload one to try it.</p>
        </Card>
      ) : (
        <div className="space-y-6">
          <Card
            title="Try it"
            testId="try-it"
            description={
              <>
                Predicting with v{version.version}
                {version.aliases.length > 0 ? ` (${version.aliases.join(', ')})` : ''}.
              </>
            }
          >
            <TryItPanel key={`${model.name}@${version.version}`} version={version} />
          </Card>

          <Card title="Versions" description="Newest first. Choose a version to view its schema and try it.">
            <VersionsTable versions={model.versions} selected={version.version} onSelect={setChosen} />
            <div className="mt-5 border-t border-slate-100 pt-4">
              <h3 className="mb-2 text-sm font-semibold text-slate-800">Promote to production</h3>
              <PromoteControl model={model.name} versions={model.versions} production={production} />
            </div>
            <div className="mt-5 border-t border-slate-100 pt-4">
              <h3 className="mb-2 text-sm font-semibold text-slate-800">Production history</h3>
              <AliasHistory model={model.name} alias="production" />
            </div>
          </Card>

          <Card
            title="Traffic"
            testId="traffic"
            description="Split an alias's requests over versions (a canary), copy them to a shadow, promote or end the split."
          >
            <TrafficSplit model={model} />
          </Card>

          <Card title={`Manage v${version.version}`} testId="manage-version">
            <ManageVersion model={model.name} version={version} />
          </Card>

          <Card
            title="Prediction logging"
            testId="prediction-logging"
            description="Keep a sample of this model's inputs and outputs for the prediction log and drift."
          >
            <LoggingSettings name={model.name} />
          </Card>

          <div className="grid gap-6 lg:grid-cols-2">
            <Card title="Schema" description={`Tensors of v${version.version}.`}>
              <SchemaTable inputs={version.inputs} outputs={version.outputs} />
            </Card>
            <Card title="Details" description={`Metadata of v${version.version}.`}>
              <VersionMetadata version={version} />
            </Card>
          </div>

          <ModelObservabilityCard name={model.name} />

          <Card title="Call it from code" description="The same prediction over HTTP.">
            <ApiExamples version={version} />
          </Card>
        </div>
      )}
    </>
  );
}

export function ModelPage() {
  const { name = '' } = useParams();
  const model = useModel(name);
  return (
    <>
      <Breadcrumb name={name} />
      {model.isPending && <Spinner label="Loading the model" />}
      {model.isError && (
        <ErrorAlert error={model.error} title={`Could not load ${name}`} onRetry={() => model.refetch()} />
      )}
      {model.data && <ModelView key={model.data.name} model={model.data} />}
    </>
  );
}
