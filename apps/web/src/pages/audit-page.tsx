// The audit log for admins: who changed what, when and from where, filtered by actor, action, target.

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';

const FIELDS = ['actor', 'action', 'target'] as const;

export function AuditPage() {
  const [filter, setFilter] = useState<Record<string, string>>({ actor: '', action: '', target: '' });
  const entries = useQuery({ queryKey: ['audit', filter], queryFn: () => api.audit(filter) });
  return (
    <div>
      <PageHeader
        title="Audit log"
        subtitle="Every registry, user and key change: who, what, when, from where."
      />
      <div className="mb-4 flex flex-wrap gap-3">
        {FIELDS.map((field) => (
          <label key={field} className="text-sm text-slate-600">
            {field}
            <input
              aria-label={`Filter by ${field}`}
              value={filter[field]}
              onChange={(e) => setFilter({ ...filter, [field]: e.target.value })}
              className="ml-2 rounded-md border border-slate-300 px-2 py-1"
            />
          </label>
        ))}
      </div>
      {entries.isPending && <Spinner label="Loading" />}
      {entries.error && <ErrorAlert error={entries.error} title="Could not load the audit log" />}
      {entries.data && (
        <Card>
          <table className="w-full text-left text-sm" data-testid="audit-table">
            <thead className="text-slate-500">
              <tr>
                <th className="py-2">When</th>
                <th>Who</th>
                <th>Action</th>
                <th>Target</th>
                <th>Status</th>
                <th>From</th>
              </tr>
            </thead>
            <tbody>
              {entries.data.items.map((e) => (
                <tr key={e.id} className="border-t border-slate-100">
                  <td className="py-1.5 whitespace-nowrap">{new Date(e.at).toLocaleString()}</td>
                  <td>
                    {e.actor ?? 'anonymous'} <span className="text-slate-400">{e.via}</span>
                  </td>
                  <td className="font-mono text-xs">{e.action}</td>
                  <td className="font-mono text-xs">{e.target}</td>
                  <td>{e.status}</td>
                  <td className="font-mono text-xs" title={e.requestId ?? ''}>
                    {e.ip}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}
