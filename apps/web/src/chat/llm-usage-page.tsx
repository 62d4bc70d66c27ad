// /llm-usage (admins): the LLM gateway's usage per key, user, model or provider over time, from
// GET /api/llm/usage?interval=… — tokens per hour or day as stacked bars, and the totals.

import type { LlmUsageTotals } from '@modelgarden/sdk';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { toApiError } from '../api/api-error';
import { call } from '../api/client';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { selectClass } from '../components/field';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';
import { TableHead } from '../components/table-head';

type By = 'key' | 'user' | 'model' | 'provider';
const COLORS = ['#059669', '#2563eb', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#65a30d', '#db2777'];

function usage(by: By, days: number, interval: 'hour' | 'day'): Promise<LlmUsageTotals> {
  return call((c) => c.llmUsage({ by, days, interval }));
}

/** One row per interval with a column of tokens per group, as Recharts stacks them. */
function pivot(series: NonNullable<LlmUsageTotals['series']>) {
  const rows = new Map<string, Record<string, number | string>>();
  for (const p of series) {
    const row = rows.get(p.at) ?? { at: p.at };
    row[p.group ?? '(none)'] = p.promptTokens + p.completionTokens;
    rows.set(p.at, row);
  }
  return [...rows.values()];
}

export function LlmUsagePage() {
  const [by, setBy] = useState<By>('model');
  const [days, setDays] = useState(7);
  const interval = days <= 2 ? 'hour' : 'day';
  const query = useQuery({ queryKey: ['llm-usage', by, days], queryFn: () => usage(by, days, interval) });
  const groups = query.data?.totals.map((t) => t.group ?? '(none)') ?? [];
  const label = (at: unknown) =>
    interval === 'hour'
      ? new Date(String(at)).toLocaleString([], { day: '2-digit', hour: '2-digit', minute: '2-digit' })
      : new Date(String(at)).toLocaleDateString();

  return (
    <div className="space-y-6">
      <PageHeader
        title="LLM usage"
        subtitle="Tokens and requests through the LLM gateway, by key, user, model or provider."
      />
      <div className="flex gap-4">
        <label className="text-sm font-medium text-slate-700">
          Group by
          <select className={selectClass} value={by} onChange={(e) => setBy(e.target.value as By)}>
            <option value="model">model</option>
            <option value="key">API key</option>
            <option value="user">user</option>
            <option value="provider">provider</option>
          </select>
        </label>
        <label className="text-sm font-medium text-slate-700">
          Period
          <select className={selectClass} value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={1}>last 24 hours</option>
            <option value={2}>last 2 days</option>
            <option value={7}>last 7 days</option>
            <option value={30}>last 30 days</option>
            <option value={90}>last 90 days</option>
          </select>
        </label>
      </div>
      {query.isLoading && <Spinner label="Loading usage" />}
      {query.error && <ErrorAlert error={toApiError(query.error)} onRetry={() => void query.refetch()} />}
      {query.data && (
        <>
          <Card title={`Tokens per ${interval}`} testId="llm-usage-chart">
            {query.data.series && query.data.series.length > 0 ? (
              <div className="h-72 w-full">
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={pivot(query.data.series)}>
                    <CartesianGrid stroke="#f1f5f9" />
                    <XAxis dataKey="at" tickFormatter={label} tick={{ fontSize: 11, fill: '#64748b' }} />
                    <YAxis tick={{ fontSize: 11, fill: '#64748b' }} width={64} />
                    <Tooltip labelFormatter={label} />
                    <Legend />
                    {groups.map((g, i) => (
                      <Bar key={g} dataKey={g} stackId="tokens" fill={COLORS[i % COLORS.length]} />
                    ))}
                  </BarChart>
                </ResponsiveContainer>
              </div>
            ) : (
              <p className="text-sm text-slate-500">No LLM requests in this period.</p>
            )}
          </Card>
          <Card title="Totals">
            <table className="w-full text-sm" data-testid="llm-usage-totals">
              <TableHead columns={[by, 'requests', 'prompt tokens', 'completion tokens', 'errors']} />
              <tbody>
                {query.data.totals.map((t) => (
                  <tr key={t.group ?? '(none)'} className="border-t border-slate-100">
                    <td className="py-1 font-mono text-xs">{t.group ?? '(none)'}</td>
                    <td>{t.requests}</td>
                    <td>{t.promptTokens}</td>
                    <td>{t.completionTokens}</td>
                    <td>{t.errors}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        </>
      )}
    </div>
  );
}
