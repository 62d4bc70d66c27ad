// A collection's documents with their ingestion status (processing → ready, or failed with the
// server's reason), size and passage count, each with a delete.

import type { CollectionDocument } from '@modelgarden/sdk';
import { ConfirmDelete } from '../components/confirm-delete';
import { ErrorAlert } from '../components/error-alert';
import { Spinner } from '../components/spinner';
import { TableHead } from '../components/table-head';
import { formatBytes, formatDate } from '../lib/format';
import { useDeleteDocument } from './collections-api';

const statusStyle: Record<CollectionDocument['status'], string> = {
  processing: 'bg-sky-50 text-sky-700',
  ready: 'bg-emerald-50 text-emerald-700',
  failed: 'bg-red-50 text-red-700',
};

function StatusBadge({ document }: { document: CollectionDocument }) {
  return (
    <div>
      <span
        data-testid="document-status"
        className={`inline-flex items-center gap-1.5 rounded-md px-2 py-0.5 text-xs font-medium ${statusStyle[document.status]}`}
      >
        {document.status === 'processing' && (
          <span className="size-2.5 animate-spin rounded-full border border-sky-300 border-t-sky-700" />
        )}
        {document.status}
      </span>
      {document.status === 'failed' && document.error && (
        <p className="mt-1 max-w-sm text-xs text-red-700" data-testid="document-error">
          {document.error}
        </p>
      )}
    </div>
  );
}

interface DocumentsTableProps {
  collection: string;
  documents: CollectionDocument[];
  canChange: boolean;
}

export function DocumentsTable({ collection, documents, canChange }: DocumentsTableProps) {
  const remove = useDeleteDocument(collection);
  return (
    <div className="space-y-3">
      <div className="-mx-5 overflow-x-auto">
        <table className="w-full text-left text-sm" data-testid="documents-table">
          <TableHead
            columns={[
              'Document',
              'Status',
              'Size',
              'Passages',
              'Added',
              ...(canChange ? [{ label: 'Actions', hidden: true }] : []),
            ]}
          />
          <tbody>
            {documents.map((d) => (
              <tr
                key={d.id}
                className="border-t border-slate-100 align-top"
                data-testid="document-row"
                data-document={d.name}
              >
                <td className="px-5 py-2.5 font-mono text-xs break-all text-slate-800">{d.name}</td>
                <td className="px-3 py-2.5">
                  <StatusBadge document={d} />
                </td>
                <td className="px-3 py-2.5 whitespace-nowrap text-slate-600">{formatBytes(d.bytes)}</td>
                <td className="px-3 py-2.5 tabular-nums" data-testid="document-chunks">
                  {d.chunks}
                </td>
                <td className="px-3 py-2.5 whitespace-nowrap text-slate-500">{formatDate(d.createdAt)}</td>
                {canChange && (
                  <td className="px-5 py-2.5 text-right">
                    <ConfirmDelete
                      what={d.name}
                      question={
                        <>
                          Delete <strong>{d.name}</strong> and its {d.chunks} passages?
                        </>
                      }
                      pending={remove.isPending && remove.variables === d.id}
                      onConfirm={() => remove.mutate(d.id)}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {documents.some((d) => d.status === 'processing') && <Spinner label="Ingesting" />}
      {remove.error && <ErrorAlert error={remove.error} title="Could not delete the document" />}
    </div>
  );
}
