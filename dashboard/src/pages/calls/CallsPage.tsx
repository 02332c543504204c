import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api } from "../../api/endpoints";
import type { CallLog } from "../../api/types";
import { useLoad } from "../../api/useLoad";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorAlert, traceHref } from "../../components/ErrorAlert";
import { defaultIntegration } from "../../components/IntegrationSelect";
import { Loading } from "../../components/Loading";
import { combine, Page } from "../../components/Page";
import { StatusBadge } from "../../components/StatusBadge";
import { formatMs, formatTime, localToIso } from "../../format";
import { CallFilters, type CallFilterValues } from "./CallFilters";

const PAGE = 50;

const COLUMNS: Column<CallLog>[] = [
  { header: "When", render: (c) => formatTime(c.created_at) },
  { header: "Operation", render: (c) => <code>{c.operation}</code> },
  { header: "HTTP", render: (c) => `${c.method} ${c.status_code ?? "—"}` },
  { header: "Outcome", render: (c) => <StatusBadge status={c.success ? "success" : "failure"} /> },
  { header: "Duration", numeric: true, render: (c) => formatMs(c.duration_ms) },
  { header: "Retries", numeric: true, render: (c) => c.retry_count },
  { header: "Cache", render: (c) => (c.cache_hit ? "hit" : "—") },
  { header: "Mock", render: (c) => (c.is_mock ? "mock" : "live") },
  { header: "Error", render: (c) => (c.error_class ? `${c.error_class}: ${c.error_message ?? ""}` : "—") },
  { header: "Trace", render: (c) => <Link to={traceHref(c.trace_id, c.integration)}>{c.trace_id.slice(0, 12)}…</Link> },
];

function query(filters: CallFilterValues, cursor?: number) {
  return {
    status: filters.status || undefined,
    operation: filters.operation.trim() || undefined,
    since: localToIso(filters.since),
    until: localToIso(filters.until),
    limit: PAGE,
    cursor,
  };
}

export default function CallsPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const integrations = useLoad(() => api.integrations(), []);
  const [applied, setApplied] = useState<CallFilterValues | null>(null);
  const filters = applied ?? { integration: params.get("integration") || defaultIntegration(integrations.data?.items ?? []), status: "", operation: "", since: "", until: "" };
  const calls = useLoad(
    () => (filters.integration ? api.calls(filters.integration, query(filters)) : Promise.resolve(undefined)),
    [filters],
  );
  const [traceId, setTraceId] = useState("");
  const [olderError, setOlderError] = useState<unknown>(null);

  async function loadOlder() {
    if (!calls.data?.next_cursor) return;
    setOlderError(null);
    try {
      const older = await api.calls(filters.integration, query(filters, calls.data.next_cursor));
      calls.setData((current) => current && { ...older, items: [...current.items, ...older.items] });
    } catch (error) {
      setOlderError(error);
    }
  }

  function openTrace(event: FormEvent) {
    event.preventDefault();
    if (traceId.trim()) navigate(traceHref(traceId.trim(), filters.integration));
  }

  const state = integrations.data ? calls.state : integrations.state;
  return (
    <Page title="Calls" state={state}>
      {integrations.state === "error" ? <ErrorAlert error={integrations.error} /> : null}
      {integrations.data ? (
        <>
          <CallFilters key={filters.integration} integrations={integrations.data.items} initial={filters} onApply={setApplied} />
          <form className="filters" onSubmit={openTrace} aria-label="Open a call by trace id">
            <div className="field">
              <label htmlFor="trace-id">Trace id</label>
              <input id="trace-id" name="trace_id" value={traceId} onChange={(e) => setTraceId(e.target.value)} />
            </div>
            <button type="submit">Open trace</button>
          </form>
        </>
      ) : null}
      {combine(integrations.state, calls.state) === "loading" ? <Loading what="calls" /> : null}
      {calls.state === "error" ? <ErrorAlert error={calls.error} integration={filters.integration} /> : null}
      {calls.state === "ready" && calls.data ? (
        <>
          <p className="muted">{calls.data.total} call{calls.data.total === 1 ? "" : "s"} of {filters.integration} match; newest first.</p>
          <DataTable caption={`Calls of ${filters.integration}`} columns={COLUMNS} rows={calls.data.items} rowKey={(c) => c.id}
            empty={`No calls of ${filters.integration} yet`} />
          {calls.data.next_cursor ? <button type="button" className="secondary" onClick={loadOlder}>Load older calls</button> : null}
          {olderError ? <ErrorAlert error={olderError} integration={filters.integration} /> : null}
        </>
      ) : null}
    </Page>
  );
}
