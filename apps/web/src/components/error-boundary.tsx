// Catches render errors so a bug shows a message and a way back, never a blank page.

import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(_error: Error, _info: ErrorInfo): void {
    // The message is shown on the page; nothing else to report to.
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="mx-auto max-w-xl px-6 py-16">
        <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-5 text-sm text-red-900">
          <p className="font-semibold">The page failed to render.</p>
          <p className="mt-1 break-words font-mono text-xs">{error.message}</p>
          <a href="/" className="mt-3 inline-block font-medium text-red-800 underline">
            Back to the models
          </a>
        </div>
      </div>
    );
  }
}
