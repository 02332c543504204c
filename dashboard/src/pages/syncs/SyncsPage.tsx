import { useState } from "react";
import { api } from "../../api/endpoints";
import { useLoad } from "../../api/useLoad";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Loading } from "../../components/Loading";
import { combine, Page } from "../../components/Page";
import { ScheduleForm } from "./ScheduleForm";
import { SyncControls } from "./SyncControls";
import { SyncRuns } from "./SyncRuns";
import { SyncSummary } from "./SyncSummary";

export default function SyncsPage() {
  const names = useLoad(() => api.syncIntegrations(), []);
  const [picked, setPicked] = useState("");
  const integration = picked || names.data?.items[0] || "";
  const [page, setPage] = useState(1);
  const [scheduleNote, setScheduleNote] = useState("");
  const overview = useLoad(async () => {
    if (!integration) return undefined;
    const [status, statistics] = await Promise.all([api.syncStatus(integration), api.syncStatistics(integration)]);
    return { status, statistics };
  }, [integration]);
  const logs = useLoad(() => (integration ? api.syncLogs(integration, page) : Promise.resolve(undefined)), [integration, page]);
  const refresh = () => { setScheduleNote(""); overview.reload(); logs.reload(); };

  const state = names.data ? combine(overview.state, logs.state) : names.state;
  const types = names.data?.sync_types?.[integration]
    ?? ["full", "incremental", ...Object.keys(overview.data?.status.streams ?? {})];
  return (
    <Page title="Syncs" state={state}>
      {names.state === "error" ? <ErrorAlert error={names.error} /> : null}
      {names.data?.items.length === 0 ? <p className="empty">No integration with a sync yet.</p> : null}
      {names.data && names.data.items.length > 0 ? (
        <div className="filters">
          <div className="field">
            <label htmlFor="sync-integration">Integration</label>
            <select id="sync-integration" name="integration" value={integration}
              onChange={(e) => { setPicked(e.target.value); setPage(1); }}>
              {names.data.items.map((name) => <option key={name} value={name}>{name}</option>)}
            </select>
          </div>
          <button type="button" className="secondary" onClick={refresh}>Refresh</button>
        </div>
      ) : null}
      {state === "loading" && !overview.data ? <Loading what="syncs" /> : null}
      {overview.state === "error" ? <ErrorAlert error={overview.error} integration={integration} /> : null}
      {logs.state === "error" ? <ErrorAlert error={logs.error} integration={integration} /> : null}
      {integration ? <SyncControls integration={integration} types={types} onDone={refresh} /> : null}
      {overview.data ? (
        <>
          <SyncSummary status={overview.data.status} statistics={overview.data.statistics} />
          <section aria-labelledby="sync-schedule">
            <h2 id="sync-schedule">Schedule</h2>
            {scheduleNote ? <p role="status" className="notice">{scheduleNote}</p> : null}
            <ScheduleForm key={`${integration}:${overview.data.status.schedule.updatedAt}`} schedule={overview.data.status.schedule}
              onSaved={(saved) => { setScheduleNote(`Schedule saved by ${saved.updatedBy ?? "you"}.`); overview.reload(); }} />
          </section>
        </>
      ) : null}
      {logs.data ? <SyncRuns logs={logs.data} onPage={setPage} /> : null}
    </Page>
  );
}
