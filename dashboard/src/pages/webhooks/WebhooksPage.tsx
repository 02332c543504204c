import { useState } from "react";
import { api } from "../../api/endpoints";
import type { WebhookEvent } from "../../api/types";
import { useLoad } from "../../api/useLoad";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Loading } from "../../components/Loading";
import { combine, Page } from "../../components/Page";
import { StatusBadge } from "../../components/StatusBadge";
import { formatTime, localToIso } from "../../format";
import { retryAndFollow } from "./retry";
import { WebhookDetail } from "./WebhookDetail";
import { NO_FILTERS, WebhookFilters, type EventFilters } from "./WebhookFilters";

const PAGE = 50;
const failed = (e: WebhookEvent) => e.status === "dead" || (e.status === "pending" && e.last_error !== null);

function query(filters: EventFilters, beforeId?: number) {
  return {
    integration: filters.integration || undefined,
    status: filters.status || undefined,
    event_type: filters.event_type.trim() || undefined,
    received_from: localToIso(filters.received_from),
    received_to: localToIso(filters.received_to),
    limit: PAGE,
    before_id: beforeId,
  };
}

export default function WebhooksPage() {
  const integrations = useLoad(() => api.integrations(), []);
  const [filters, setFilters] = useState<EventFilters>(NO_FILTERS);
  const events = useLoad(() => api.webhookEvents(query(filters)), [filters]);
  const [open, setOpen] = useState<number | null>(null);
  const [detailVersion, setDetailVersion] = useState(0);
  const [retrying, setRetrying] = useState<number | null>(null);
  const [actionError, setActionError] = useState<{ error: unknown; integration: string } | null>(null);
  const [olderError, setOlderError] = useState<unknown>(null);

  const replaceRow = (next: WebhookEvent) =>
    events.setData((page) => page && { ...page, items: page.items.map((row) => (row.id === next.id ? next : row)) });

  async function retry(row: WebhookEvent) {
    setRetrying(row.id);
    setActionError(null);
    try {
      await retryAndFollow(row, replaceRow);
      setDetailVersion((n) => n + 1);
    } catch (error) {
      setActionError({ error, integration: row.integration });
    } finally {
      setRetrying(null);
    }
  }

  async function loadOlder() {
    const page = events.data;
    if (!page?.next_before_id) return;
    setOlderError(null);
    try {
      const older = await api.webhookEvents(query(filters, page.next_before_id));
      events.setData((current) => current && { ...older, items: [...current.items, ...older.items] });
    } catch (error) {
      setOlderError(error);
    }
  }

  const columns: Column<WebhookEvent>[] = [
    { header: "Id", numeric: true, render: (e) => e.id },
    { header: "Integration", render: (e) => e.integration },
    { header: "Type", render: (e) => e.event_type ?? "—" },
    { header: "Status", render: (e) => <StatusBadge status={e.status} /> },
    { header: "Attempts", numeric: true, render: (e) => e.attempts },
    { header: "Received", render: (e) => formatTime(e.received_at) },
    { header: "Last error", render: (e) => e.last_error ?? "—" },
    {
      header: "Actions",
      render: (e) => (
        <div className="row-actions">
          <button type="button" className="secondary" aria-expanded={open === e.id} aria-label={`Details of event ${e.id}`}
            onClick={() => setOpen(open === e.id ? null : e.id)}>
            {open === e.id ? "Hide" : "Details"}
          </button>
          {failed(e) ? (
            <button type="button" aria-label={`Retry event ${e.id}`} disabled={retrying === e.id} onClick={() => retry(e)}>
              {retrying === e.id ? "Retrying…" : "Retry"}
            </button>
          ) : null}
        </div>
      ),
    },
  ];

  const state = integrations.state === "error" ? "error" : combine(integrations.state, events.state);
  return (
    <Page title="Webhook Events" state={state}>
      {integrations.data ? <WebhookFilters integrations={integrations.data.items} initial={filters} onApply={setFilters} /> : null}
      {integrations.state === "error" ? <ErrorAlert error={integrations.error} /> : null}
      {events.state === "loading" ? <Loading what="webhook events" /> : null}
      {events.state === "error" ? <ErrorAlert error={events.error} integration={filters.integration} /> : null}
      {actionError ? <ErrorAlert error={actionError.error} integration={actionError.integration} title="Retry" /> : null}
      {events.state === "ready" && events.data ? (
        <>
          <p className="muted">{events.data.total} event{events.data.total === 1 ? "" : "s"} match; newest first.</p>
          <DataTable caption="Webhook events" columns={columns} rows={events.data.items} rowKey={(e) => e.id}
            empty="No webhook events yet"
            expanded={(e) => (open === e.id ? <WebhookDetail id={e.id} version={detailVersion} /> : null)} />
          {events.data.next_before_id ? <button type="button" className="secondary" onClick={loadOlder}>Load older events</button> : null}
          {olderError ? <ErrorAlert error={olderError} /> : null}
        </>
      ) : null}
    </Page>
  );
}
