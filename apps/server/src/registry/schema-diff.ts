/**
 * Compares two versions' inputs (tensor specs and tabular feature names): the check that flags a
 * push whose inputs differ from `production` and makes promoting it need `force`.
 */
import type { SchemaDiff, TensorSpec } from './types.js';

interface Signature {
  inputs: TensorSpec[];
  featureNames: string[] | null;
}

const sameSpec = (a: TensorSpec, b: TensorSpec) =>
  a.datatype === b.datatype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

const sameNames = (a: string[] | null, b: string[] | null) =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((n, i) => n === b?.[i]);

/** The difference between two input signatures, or null when clients can call both the same way. */
export function diffInputs(before: Signature, after: Signature): SchemaDiff | null {
  const old = new Map(before.inputs.map((t) => [t.name, t]));
  const now = new Map(after.inputs.map((t) => [t.name, t]));
  const added = after.inputs.filter((t) => !old.has(t.name));
  const removed = before.inputs.filter((t) => !now.has(t.name));
  const changed = after.inputs.flatMap((t) => {
    const prev = old.get(t.name);
    return prev && !sameSpec(prev, t) ? [{ name: t.name, before: prev, after: t }] : [];
  });
  // Feature names matter only when both sides name their features (a push may leave them out).
  const featureNames =
    before.featureNames && after.featureNames && !sameNames(before.featureNames, after.featureNames)
      ? { before: before.featureNames, after: after.featureNames }
      : null;
  if (added.length + removed.length + changed.length === 0 && !featureNames) return null;
  return { added, removed, changed, featureNames };
}
