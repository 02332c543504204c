import type { DryRunPreview } from "../../api/opsTypes";
import { DataTable } from "../../components/DataTable";

export type Outcome = { kind: "preview"; preview: DryRunPreview } | { kind: "result"; value: unknown };

/** What a dry run would send (nothing was sent), or what the operation answered. */
export function ActionResult({ outcome }: { outcome: Outcome }) {
  if (outcome.kind === "result") {
    return (
      <section aria-labelledby="action-result">
        <h2 id="action-result">Result</h2>
        <pre className="payload" tabIndex={0} aria-label="Result JSON">{JSON.stringify(outcome.value, null, 2)}</pre>
      </section>
    );
  }
  const request = outcome.preview.request;
  const headers = Object.entries(request.headers).map(([name, value]) => ({ name, value }));
  return (
    <section aria-labelledby="action-preview">
      <h2 id="action-preview">Dry run: nothing was sent</h2>
      <p><code>{request.method} {request.url}</code></p>
      <DataTable caption="Headers it would send" rows={headers} rowKey={(h) => h.name} empty="No headers"
        columns={[{ header: "Header", render: (h) => <code>{h.name}</code> }, { header: "Value", render: (h) => h.value }]} />
      {request.json !== undefined ? (
        <pre className="payload" tabIndex={0} aria-label="Body it would send">{JSON.stringify(request.json, null, 2)}</pre>
      ) : null}
    </section>
  );
}
