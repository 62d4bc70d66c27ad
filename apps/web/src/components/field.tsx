// Form controls with one look: a labelled text/number input and the classes selects share.

import type { InputHTMLAttributes, ReactNode } from 'react';

export const inputClass =
  'mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-emerald-600 focus:outline-none';

export const selectClass =
  'mt-1 block rounded-md border border-slate-300 bg-white px-2 py-2 text-sm focus:border-emerald-600 focus:outline-none';

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: ReactNode;
  /** A line under the input, e.g. the default in effect. */
  hint?: ReactNode;
}

/** An input inside its label, so `getByLabel(label)` finds it. */
export function Field({ label, hint, className = '', ...props }: FieldProps) {
  return (
    <label className={`block text-sm font-medium text-slate-700 ${className}`}>
      {label}
      <input className={inputClass} {...props} />
      {hint && <span className="mt-1 block text-xs font-normal text-slate-500">{hint}</span>}
    </label>
  );
}
