// What the serving engine measured for a loaded version (run time by batch size) and what it chose for
// each setting the serving config leaves unset, with its reason.

import type { ServingConfig, ServingConfigView, ServingTuning } from '../api/versions';
import { TableHead } from './table-head';

/** How a setting got its value in effect: set in the config, tuned from measurements, or the default. */
export function sourceOf(view: ServingConfigView, key: keyof ServingConfig): 'set' | 'tuned' | 'default' {
  if (view.servingConfig[key] !== undefined) return 'set';
  const decision = view.tuning?.decisions.find((d) => d.setting === key);
  return decision?.source === 'tuned' ? 'tuned' : 'default';
}

const round = (n: number) => Number(n.toPrecision(3));

export function ServingTuningView({ tuning }: { tuning: ServingTuning }) {
  return (
    <section
      aria-label="How the engine tuned this version"
      className="space-y-3 rounded-lg bg-slate-50 px-4 py-3 text-sm"
    >
      <h4 className="font-medium text-slate-800">How the engine tuned this version</h4>
      <p className="text-slate-600">
        {tuning.cores} cores planned for
        {tuning.shape ? `, rows shaped [${tuning.shape.join(', ')}]` : ''}
        {tuning.singleRunMs !== null ? `, one row runs in ${round(tuning.singleRunMs)} ms` : ''};{' '}
        {tuning.executions} executions measured.
      </p>
      {tuning.decisions.length > 0 && (
        <ul className="space-y-1" aria-label="Tuning decisions">
          {tuning.decisions.map((d) => (
            <li key={d.setting} data-testid={`tuning-${d.setting}`}>
              <span className="font-mono text-xs">
                {d.setting} = {d.value}
              </span>{' '}
              <span className="text-slate-500">({d.source})</span>: {d.reason}
            </li>
          ))}
        </ul>
      )}
      {tuning.curve.length > 0 && (
        <div className="-mx-5 overflow-x-auto">
          <table className="min-w-full text-left text-sm" aria-label="Run time by batch size">
            <TableHead columns={['Rows per batch', 'ms per run', 'Rows per second', 'Samples']} />
            <tbody className="divide-y divide-slate-100">
              {tuning.curve.map((point) => (
                <tr key={point.rows}>
                  <td className="px-5 py-1">{point.rows}</td>
                  <td className="px-3 py-1">{round(point.ms)}</td>
                  <td className="px-3 py-1">{Math.round(point.rowsPerSecond).toLocaleString('en')}</td>
                  <td className="px-5 py-1">{point.samples}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
