// The input and output tensors of a model version: name, datatype and shape.

import type { TensorSpec } from '@modelgarden/sdk';
import { formatShape } from '../lib/format';
import { TableHead } from './table-head';

interface SchemaTableProps {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export function SchemaTable({ inputs, outputs }: SchemaTableProps) {
  const rows = [
    ...inputs.map((spec) => ({ kind: 'Input', spec })),
    ...outputs.map((spec) => ({ kind: 'Output', spec })),
  ];
  return (
    <div className="-mx-5 overflow-x-auto">
      <table className="min-w-full text-left text-sm" data-testid="schema-table">
        <TableHead columns={['Kind', 'Name', 'Datatype', 'Shape']} />
        <tbody className="divide-y divide-slate-100">
          {rows.map(({ kind, spec }) => (
            <tr key={`${kind}-${spec.name}`}>
              <td className="px-5 py-2 text-slate-500">{kind}</td>
              <td className="px-3 py-2 font-mono text-xs text-slate-900">{spec.name}</td>
              <td className="px-3 py-2 font-mono text-xs text-slate-700">{spec.datatype}</td>
              <td className="px-5 py-2 font-mono text-xs text-slate-700">{formatShape(spec.shape)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="px-5 pt-2 text-xs text-slate-400">? marks a dynamic dimension (usually the batch).</p>
    </div>
  );
}
