// A Delete button that asks once more, inline, before it deletes.

import { type ReactNode, useState } from 'react';
import { Button } from './button';

interface ConfirmDeleteProps {
  /** What is deleted, for the buttons' accessible names (`Delete handbook`). */
  what: string;
  question: ReactNode;
  pending: boolean;
  onConfirm: () => void;
}

export function ConfirmDelete({ what, question, pending, onConfirm }: ConfirmDeleteProps) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming)
    return (
      <Button variant="ghost" onClick={() => setConfirming(true)} aria-label={`Delete ${what}`}>
        Delete
      </Button>
    );
  return (
    <div
      role="alertdialog"
      aria-label={`Delete ${what}?`}
      className="inline-flex flex-wrap items-center justify-end gap-2"
    >
      <span className="text-xs text-amber-900">{question}</span>
      <Button variant="danger" disabled={pending} onClick={onConfirm}>
        Delete for good
      </Button>
      <Button variant="ghost" onClick={() => setConfirming(false)}>
        Cancel
      </Button>
    </div>
  );
}
