// /admin/llm (admins): the LLM providers with where each is configured, its status and model count;
// adding, changing and deleting the stored ones (env and LLM_CONFIG ones are read-only); and the
// model aliases over them. Changes apply at once, on every replica, without a restart.

import type { LlmAlias, LlmProvider } from '@modelgarden/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { call } from '../api/client';
import { useAuth } from '../auth/auth-context';
import { Button } from '../components/button';
import { Card } from '../components/card';
import { ConfirmDelete } from '../components/confirm-delete';
import { ErrorAlert } from '../components/error-alert';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';
import { TableHead } from '../components/table-head';
import { formatDate } from '../lib/format';
import { AliasForm } from './alias-form';
import { ALIASES_KEY, llmAdminApi, PROVIDERS_KEY } from './llm-admin-api';
import { ProviderForm } from './provider-form';

const SOURCE_LABEL = { env: 'environment', file: 'LLM_CONFIG', database: 'stored' } as const;

function Status({ provider }: { provider: LlmProvider }) {
  if (provider.state === 'disabled') return <span className="text-slate-500">disabled</span>;
  if (provider.state === 'error') return <span className="text-red-700">{provider.error}</span>;
  if (provider.error) return <span className="text-amber-700">listing failed: {provider.error}</span>;
  if (!provider.listedAt) return <span className="text-slate-500">listing…</span>;
  return <span className="text-emerald-700">active</span>;
}

interface StoredRowProps {
  /** The provider's or alias's name. */
  name: string;
  /** Env and LLM_CONFIG ones: shown, never changed here. */
  readOnly: boolean;
  /** The row's attributes the tests find it by. */
  rowProps: Record<`data-${string}`, string>;
  /** The cells before the actions. */
  cells: ReactNode;
  columns: number;
  /** What deleting it takes with it, asked before it goes. */
  question: ReactNode;
  remove: () => Promise<void>;
  /** The list refetched once it is gone. */
  queryKey: readonly unknown[];
  form: (done: () => void) => ReactNode;
}

/** A provider's or alias's row: its cells, Edit (the form in a row below) and a confirmed Delete. */
function StoredRow({
  name,
  readOnly,
  rowProps,
  cells,
  columns,
  question,
  remove,
  queryKey,
  form,
}: StoredRowProps) {
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const deletion = useMutation<void, ApiError>({
    mutationFn: remove,
    onSuccess: () => client.invalidateQueries({ queryKey }),
  });
  return (
    <>
      <tr className="border-t border-slate-100" {...rowProps}>
        <th scope="row" className="py-2 pr-3 text-left font-medium text-slate-900">
          {name}
        </th>
        {cells}
        <td className="py-2 text-right whitespace-nowrap">
          {readOnly ? (
            <span className="text-xs text-slate-500">read-only</span>
          ) : (
            <>
              <Button variant="ghost" onClick={() => setEditing((e) => !e)}>
                Edit {name}
              </Button>
              <ConfirmDelete
                what={name}
                question={question}
                pending={deletion.isPending}
                onConfirm={() => deletion.mutate()}
              />
            </>
          )}
        </td>
      </tr>
      {(editing || deletion.isError) && (
        <tr>
          <td colSpan={columns} className="pb-4">
            {deletion.isError && <ErrorAlert error={deletion.error} title={`Could not delete ${name}`} />}
            {editing && form(() => setEditing(false))}
          </td>
        </tr>
      )}
    </>
  );
}

function ProviderRow({ provider }: { provider: LlmProvider }) {
  return (
    <StoredRow
      name={provider.name}
      readOnly={provider.readOnly !== false}
      rowProps={{ 'data-testid': 'provider-row', 'data-provider': provider.name }}
      columns={8}
      question={
        <>
          Delete the provider <strong>{provider.name}</strong>? Its models stop being offered at once.
        </>
      }
      remove={() => llmAdminApi.deleteProvider(provider.name)}
      queryKey={PROVIDERS_KEY}
      form={(done) => <ProviderForm editing={provider} onDone={done} />}
      cells={
        <>
          <td className="pr-3">{provider.kind}</td>
          <td className="pr-3" data-testid="provider-source">
            {SOURCE_LABEL[provider.source]}
          </td>
          <td className="max-w-64 truncate pr-3 font-mono text-xs" title={provider.baseUrl}>
            {provider.baseUrl}
          </td>
          <td className="pr-3" data-testid="provider-key">
            {provider.hasApiKey ? 'set' : 'none'}
          </td>
          <td className="pr-3" data-testid="provider-status">
            <Status provider={provider} />
          </td>
          <td className="pr-3 text-right tabular-nums" data-testid="provider-models">
            {provider.models}
          </td>
        </>
      }
    />
  );
}

