import { api } from "../../api/endpoints";
import type { HealthObservation } from "../../api/types";
import { useLoad } from "../../api/useLoad";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Loading } from "../../components/Loading";
import { StatusBadge } from "../../components/StatusBadge";
import { formatMs, formatTime } from "../../format";

const COLUMNS: Column<HealthObservation>[] = [
  { header: "When", render: (row) => formatTime(row.checked_at) },
  { header: "Status", render: (row) => <StatusBadge status={row.status} /> },
  { header: "Source", render: (row) => (row.source === "circuit" ? "breaker change" : "check") },
  { header: "Breaker", render: (row) => (row.circuit_state ? <StatusBadge status={row.circuit_state} /> : "—") },
  { header: "Latency", numeric: true, render: (row) => formatMs(row.latency_ms) },
  { header: "Reasons", render: (row) => row.reasons.join("; ") || row.message || "—" },
];

/** The newest stored observations (checks and breaker changes) of one integration. */
export function HealthHistory({ name }: { name: string }) {
  const history = useLoad(() => api.healthHistory(name, 20), [name]);
  return (
    <section aria-labelledby="health-history">
      <h2 id="health-history">Health history: {name}</h2>
      {history.state === "loading" ? <Loading what={`health history of ${name}`} /> : null}
      {history.state === "error" ? <ErrorAlert error={history.error} integration={name} /> : null}
      {history.data ? (
        <>
          <p className="muted">
            {history.data.total} observation{history.data.total === 1 ? "" : "s"} stored; the newest 20 below.
          </p>
          <DataTable
            caption={`Health history of ${name}`}
            columns={COLUMNS}
            rows={history.data.items}
            rowKey={(row) => row.id}
            empty={`No health observations of ${name} yet`}
          />
        </>
      ) : null}
    </section>
  );
}
