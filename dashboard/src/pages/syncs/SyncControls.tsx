import { useState } from "react";
import { api } from "../../api/endpoints";
import { ErrorAlert } from "../../components/ErrorAlert";

/** Trigger a sync of one type, stop running syncs (pausing the schedule), or restart. */
export function SyncControls({ integration, types, onDone }: { integration: string; types: string[]; onDone: () => void }) {
  const [syncType, setSyncType] = useState("incremental");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState<unknown>(null);

  async function run(action: () => Promise<string>) {
    setBusy(true);
    setError(null);
    setMessage("");
    try {
      setMessage(await action());
      onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const trigger = () => run(async () => `Queued ${syncType} sync (job ${(await api.syncTrigger(integration, syncType)).jobId}).`);
  const stop = () => run(async () => {
    const answer = await api.syncStop(integration);
    return answer.stopRequested ? "Stopping the running sync at its next batch; schedule paused." : "Nothing was running; schedule paused.";
  });
  const restart = () => run(async () => `Schedule resumed; queued incremental sync (job ${(await api.syncRestart(integration)).jobId}).`);

  return (
    <section aria-labelledby="sync-controls">
      <h2 id="sync-controls">Run</h2>
      <div className="filters">
        <div className="field">
          <label htmlFor="sync-type">Sync type</label>
          <select id="sync-type" name="syncType" value={syncType} onChange={(e) => setSyncType(e.target.value)}>
            {types.map((type) => <option key={type} value={type}>{type}</option>)}
          </select>
        </div>
        <button type="button" onClick={trigger} disabled={busy}>Trigger sync</button>
        <button type="button" className="secondary" onClick={stop} disabled={busy}>Stop</button>
        <button type="button" className="secondary" onClick={restart} disabled={busy}>Restart</button>
      </div>
      {message ? <p role="status" className="notice">{message}</p> : null}
      {error ? <ErrorAlert error={error} integration={integration} /> : null}
    </section>
  );
}
