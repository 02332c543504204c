import { useState } from "react";
import { useSearchParams } from "react-router";
import { api } from "../../api/endpoints";
import { useLoad } from "../../api/useLoad";
import { ErrorAlert } from "../../components/ErrorAlert";
import { defaultIntegration, IntegrationSelect } from "../../components/IntegrationSelect";
import { Loading } from "../../components/Loading";
import { combine, Page } from "../../components/Page";
import { downloadText } from "../../download";
import { MetricsCharts } from "./MetricsCharts";
import { MetricsTotals, WindowsTable } from "./MetricsTotals";
import { boundsOf, RANGES, rangeOf } from "./ranges";

/** `Charts` is replaceable so page tests need not lay out Recharts in jsdom (seconds per render);
 * MetricsCharts.test.tsx tests the real charts. */
export default function MetricsPage({ Charts = MetricsCharts }: { Charts?: typeof MetricsCharts }) {
  const [params, setParams] = useSearchParams();
  const integrations = useLoad(() => api.integrations(), []);
  const names = integrations.data?.items ?? [];
  const integration = params.get("integration") || defaultIntegration(names);
  const range = rangeOf(params.get("range")).value;
  const series = useLoad(async () => {
    if (!integration) return undefined;
    const { from, to } = boundsOf(range);
    return api.metrics(integration, from, to);
  }, [integration, range]);
  const [exportError, setExportError] = useState<unknown>(null);

  function pick(key: "integration" | "range", value: string) {
    const next = new URLSearchParams(params);
    next.set(key, value);
    if (key === "range" && !next.get("integration")) next.set("integration", integration);
    setParams(next, { replace: true });
  }

  async function exportCsv() {
    setExportError(null);
    try {
      const { from, to } = boundsOf(range);
      downloadText(`${integration}-metrics-${range}.csv`, await api.metricsCsv(integration, from, to), "text/csv");
    } catch (error) {
      setExportError(error);
    }
  }

  function exportJson() {
    if (series.data) {
      downloadText(`${integration}-metrics-${range}.json`, JSON.stringify(series.data, null, 2), "application/json");
    }
  }

  const state = combine(integrations.state, integrations.data ? series.state : "loading");
  const windows = series.data?.items ?? [];
  return (
    <Page title="Integration Metrics" state={integrations.state === "error" ? "error" : state}>
      {integrations.state === "error" ? <ErrorAlert error={integrations.error} /> : null}
      {integrations.data ? (
        <form className="filters" onSubmit={(event) => { event.preventDefault(); series.reload(); }}>
          <IntegrationSelect id="metrics-integration" integrations={names} value={integration} onChange={(name) => pick("integration", name)} />
          <div className="field">
            <label htmlFor="metrics-range">Time range</label>
            <select id="metrics-range" name="range" value={range} onChange={(event) => pick("range", event.target.value)}>
              {RANGES.map((option) => <option key={option.value} value={option.value}>{option.label}</option>)}
            </select>
          </div>
          <button type="submit">Refresh</button>
          <button type="button" className="secondary" onClick={exportCsv} disabled={!series.data}>Export CSV</button>
          <button type="button" className="secondary" onClick={exportJson} disabled={!series.data}>Export JSON</button>
        </form>
      ) : null}
      {state === "loading" ? <Loading what="metrics" /> : null}
      {series.state === "error" ? <ErrorAlert error={series.error} integration={integration} /> : null}
      {exportError ? <ErrorAlert error={exportError} integration={integration} title="Export" /> : null}
      {series.state === "ready" && series.data ? (
        windows.length === 0 ? (
          <p className="empty">No metrics yet for {integration} in this range.</p>
        ) : (
          <>
            <MetricsTotals totals={series.data.totals} />
            <Charts windows={windows} range={range} />
            <WindowsTable windows={windows} />
          </>
        )
      ) : null}
    </Page>
  );
}
