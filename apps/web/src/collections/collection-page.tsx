// /collections/:name: one knowledge base — its documents with live ingestion status, uploads, a
// search box whose passages show the question's words marked, and the retrieval evaluation's figures
// when the collection ships a question set.

import type { Collection } from '@modelgarden/sdk';
import { Link, useParams } from 'react-router-dom';
import { useAuth } from '../auth/auth-context';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';
import { formatDate } from '../lib/format';
import { mayChange } from './access';
import { useCollection, useDocuments } from './collections-api';
import { DocumentUpload } from './document-upload';
import { DocumentsTable } from './documents-table';
import { EvaluationCard } from './evaluation-card';
import { SearchPanel } from './search-panel';
import { VisibilityBadge } from './visibility-badge';

function Documents({ collection, canChange }: { collection: Collection; canChange: boolean }) {
  const documents = useDocuments(collection.name, true);
  return (
    <Card
      title="Documents"
      description={`${collection.documents} document${collection.documents === 1 ? '' : 's'} · ${collection.chunks} passages`}
      testId="documents-card"
    >
      <div className="space-y-4">
        {canChange && <DocumentUpload collection={collection.name} />}
        {documents.isPending && <Spinner label="Loading documents" />}
        {documents.error && (
          <ErrorAlert
            error={documents.error}
            title="Could not load the documents"
            onRetry={() => void documents.refetch()}
          />
        )}
        {documents.data?.length === 0 && (
          <p className="text-sm text-slate-500" data-testid="documents-empty">
            No documents yet.{canChange ? ' Add .txt, .md, .html or .pdf files above.' : ''}
          </p>
        )}
        {documents.data && documents.data.length > 0 && (
          <DocumentsTable collection={collection.name} documents={documents.data} canChange={canChange} />
        )}
      </div>
    </Card>
  );
}

export function CollectionPage() {
  const { name = '' } = useParams();
  const { session } = useAuth();
  const collection = useCollection(name);

  if (collection.isPending) return <Spinner label="Loading the collection" />;
  if (collection.error)
    return (
      <div className="space-y-4">
        <PageHeader title={name} />
        <ErrorAlert error={collection.error} title="Could not open the collection" />
        <Link to="/collections" className="text-sm font-medium text-emerald-700 hover:underline">
          All collections
        </Link>
      </div>
    );

  const c = collection.data;
  return (
    <div className="space-y-6">
      <PageHeader
        title={<span className="font-mono">{c.name}</span>}
        subtitle={
          <>
            <Link to="/collections" className="text-emerald-700 hover:underline">
              Knowledge bases
            </Link>{' '}
            · owned by {c.owner ?? 'the system'} · created {formatDate(c.createdAt)}
            {c.embeddingModel ? ` · embeddings: ${c.embeddingModel}` : ''}
          </>
        }
        actions={<VisibilityBadge collection={c} />}
      />
      <Card title="Search" description="The passages that best answer a question, by full-text search.">
        <SearchPanel collection={c.name} />
      </Card>
      <Documents collection={c} canChange={mayChange(session, c)} />
      <EvaluationCard collection={c.name} />
    </div>
  );
}
