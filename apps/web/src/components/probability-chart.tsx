// A horizontal bar chart of class probabilities, highest first.

import type { LabelProbability } from '@modelgarden/sdk';
import { Bar, BarChart, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatPercent } from '../lib/format';

interface ProbabilityChartProps {
  probabilities: LabelProbability[];
  /** The predicted label, drawn in the accent colour. */
  topLabel?: string;
}

const ROW_HEIGHT = 30;

export function ProbabilityChart({ probabilities, topLabel }: ProbabilityChartProps) {
  const data = probabilities.map((p) => ({ label: p.label, probability: p.probability }));
  const height = Math.max(data.length * ROW_HEIGHT + 24, 80);
  const labelWidth = Math.min(140, Math.max(36, ...data.map((d) => d.label.length * 8 + 12)));
  return (
    <figure data-testid="probability-chart" className="w-full">
      <figcaption className="sr-only">Probability per label</figcaption>
      <div style={{ height }} className="w-full">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ top: 4, right: 56, bottom: 4, left: 4 }}>
            <XAxis type="number" domain={[0, 1]} hide />
            <YAxis
              type="category"
              dataKey="label"
              width={labelWidth}
              tickLine={false}
              axisLine={false}
              tick={{ fontSize: 13, fill: '#334155' }}
              interval={0}
            />
            <Tooltip
              cursor={{ fill: '#f1f5f9' }}
              formatter={(value) => [formatPercent(Number(value)), 'Probability']}
            />
            <Bar dataKey="probability" radius={[0, 4, 4, 0]} isAnimationActive={false} barSize={18}>
              {data.map((d) => (
                <Cell key={d.label} fill={d.label === topLabel ? '#059669' : '#94a3b8'} />
              ))}
              <LabelList
                dataKey="probability"
                position="right"
                formatter={(value: unknown) => formatPercent(Number(value))}
                style={{ fontSize: 12, fill: '#475569' }}
              />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="sr-only" data-testid="probability-table">
        <thead>
          <tr>
            <th>Label</th>
            <th>Probability</th>
          </tr>
        </thead>
        <tbody>
          {data.map((d) => (
            <tr key={d.label}>
              <td>{d.label}</td>
              <td>{formatPercent(d.probability)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
