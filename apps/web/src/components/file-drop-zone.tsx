// A file input that also accepts a file dropped onto it.

import { type DragEvent, useState } from 'react';
import { formatBytes } from '../lib/format';

interface FileDropZoneProps {
  id: string;
  accept: string;
  file: File | null;
  onFile: (file: File | null) => void;
  hint: string;
  invalid?: boolean;
  describedBy?: string;
  disabled?: boolean;
}

export function FileDropZone({
  id,
  accept,
  file,
  onFile,
  hint,
  invalid,
  describedBy,
  disabled,
}: FileDropZoneProps) {
  const [over, setOver] = useState(false);

  const onDrop = (event: DragEvent<HTMLLabelElement>) => {
    event.preventDefault();
    setOver(false);
    if (disabled) return;
    const dropped = event.dataTransfer.files[0];
    if (dropped) onFile(dropped);
  };

  const border = over
    ? 'border-emerald-500 bg-emerald-50'
    : invalid
      ? 'border-red-300 bg-white'
      : 'border-slate-300 bg-white hover:border-slate-400';

  return (
    <label
      htmlFor={id}
      data-testid="file-drop-zone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      className={`flex cursor-pointer flex-col items-center justify-center rounded-xl border-2 border-dashed px-6 py-8 text-center transition-colors focus-within:outline-2 focus-within:outline-emerald-600 ${border}`}
    >
      <input
        id={id}
        type="file"
        accept={accept}
        className="sr-only"
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        disabled={disabled}
        data-testid="model-file-input"
        onChange={(e) => onFile(e.target.files?.[0] ?? null)}
      />
      <svg
        aria-hidden="true"
        viewBox="0 0 24 24"
        className="size-8 stroke-slate-400"
        fill="none"
        strokeWidth="1.5"
      >
        <path
          d="M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
      {file ? (
        <p className="mt-2 text-sm text-slate-800" data-testid="selected-file">
          <span className="font-medium">{file.name}</span>{' '}
          <span className="text-slate-500">({formatBytes(file.size)})</span>
        </p>
      ) : (
        <p className="mt-2 text-sm text-slate-700">
          <span className="font-semibold text-emerald-700">Choose a file</span> or drag it here
        </p>
      )}
      <p className="mt-1 text-xs text-slate-500">{hint}</p>
    </label>
  );
}
