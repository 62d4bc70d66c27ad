// The header row of the app's data tables: small uppercase column names. A table that fills its
// card pads the first and last columns to the card's edge; an `inset` table sits inside the card's
// own padding and pads none. A column named with `hidden` is read by screen readers only (e.g.
// actions); `align: 'right'` heads a column of numbers.

export interface Column {
  label: string;
  hidden?: boolean;
  align?: 'right';
}

export function TableHead({ columns, inset = false }: { columns: Array<string | Column>; inset?: boolean }) {
  return (
    <thead
      className={
        inset
          ? 'text-left text-xs tracking-wide text-slate-500 uppercase'
          : 'border-b border-slate-200 text-xs font-medium tracking-wide text-slate-500 uppercase'
      }
    >
      <tr>
        {columns.map((column, i) => {
          const { label, hidden, align } = typeof column === 'string' ? { label: column } : column;
          const edge = !inset && (i === 0 || i === columns.length - 1);
          const padding = inset ? 'py-2' : edge ? 'px-5 py-2' : 'px-3 py-2';
          return (
            <th key={label} scope="col" className={align === 'right' ? `${padding} text-right` : padding}>
              {hidden ? <span className="sr-only">{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
