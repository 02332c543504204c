import type { CallDetail as Call } from "../../api/types";
import { DataTable } from "../../components/DataTable";
import { StatusBadge } from "../../components/StatusBadge";
import { formatMs, formatTime, prettyJson } from "../../format";

/** The breaker's part in a call: recorded per attempt by the server, else read from the error. */
function breakerText(call: Call): string {
  if (call.breaker === null && call.cache_hit) return "not consulted: answered from the cache";
  if (call.breaker) {
    const state = call.breaker.state ? `breaker ${call.breaker.state.replace("_", " ")}` : "breaker state not recorded";
    const verdict = call.breaker.refused ? "refused the call; it never reached the vendor" : "let the call through";
    const decisions = call.breaker.decisions?.length ? ` (per attempt: ${call.breaker.decisions.join(", ")})` : "";
    return `${state}: ${verdict}${decisions}`;
  }
  return call.error_class === "CircuitOpenError"
    ? "the open breaker refused the call; it never reached the vendor"
    : "not recorded for this call (no CircuitOpenError: it was let through)";
}

function limiterText(call: Call): string {
  if (call.limiter) {
    return call.limiter.waits === 0
      ? "not held back by our rate limiter"
      : `held back ${call.limiter.waits} time(s), ${call.limiter.wait_seconds.toFixed(2)} s in all`;
  }
  if (call.status_code === 429 || call.error_class === "RateLimitError") return "the vendor answered 429 (rate limited)";
  return "our limiter's waits are not recorded for this call";
}

export function CallDetail({ call }: { call: Call }) {
  const request = call.request_summary;
  const response = call.response_summary;
  const retries = request?.attempts ?? [];
  const headers = Object.entries(request?.headers ?? {}).map(([name, value]) => ({ name, value }));
  return (
    <section aria-labelledby={`call-${call.id}`} className="call">
      <h2 id={`call-${call.id}`}>
        <code>{call.operation}</code> <StatusBadge status={call.success ? "success" : "failure"} />
      </h2>
      <dl className="facts">
        <div><dt>Request</dt><dd><code>{call.method} {call.url}</code></dd></div>
        <div><dt>Status</dt><dd>{call.status_code ?? "no answer"}</dd></div>
        <div><dt>When</dt><dd>{formatTime(call.created_at)}</dd></div>
        <div><dt>Duration</dt><dd>{formatMs(call.duration_ms)}</dd></div>
        <div><dt>Cache</dt><dd>{call.cache_hit ? "answered from the cache" : "not from the cache"}</dd></div>
        <div><dt>Mode</dt><dd>{call.is_mock ? "mock (simulator)" : "live"}</dd></div>
        <div><dt>Breaker</dt><dd>{breakerText(call)}</dd></div>
        <div><dt>Rate limiter</dt><dd>{limiterText(call)}</dd></div>
        {call.error_class ? <div><dt>Error</dt><dd>{call.error_class}: {call.error_message}</dd></div> : null}
      </dl>
      <h3>Retries ({call.retry_count})</h3>
      {retries.length ? (
        <ol className="retries">{retries.map((reason, index) => <li key={index}>{reason}</li>)}</ol>
      ) : (
        <p>Answered at the first attempt.</p>
      )}
      <h3>Request summary</h3>
      <p>{request ? `${request.body_bytes} bytes of body` : "Not recorded."}</p>
      {request ? (
        <DataTable caption={`Request headers of call ${call.id}`} rows={headers} rowKey={(h) => h.name} empty="No headers kept"
          columns={[{ header: "Header", render: (h) => <code>{h.name}</code> }, { header: "Value", render: (h) => h.value }]} />
      ) : null}
      {request?.body ? <pre className="payload" tabIndex={0} aria-label={`Request body of call ${call.id}`}>{prettyJson(request.body)}</pre> : null}
      <h3>Response summary</h3>
      {response ? (
        <>
          <p>HTTP {response.status}, {response.content_type ?? "no content type"}, {response.body_bytes} bytes</p>
          <pre className="payload" tabIndex={0} aria-label={`Response body of call ${call.id}`}>{prettyJson(response.body)}</pre>
        </>
      ) : (
        <p>No response (the call failed before an answer, or was refused).</p>
      )}
    </section>
  );
}
