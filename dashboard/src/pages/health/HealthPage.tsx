import { useState } from "react";
import { api } from "../../api/endpoints";
import type { HealthCheck } from "../../api/types";
import { useLoad } from "../../api/useLoad";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Loading } from "../../components/Loading";
import { Page } from "../../components/Page";
import { StatusBadge } from "../../components/StatusBadge";
import { formatMs, formatPercent, formatTime, hitRate } from "../../format";
import { HealthHistory } from "./HealthHistory";
import { breakerOf, loadHealth, p95Of, rowsOf, successRateOf, type HealthRow } from "./healthRows";

export default function HealthPage() {
  const health = useLoad(() => loadHealth(), []);
  const [checks, setChecks] = useState<Record<string, HealthCheck>>({});
  const [checking, setChecking] = useState<string | null>(null);
  const [checkError, setCheckError] = useState<{ name: string; error: unknown } | null>(null);
  const [historyOf, setHistoryOf] = useState<string | null>(null);
  const [historyVersion, setHistoryVersion] = useState(0);

  async function checkNow(name: string) {
    setChecking(name);
    setCheckError(null);
    try {
      const check = await api.checkNow(name);
      setChecks((current) => ({ ...current, [name]: check }));
      if (historyOf === name) setHistoryVersion((n) => n + 1);
    } catch (error) {
      setCheckError({ name, error });
    } finally {
      setChecking(null);
    }
  }

  const columns: Column<HealthRow>[] = [
    { header: "Integration", render: (row) => <strong>{row.status.integration}</strong> },
    {
      header: "Status",
      render: (row) => {
        const status = row.check?.status ?? row.status.status;
        const reasons = row.check?.reasons ?? row.status.reasons;
        return (
          <>
            <StatusBadge status={status} />
            {reasons.length ? (
              <ul className="reasons">
                {reasons.map((reason) => <li key={reason}>{reason}</li>)}
              </ul>
            ) : null}
          </>
        );
      },
    },
    {
      header: "Breaker",
      render: (row) => {
        const state = breakerOf(row);
        return state ? <StatusBadge status={state} /> : "—";
      },
    },
    {
      header: "Mode",
      render: (row) =>
        row.status.mode === "mock" ? <StatusBadge status="mock" label="mock mode" /> : "live",
    },
    { header: "Success rate", numeric: true, render: (row) => formatPercent(successRateOf(row)) },
    { header: "p95", numeric: true, render: (row) => formatMs(p95Of(row)) },
    {
      header: "Cache hit rate",
      numeric: true,
      render: (row) => {
        if (!row.recent) return "—";
        const { cache_hits: hits, cache_misses: misses } = row.recent;
        return hits + misses === 0 ? "no lookups" : `${formatPercent(hitRate(hits, misses))} (${hits} hits / ${misses} misses)`;
      },
    },
    {
      header: "Checked",
      render: (row) => formatTime(row.check?.checked_at ?? row.status.checked_at),
    },
    {
      header: "Actions",
      render: (row) => {
        const name = row.status.integration;
        return (
          <div className="row-actions">
            <button
              type="button"
              aria-label={`Check now ${name}`}
              onClick={() => checkNow(name)}
              disabled={checking === name}
            >
              {checking === name ? "Checking…" : "Check now"}
            </button>
            <button
              type="button"
              className="secondary"
              aria-label={`History of ${name}`}
              onClick={() => setHistoryOf(name)}
            >
              History
            </button>
          </div>
        );
      },
    },
  ];

  const report = health.data?.report;
  return (
    <Page title="Integration Health" state={health.state}>
      {health.state === "loading" && !health.data ? <Loading what="integration health" /> : null}
      {health.state === "error" ? <ErrorAlert error={health.error} /> : null}
      {report ? (
        <>
          <p className="summary">
            Version {report.version} · database {report.database} · mock mode:{" "}
            {report.mock_mode.length ? report.mock_mode.join(", ") : "none"} · rates and p95 over
            the last hour
          </p>
          {checkError ? (
            <ErrorAlert error={checkError.error} integration={checkError.name} title={`Check of ${checkError.name}`} />
          ) : null}
          <DataTable
            caption="Integrations"
            columns={columns}
            rows={rowsOf(health.data!, checks)}
            rowKey={(row) => row.status.integration}
            empty="No integrations yet"
          />
          {historyOf ? <HealthHistory key={`${historyOf}-${historyVersion}`} name={historyOf} /> : null}
        </>
      ) : null}
    </Page>
  );
}
