// A small line chart of one or more series over time, for the live metrics views.

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface Series {
  key: string;
  label: string;
  color: string;
}

interface TimeSeriesChartProps {
  title: string;
  data: Array<Record<string, number | string | null>>;
  series: Series[];
  unit?: string;
  testId?: string;
}

const time = (iso: unknown) =>
  new Date(String(iso)).toLocaleTimeString([], { minute: '2-digit', second: '2-digit' });

export function TimeSeriesChart({ title, data, series, unit = '', testId }: TimeSeriesChartProps) {
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3" data-testid={testId}>
      <figcaption className="mb-2 text-sm font-medium text-slate-700">{title}</figcaption>
      <div className="h-40 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
            <CartesianGrid stroke="#f1f5f9" />
            <XAxis
              dataKey="t"
              tickFormatter={time}
              tick={{ fontSize: 11, fill: '#64748b' }}
              minTickGap={40}
            />
            <YAxis tick={{ fontSize: 11, fill: '#64748b' }} width={48} />
            <Tooltip
              labelFormatter={time}
              formatter={(v) => [`${typeof v === 'number' ? Number(v.toPrecision(3)) : v}${unit}`]}
            />
            {series.length > 1 && <Legend wrapperStyle={{ fontSize: 11 }} />}
            {series.map((s) => (
              <Line
                key={s.key}
                type="monotone"
                dataKey={s.key}
                name={s.label}
                stroke={s.color}
                dot={false}
                strokeWidth={2}
                isAnimationActive={false}
                connectNulls
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
