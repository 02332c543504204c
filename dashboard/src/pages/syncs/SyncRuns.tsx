import { useState } from "react";
import type { SyncLogs, SyncRun } from "../../api/opsTypes";
import { DataTable, type Column } from "../../components/DataTable";
import { StatusBadge } from "../../components/StatusBadge";
import { formatTime } from "../../format";

function RunDetail({ run }: { run: SyncRun }) {
  const streams = Object.entries(run.streams);
  const problems = run.details?.problems ?? [];
  return (
    <div className="detail">
      <DataTable caption={`Streams of run ${run.id}`} rows={streams} rowKey={([name]) => name} empty="No stream ran"
        columns={[
          { header: "Stream", render: ([name]) => name },
          { header: "Processed", numeric: true, render: ([, c]) => c.processed },
          { header: "Created", numeric: true, render: ([, c]) => c.created },
          { header: "Updated", numeric: true, render: ([, c]) => c.updated },
          { header: "Failed", numeric: true, render: ([, c]) => c.failed },
          { header: "Pages", numeric: true, render: ([, c]) => c.pages },
        ]} />
      {problems.length ? (
        <>
          <p>Record problems ({run.details?.problems_total ?? problems.length}):</p>
          <pre className="payload" tabIndex={0}>{JSON.stringify(problems, null, 2)}</pre>
        </>
      ) : null}
    </div>
  );
}

/** Sync runs newest first, a page at a time, each openable for its streams and problems. */
export function SyncRuns({ logs, onPage }: { logs: SyncLogs; onPage: (page: number) => void }) {
  const [open, setOpen] = useState<number | null>(null);
  const pages = Math.max(1, Math.ceil(logs.total / logs.limit));
  const columns: Column<SyncRun>[] = [
    { header: "Run", numeric: true, render: (r) => r.id },
    { header: "Type", render: (r) => r.syncType },
    { header: "Trigger", render: (r) => (r.triggeredBy && r.triggeredBy !== r.trigger ? `${r.trigger} by ${r.triggeredBy}` : r.trigger) },
    { header: "Status", render: (r) => <StatusBadge status={r.status} /> },
    { header: "Started", render: (r) => formatTime(r.startedAt) },
    { header: "Duration", numeric: true, render: (r) => (r.durationSeconds === null ? "—" : `${r.durationSeconds.toFixed(1)} s`) },
    { header: "Processed", numeric: true, render: (r) => r.processed },
    { header: "Failed", numeric: true, render: (r) => r.failed },
    { header: "Error", render: (r) => r.errorMessage ?? "—" },
    {
      header: "Details",
      render: (r) => (
        <button type="button" className="secondary" aria-expanded={open === r.id} aria-label={`Details of run ${r.id}`}
          onClick={() => setOpen(open === r.id ? null : r.id)}>
          {open === r.id ? "Hide" : "Details"}
        </button>
      ),
    },
  ];
  return (
    <section aria-labelledby="sync-runs">
      <h2 id="sync-runs">Runs</h2>
      <DataTable caption="Sync runs" columns={columns} rows={logs.items} rowKey={(r) => r.id} empty="No sync runs yet"
        expanded={(r) => (open === r.id ? <RunDetail run={r} /> : null)} />
      {pages > 1 ? (
        <nav aria-label="Run pages" className="pager">
          <button type="button" className="secondary" disabled={logs.page <= 1} onClick={() => onPage(logs.page - 1)}>Newer</button>
          <span>Page {logs.page} of {pages}</span>
          <button type="button" className="secondary" disabled={logs.page >= pages} onClick={() => onPage(logs.page + 1)}>Older</button>
        </nav>
      ) : null}
    </section>
  );
}