function AliasRow({ alias, models }: { alias: LlmAlias; models: string[] }) {
  return (
    <StoredRow
      name={alias.name}
      readOnly={alias.readOnly}
      rowProps={{ 'data-testid': 'alias-row', 'data-alias': alias.name }}
      columns={6}
      question={
        <>
          Delete the alias <strong>{alias.name}</strong>? Callers that name it get 404 at once.
        </>
      }
      remove={() => llmAdminApi.deleteAlias(alias.name)}
      queryKey={ALIASES_KEY}
      form={(done) => <AliasForm editing={alias} models={models} onDone={done} />}
      cells={
        <>
          <td className="pr-3">{SOURCE_LABEL[alias.source]}</td>
          <td className="pr-3 font-mono text-xs">
            {alias.deployments.map((d) => `${d.model} ×${d.weight}`).join(', ')}
          </td>
          <td className="pr-3 font-mono text-xs">{alias.fallbacks.join(', ') || '—'}</td>
          <td className="pr-3 whitespace-nowrap text-slate-500">
            {alias.updatedAt ? formatDate(alias.updatedAt) : '—'}
          </td>
        </>
      }
    />
  );
}

export function LlmAdminPage() {
  const { session } = useAuth();
  const isAdmin = session?.scopes.includes('admin') === true;
  const providers = useQuery({
    queryKey: PROVIDERS_KEY,
    queryFn: llmAdminApi.providers,
    enabled: isAdmin,
    // A provider being listed shows its model count once it is done.
    refetchInterval: (q) =>
      q.state.data?.providers.some((p) => p.state === 'active' && !p.listedAt && !p.error) ? 1000 : false,
  });
  const aliases = useQuery({ queryKey: ALIASES_KEY, queryFn: llmAdminApi.aliases, enabled: isAdmin });
  const models = useQuery({
    queryKey: ['llm-admin', 'models', providers.dataUpdatedAt],
    queryFn: () => call((c) => c.llmModels()),
    enabled: isAdmin,
  });
  const modelIds = (models.data ?? []).map((m) => m.id).filter((id) => id.includes('/'));

  if (!session) return <Spinner label="Loading" />;
  if (!isAdmin)
    return (
      <PageHeader title="LLM providers" subtitle="Only admins manage LLM providers. Sign in as an admin." />
    );
  const secretKey = providers.data?.secretKey;
  return (
    <div className="space-y-6">
      <PageHeader
        title="LLM providers"
        subtitle="The providers the gateway offers models from, and the aliases over them. Stored providers and aliases take effect at once, on every replica."
      />
      {secretKey && !secretKey.configured && (
        <p
          role="note"
          className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900"
        >
          MODELGARDEN_SECRET_KEY is not set, so no API key can be stored: providers without one (Ollama, a
          local server) can still be added. Set it to 32 random bytes (<code>openssl rand -base64 32</code>)
          and restart.
        </p>
      )}
      <Card title="Providers">
        {providers.isPending && <Spinner label="Loading providers" />}
        {providers.isError && <ErrorAlert error={providers.error} title="Could not load the providers" />}
        {providers.data && (
          <table className="w-full text-sm" aria-label="Providers">
            <TableHead
              inset
              columns={[
                'Name',
                'Kind',
                'Source',
                'Base URL',
                'API key',
                'Status',
                { label: 'Models', align: 'right' },
                { label: 'Actions', hidden: true },
              ]}
            />
            <tbody>
              {providers.data.providers.map((p) => (
                <ProviderRow key={p.name} provider={p} />
              ))}
              {providers.data.providers.length === 0 && (
                <tr>
                  <td colSpan={8} className="py-3 text-slate-500">
                    No provider yet: add one below, or set OPENAI_API_KEY, OLLAMA_BASE_URL, ANTHROPIC_API_KEY
                    or GEMINI_API_KEY.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Add a provider">
        <ProviderForm />
      </Card>
      <Card title="Model aliases">
        {aliases.isError && <ErrorAlert error={aliases.error} title="Could not load the aliases" />}
        {aliases.data && (
          <table className="mb-6 w-full text-sm" aria-label="Model aliases">
            <TableHead
              inset
              columns={[
                'Name',
                'Source',
                'Deployments',
                'Fallbacks',
                'Changed',
                { label: 'Actions', hidden: true },
              ]}
            />
            <tbody>
              {aliases.data.map((a) => (
                <AliasRow key={a.name} alias={a} models={modelIds} />
              ))}
            </tbody>
          </table>
        )}
        <AliasForm models={modelIds} />
      </Card>
    </div>
  );
}
