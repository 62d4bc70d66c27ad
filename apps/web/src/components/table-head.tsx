// The header row of the app's data tables: small uppercase column names, the first and last padded
// to the card's edge; a column named with `hidden` is read by screen readers only (e.g. actions).

export interface Column {
  label: string;
  hidden?: boolean;
}

export function TableHead({ columns }: { columns: Array<string | Column> }) {
  return (
    <thead className="border-b border-slate-200 text-xs font-medium tracking-wide text-slate-500 uppercase">
      <tr>
        {columns.map((column, i) => {
          const { label, hidden } = typeof column === 'string' ? { label: column, hidden: false } : column;
          const edge = i === 0 || i === columns.length - 1;
          return (
            <th key={label} scope="col" className={edge ? 'px-5 py-2' : 'px-3 py-2'}>
              {hidden ? <span className="sr-only">{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
