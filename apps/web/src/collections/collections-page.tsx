// /collections: the knowledge bases the user may see (name, access, owner, documents and chunks), a form
// to create one (public or private to the user's team), and delete with a confirmation step.

import type { Collection } from '@modelgarden/sdk';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth/auth-context';
import { Button } from '../components/button';
import { Card } from '../components/card';
import { ConfirmDelete } from '../components/confirm-delete';
import { ErrorAlert } from '../components/error-alert';
import { Field, selectClass } from '../components/field';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';
import { TableHead } from '../components/table-head';
import { mayChange } from './access';
import { useCollections, useCreateCollection, useDeleteCollection } from './collections-api';
import { VisibilityBadge } from './visibility-badge';

function CreateCollectionForm() {
  const { session } = useAuth();
  const navigate = useNavigate();
  const create = useCreateCollection();
  const [name, setName] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'team'>('public');

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(
      { name: name.trim(), visibility },
      { onSuccess: (c) => navigate(`/collections/${encodeURIComponent(c.name)}`) },
    );
  }

  return (
    <Card title="New collection" description="Upload documents to it next; search finds their passages.">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-4" aria-label="New collection">
        <Field
          label="Collection name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="handbook"
          className="w-64"
          hint="Lowercase letters, digits and dashes"
        />
        <label className="block text-sm font-medium text-slate-700">
          Visibility
          <select
            className={selectClass}
            value={visibility}
            onChange={(e) => setVisibility(e.target.value as 'public' | 'team')}
          >
            <option value="public">Public: everyone may search it</option>
            <option value="team" disabled={!session?.user?.team}>
              {session?.user?.team ? `Team: ${session.user.team} only` : 'Team (you are in no team)'}
            </option>
          </select>
          <span className="mt-1 block text-xs font-normal text-slate-500">&nbsp;</span>
        </label>
        <Button type="submit" disabled={create.isPending || name.trim() === ''} className="mb-5">
          Create collection
        </Button>
      </form>
      {create.error && (
        <div className="mt-2">
          <ErrorAlert error={create.error} title="Could not create the collection" />
        </div>
      )}
    </Card>
  );
}

function CollectionRow({ collection, canChange }: { collection: Collection; canChange: boolean }) {
  const remove = useDeleteCollection();
  const { name } = collection;
  return (
    <tr className="border-t border-slate-100 align-top" data-testid="collection-row" data-collection={name}>
      <td className="px-5 py-2.5">
        <Link
          to={`/collections/${encodeURIComponent(name)}`}
          className="font-mono font-semibold text-emerald-700 hover:underline"
        >
          {name}
        </Link>
      </td>
      <td className="px-3 py-2.5">
        <VisibilityBadge collection={collection} />
      </td>
      <td className="px-3 py-2.5 text-slate-600">{collection.owner ?? <span title="seeded">system</span>}</td>
      <td className="px-3 py-2.5 tabular-nums" data-testid="collection-documents">
        {collection.documents}
      </td>
      <td className="px-3 py-2.5 tabular-nums" data-testid="collection-chunks">
        {collection.chunks}
      </td>
      <td className="px-5 py-2.5 text-right">
        {canChange && (
          <ConfirmDelete
            what={name}
            question={
              <>
                Delete <strong>{name}</strong>, its {collection.documents} documents and their passages?
              </>
            }
            pending={remove.isPending}
            onConfirm={() => remove.mutate(name)}
          />
        )}
        {remove.error && <ErrorAlert error={remove.error} title={`Could not delete ${name}`} />}
      </td>
    </tr>
  );
}

export function CollectionsPage() {
  const { session } = useAuth();
  const collections = useCollections();
  return (
    <div className="space-y-6">
      <PageHeader
        title="Knowledge bases"
        subtitle="Collections of documents, searched by full text; chat can answer from them with citations."
      />
      {session?.scopes.includes('models:write') && <CreateCollectionForm />}
      {collections.isPending && <Spinner label="Loading collections" />}
      {collections.error && (
        <ErrorAlert
          error={collections.error}
          title="Could not load the collections"
          onRetry={() => void collections.refetch()}
        />
      )}
      {collections.data?.length === 0 && (
        <p className="text-sm text-slate-500" data-testid="collections-empty">
          No collections you may see yet.
          {session?.scopes.includes('models:write') ? ' Create one above.' : ''}
        </p>
      )}
      {collections.data && collections.data.length > 0 && (
        <Card title="Collections" className="overflow-x-auto">
          <table className="-mx-5 w-[calc(100%+2.5rem)] text-left text-sm" data-testid="collections-table">
            <TableHead
              columns={[
                'Name',
                'Visibility',
                'Owner',
                'Documents',
                'Chunks',
                { label: 'Actions', hidden: true },
              ]}
            />
            <tbody>
              {collections.data.map((c) => (
                <CollectionRow key={c.name} collection={c} canChange={mayChange(session, c)} />
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}
