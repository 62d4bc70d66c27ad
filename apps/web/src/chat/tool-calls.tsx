// The tool calls the gateway ran for an answer: which registered model (linked to its page), the
// arguments the LLM sent, and the prediction it got back, or the error, or "running…" while it runs.

import { Link } from 'react-router-dom';
import type { ToolCallView } from './chat-api';

/** The arguments as indented JSON when they parse, else as the LLM sent them. */
function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/** A tabular classifier's result in one line (`setosa (98 %)`); other results are shown as JSON. */
function summary(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return null;
  const { label, probability, value } = result as { label?: unknown; probability?: unknown; value?: unknown };
  if (typeof label === 'string')
    return typeof probability === 'number' ? `${label} (${Math.round(probability * 100)} %)` : label;
  if (typeof value === 'number') return String(value);
  return null;
}

function ToolCallCard({ call }: { call: ToolCallView }) {
  const done = call.result !== undefined || call.error !== undefined;
  const line = summary(call.result);
  return (
    <div
      className="rounded-md border border-slate-200 bg-slate-50 p-2 text-xs text-slate-700"
      data-testid="tool-call"
    >
      <p className="font-medium">
        Tool{' '}
        {call.model ? (
          <Link
            to={`/models/${encodeURIComponent(call.model)}`}
            className="font-mono text-emerald-700 underline"
            data-testid="tool-call-model"
          >
            {call.model}
          </Link>
        ) : (
          <span className="font-mono">{call.name}</span>
        )}
        {!done && (
          <span className="ml-2 text-slate-500" data-testid="tool-call-running">
            running…
          </span>
        )}
      </p>
      <pre
        className="mt-1 overflow-x-auto whitespace-pre-wrap font-mono text-[11px] text-slate-600"
        data-testid="tool-call-arguments"
      >
        {pretty(call.arguments)}
      </pre>
      {call.error && (
        <p className="mt-1 text-red-700" data-testid="tool-call-error">
          <span className="font-mono">{call.error.code}</span>: {call.error.message}
        </p>
      )}
      {call.result !== undefined && (
        <div className="mt-1" data-testid="tool-call-result">
          {line && <p className="font-medium text-slate-900">→ {line}</p>}
          <details>
            <summary className="cursor-pointer text-slate-500">Result</summary>
            <pre className="overflow-x-auto whitespace-pre-wrap font-mono text-[11px]">
              {JSON.stringify(call.result, null, 2)}
            </pre>
          </details>
        </div>
      )}
    </div>
  );
}

export function ToolCalls({ calls }: { calls: readonly ToolCallView[] }) {
  if (calls.length === 0) return null;
  return (
    <div className="mb-2 space-y-2" data-testid="tool-calls">
      {calls.map((call) => (
        <ToolCallCard key={call.id} call={call} />
      ))}
    </div>
  );
}

/** The calls with one event applied: a new call is added, a result completes the call of its id. */
export function withToolEvent(calls: readonly ToolCallView[], call: ToolCallView): ToolCallView[] {
  const at = calls.findIndex((c) => c.id === call.id);
  if (at === -1) return [...calls, call];
  return calls.map((c, i) => (i === at ? { ...c, ...call } : c));
}
