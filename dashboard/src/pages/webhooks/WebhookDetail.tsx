import { Link } from "react-router";
import { api } from "../../api/endpoints";
import type { WebhookAttempt } from "../../api/types";
import { useLoad } from "../../api/useLoad";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorAlert, traceHref } from "../../components/ErrorAlert";
import { Loading } from "../../components/Loading";
import { StatusBadge } from "../../components/StatusBadge";
import { formatTime, prettyJson } from "../../format";

const ATTEMPTS: Column<WebhookAttempt>[] = [
  { header: "Attempt", numeric: true, render: (a) => a.attempt },
  { header: "When", render: (a) => formatTime(a.at) },
  { header: "Outcome", render: (a) => <StatusBadge status={a.outcome === "retry" ? "pending" : a.outcome} label={a.outcome} /> },
  { header: "Error", render: (a) => a.error ?? "—" },
  { header: "Next attempt", render: (a) => formatTime(a.next_attempt_at) },
];

function signatureText(valid: boolean | null): string {
  if (valid === null) return "not checked";
  return valid ? "valid" : "invalid";
}

/** One delivery: signature result, redacted headers, payload and every processing attempt. */
export function WebhookDetail({ id, version }: { id: number; version: number }) {
  const event = useLoad(() => api.webhookEvent(id), [id, version]);
  if (event.state === "error") return <ErrorAlert error={event.error} />;
  if (!event.data) return <Loading what={`event ${id}`} />;
  const detail = event.data;
  const headers = Object.entries(detail.headers).map(([name, value]) => ({ name, value }));
  return (
    <div className="detail" aria-label={`Webhook event ${id}`} role="group">
      <p>
        Event id <code>{detail.event_id}</code> · signature{" "}
        <StatusBadge status={detail.signature_valid ? "success" : detail.signature_valid === null ? "unknown" : "failure"}
          label={signatureText(detail.signature_valid)} />
        {detail.trace_id ? (
          <> · <Link to={traceHref(detail.trace_id, detail.integration)}>calls of its trace</Link></>
        ) : null}
      </p>
      <h3>Headers (redacted)</h3>
      <DataTable caption={`Headers of event ${id}`} rows={headers} rowKey={(h) => h.name} empty="No headers"
        columns={[{ header: "Header", render: (h) => <code>{h.name}</code> }, { header: "Value", render: (h) => h.value }]} />
      <h3>Payload</h3>
      <pre className="payload" tabIndex={0} aria-label={`Payload of event ${id}`}>{prettyJson(detail.payload)}</pre>
      <h3>Attempts</h3>
      <DataTable caption={`Attempts of event ${id}`} columns={ATTEMPTS} rows={detail.attempt_log}
        rowKey={(a) => `${a.attempt}-${a.at}`} empty="Not processed yet" />
    </div>
  );
}
