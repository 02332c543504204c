import type { SyncStatistics, SyncStatus } from "../../api/opsTypes";
import { DataTable } from "../../components/DataTable";
import { StatusBadge } from "../../components/StatusBadge";
import { formatPercent, formatTime } from "../../format";

/** What runs now, the schedule, each stream's cursor, and the last 30 days in figures. */
/** A stream's checkpoint as an operator reads it: where an unfinished full pass resumes, or
 * the run whose full pass finished it (a full run resuming that run reads only changes). */
function checkpointText(checkpoint: unknown): string {
  if (!checkpoint || typeof checkpoint !== "object") return "—";
  const { full_high_water: highWater, full_done_run_id: doneIn } = checkpoint as Record<string, unknown>;
  if (typeof highWater === "string") return `resumable from ${formatTime(highWater)}`;
  if (typeof doneIn === "number") return `full pass done (run ${doneIn})`;
  return "—";
}

export function SyncSummary({ status, statistics }: { status: SyncStatus; statistics: SyncStatistics }) {
  const { schedule } = status;
  const streams = Object.entries(status.streams);
  const figures: [string, string][] = [
    ["Runs (30 days)", String(statistics.runs)],
    ["Success rate", formatPercent(statistics.successRate)],
    ["Records processed", String(statistics.recordsProcessed)],
    ["Records failed", String(statistics.recordsFailed)],
    ["Mean duration", statistics.meanDurationSeconds === null ? "—" : `${statistics.meanDurationSeconds.toFixed(1)} s`],
    ...Object.entries(statistics.byStatus).map(([name, count]): [string, string] => [`Runs ${name}`, String(count)]),
  ];
  return (
    <section aria-labelledby="sync-status">
      <h2 id="sync-status">Status</h2>
      {status.running.length ? (
        <ul>
          {status.running.map((run) => (
            <li key={run.id}>
              <StatusBadge status="running" /> {run.syncType} sync since {formatTime(run.startedAt)}
              {run.stopRequested ? " (stop requested)" : ""}
            </li>
          ))}
        </ul>
      ) : (
        <p>No sync running.{status.lock ? ` Lock held until ${formatTime(status.lock.expiresAt)}.` : ""}</p>
      )}
      <p>
        Schedule: {schedule.paused ? <StatusBadge status="stopped" label="paused" /> : <StatusBadge status="success" label="active" />}{" "}
        incremental every {schedule.incrementalMinutes} min, full daily at{" "}
        {String(schedule.fullHour).padStart(2, "0")}:{String(schedule.fullMinute).padStart(2, "0")} ({schedule.timezone})
      </p>
      <DataTable caption="Streams" rows={streams} rowKey={([name]) => name} empty="No stream has synced yet"
        columns={[
          { header: "Stream", render: ([name]) => name },
          { header: "Cursor", render: ([, s]) => s.cursor ?? "—" },
          { header: "Last synced", render: ([, s]) => formatTime(s.lastSyncedAt) },
          { header: "Checkpoint", render: ([, s]) => checkpointText(s.checkpoint) },
        ]} />
      <h2>Statistics</h2>
      <dl className="figures">
        {figures.map(([label, value]) => (
          <div key={label}><dt>{label}</dt><dd>{value}</dd></div>
        ))}
      </dl>
    </section>
  );
}
