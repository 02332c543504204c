import type { MetricWindow } from "../../api/types";
import { DataTable, type Column } from "../../components/DataTable";
import { formatMs, formatPercent, formatTime, hitRate } from "../../format";

/** The whole range in figures: what the charts show, readable without them. */
export function MetricsTotals({ totals }: { totals: MetricWindow }) {
  const errors = Object.entries(totals.errors);
  const figures: [string, string][] = [
    ["Calls", String(totals.calls)],
    ["Success rate", formatPercent(totals.success_rate)],
    ["Failures", String(totals.failures)],
    ["p50", formatMs(totals.p50_ms)],
    ["p95", formatMs(totals.p95_ms)],
    ["p99", formatMs(totals.p99_ms)],
    ["Retries", String(totals.retries)],
    ["Limiter waits", String(totals.rate_limit_waits)],
    ["429 answers", String(totals.rate_limited)],
    ["Cache hit rate", formatPercent(hitRate(totals.cache_hits, totals.cache_misses))],
  ];
  return (
    <section aria-labelledby="metrics-totals">
      <h2 id="metrics-totals">Totals over the range</h2>
      <dl className="figures">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {errors.length ? (
        <p>
          Failures by error: {errors.map(([name, count]) => `${name} ${count}`).join(", ")}
        </p>
      ) : null}
    </section>
  );
}

const COLUMNS: Column<MetricWindow>[] = [
  { header: "Window start", render: (w) => formatTime(w.window_start) },
  { header: "Calls", numeric: true, render: (w) => w.calls },
  { header: "Failures", numeric: true, render: (w) => w.failures },
  { header: "Success", numeric: true, render: (w) => formatPercent(w.success_rate) },
  { header: "p50", numeric: true, render: (w) => formatMs(w.p50_ms) },
  { header: "p95", numeric: true, render: (w) => formatMs(w.p95_ms) },
  { header: "p99", numeric: true, render: (w) => formatMs(w.p99_ms) },
  { header: "Limiter waits", numeric: true, render: (w) => w.rate_limit_waits },
  { header: "429s", numeric: true, render: (w) => w.rate_limited },
];

export function WindowsTable({ windows }: { windows: MetricWindow[] }) {
  return (
    <details>
      <summary>Windows as a table</summary>
      <DataTable caption="Metric windows" columns={COLUMNS} rows={windows} rowKey={(w) => w.window_start} empty="No windows" />
    </details>
  );
}
