import type { ReactNode } from "react";

export interface Column<T> {
  header: string;
  render: (row: T) => ReactNode;
  /** Right-align numbers so they compare at a glance. */
  numeric?: boolean;
}

interface Props<T> {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  /** Said instead of an empty table, e.g. "No webhook events yet". */
  empty: string;
  /** Extra content below a row (a detail panel), spanning every column. */
  expanded?: (row: T) => ReactNode;
}

/** A table in a keyboard-scrollable region, so wide tables stay usable at 390 px. */
export function DataTable<T>({ caption, columns, rows, rowKey, empty, expanded }: Props<T>) {
  if (rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col" className={column.numeric ? "num" : undefined}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const extra = expanded?.(row);
            return (
              <RowGroup key={rowKey(row)} span={columns.length} extra={extra}>
                {columns.map((column) => (
                  <td key={column.header} className={column.numeric ? "num" : undefined}>
                    {column.render(row)}
                  </td>
                ))}
              </RowGroup>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function RowGroup({ children, extra, span }: { children: ReactNode; extra: ReactNode; span: number }) {
  return (
    <>
      <tr>{children}</tr>
      {extra ? (
        <tr className="row-detail">
          <td colSpan={span}>{extra}</td>
        </tr>
      ) : null}
    </>
  );
}
