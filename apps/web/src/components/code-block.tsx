// A dark code block with a copy button.

import { useState } from 'react';

export function CodeBlock({ code, label }: { code: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="relative">
      <pre
        data-testid="code-block"
        className="overflow-x-auto rounded-lg bg-slate-900 p-4 pr-20 font-mono text-xs leading-relaxed text-slate-100"
      >
        <code>{code}</code>
      </pre>
      <button
        type="button"
        onClick={copy}
        aria-label={copied ? 'Copied' : `Copy the ${label}`}
        className="absolute top-2 right-2 rounded-md bg-slate-700 px-2 py-1 text-xs font-medium text-slate-100 hover:bg-slate-600"
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
