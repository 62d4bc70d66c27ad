// "Use it from code": curl examples for the friendly API and the OIP infer endpoint.

import type { ModelVersion } from '@modelgarden/sdk';
import { friendlyCurl, oipCurl } from '../lib/curl-examples';
import { CodeBlock } from './code-block';

export function ApiExamples({ version }: { version: ModelVersion }) {
  const origin = window.location.origin;
  return (
    <div className="space-y-4 text-sm" data-testid="api-examples">
      <div className="space-y-2">
        <h3 className="font-medium text-slate-800">Friendly API</h3>
        <p className="text-slate-500">
          Named features or an image in, labels and probabilities out. Add <code>?version=N</code> or{' '}
          <code>?alias=staging</code> to pick a version; the default is <code>production</code>.
        </p>
        <CodeBlock label="curl for the friendly predict endpoint" code={friendlyCurl(origin, version)} />
      </div>
      <div className="space-y-2">
        <h3 className="font-medium text-slate-800">Open Inference Protocol (KServe / Triton)</h3>
        <CodeBlock label="curl for the OIP infer endpoint" code={oipCurl(origin, version)} />
      </div>
      <p className="text-slate-500">
        Every endpoint is described in the{' '}
        <a href="/docs" className="font-medium text-emerald-700 hover:underline">
          API docs
        </a>
        .
      </p>
    </div>
  );
}
