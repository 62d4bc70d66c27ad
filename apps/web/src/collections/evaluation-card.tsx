// The retrieval evaluation of a collection that ships a question set (the demo `docs` collection):
// recall@1, recall@5 and MRR of our full-text search beside a plain BM25 and the AND-of-every-word
// query over the same passages.

import type { RetrievalEvaluation } from '@modelgarden/sdk';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { Spinner } from '../components/spinner';
import { TableHead } from '../components/table-head';
import { formatDate } from '../lib/format';
import { useEvaluation } from './collections-api';

const methodNames: Record<string, string> = {
  fts: 'Full-text search (ours)',
  hybrid: 'Hybrid (full text + embeddings)',
  bm25: 'Plain BM25',
  'all-words': 'AND of every word',
};

const figure = (x: number) => x.toFixed(3);

function Figures({ evaluation }: { evaluation: RetrievalEvaluation }) {
  const best = Math.max(...evaluation.methods.map((m) => m.mrr));
  return (
    <div className="-mx-5 overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="evaluation-table">
        <TableHead columns={['Method', 'Recall@1', 'Recall@5', 'MRR']} />
        <tbody>
          {evaluation.methods.map((m) => (
            <tr
              key={m.method}
              className="border-t border-slate-100"
              data-testid="evaluation-row"
              data-method={m.method}
            >
              <td className="px-5 py-2">
                {methodNames[m.method] ?? m.method}
                <span className="ml-2 font-mono text-xs text-slate-400">{m.method}</span>
              </td>
              <td className="px-3 py-2 font-mono tabular-nums" data-testid="recall-at-1">
                {figure(m.recallAt1)}
              </td>
              <td className="px-3 py-2 font-mono tabular-nums" data-testid="recall-at-5">
                {figure(m.recallAt5)}
              </td>
              <td
                className={`px-5 py-2 font-mono tabular-nums ${m.mrr === best ? 'font-semibold text-emerald-700' : ''}`}
                data-testid="mrr"
              >
                {figure(m.mrr)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EvaluationCard({ collection }: { collection: string }) {
  const evaluation = useEvaluation(collection);
  const data = evaluation.data;
  // Most collections ship no question set: nothing to show but how to measure one.
  if (data?.status === 'unavailable')
    return (
      <p className="text-xs text-slate-500" data-testid="evaluation-unavailable">
        Measure this collection's search with your own questions:{' '}
        <code className="font-mono">modelgarden collections eval {collection} questions.jsonl</code> (or{' '}
        <code className="font-mono">POST /api/collections/{collection}/evaluate</code>).
      </p>
    );
  return (
    <Card
      title="Search quality"
      description={
        data?.questionSet
          ? `The shipped question set ${data.questionSet}: a question counts as found at the first passage that holds its answer.`
          : 'Recall and MRR on the shipped question set.'
      }
      testId="evaluation-card"
    >
      {evaluation.isPending && <Spinner label="Measuring" />}
      {evaluation.error && (
        <ErrorAlert
          error={evaluation.error}
          title="Could not measure the search"
          onRetry={() => void evaluation.refetch()}
        />
      )}
      {data?.status === 'ingesting' && <Spinner label="Waiting for every document to be ingested" />}
      {data?.status === 'ready' && data.evaluation && (
        <div className="space-y-3">
          <Figures evaluation={data.evaluation} />
          <p className="text-xs text-slate-500" data-testid="evaluation-summary">
            {data.evaluation.questions} questions over {data.evaluation.chunks} passages
            {data.measuredAt ? ` · measured ${formatDate(data.measuredAt)}` : ''}
          </p>
        </div>
      )}
    </Card>
  );
}
