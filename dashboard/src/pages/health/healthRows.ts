// The Health page's rows: the newest stored status, overlaid by a check made from the page,
// with the last hour's call metrics.
import { ApiError } from "../../api/client";
import { api } from "../../api/endpoints";
import type { HealthCheck, HealthReport, IntegrationStatus, MetricWindow } from "../../api/types";

export const RECENT_HOURS = 1;

export interface HealthRow {
  status: IntegrationStatus;
  check?: HealthCheck;
  recent?: MetricWindow;
}

export interface HealthData {
  report: HealthReport;
  recent: Record<string, MetricWindow>;
}

/** `/api/v1/health`, then the last hour's metric totals of each enabled integration. */
export async function loadHealth(now: Date = new Date()): Promise<HealthData> {
  const report = await api.health().catch((error: unknown) => {
    throw notReady(error) ?? error;
  });
  const from = new Date(now.getTime() - RECENT_HOURS * 3600_000).toISOString();
  const to = now.toISOString();
  const enabled = (report.integrations ?? []).filter((item) => item.enabled);
  const answers = await Promise.allSettled(
    enabled.map((item) => api.metrics(item.integration, from, to)),
  );
  const recent: Record<string, MetricWindow> = {};
  answers.forEach((answer, index) => {
    // A metrics failure leaves the cells empty; the status itself still shows.
    if (answer.status === "fulfilled") recent[enabled[index].integration] = answer.value.totals;
  });
  return { report, recent };
}

export function rowsOf(data: HealthData, checks: Record<string, HealthCheck>): HealthRow[] {
  return (data.report.integrations ?? []).map((status) => ({
    status,
    check: checks[status.integration],
    recent: data.recent[status.integration],
  }));
}

export function breakerOf(row: HealthRow): string | null {
  return row.check?.circuit_state ?? row.status.circuit_state ?? null;
}

export function successRateOf(row: HealthRow): number | null {
  if (row.check && row.check.error_rate !== null) return 1 - row.check.error_rate;
  return row.recent?.calls ? row.recent.success_rate : null;
}

export function p95Of(row: HealthRow): number | null {
  return row.check?.p95_ms ?? row.recent?.p95_ms ?? null;
}

/** A 503 answers the health report itself (not an error body): say what is not ready. */
function notReady(error: unknown): ApiError | null {
  if (!(error instanceof ApiError) || error.status !== 503) return null;
  const report = error.body as Partial<HealthReport> & { migration?: { current: string | null; head: string } } | null;
  if (!report || report.status !== "error") return null;
  const migration = report.migration;
  const parts = [
    report.database !== "ok" ? `the database: ${report.database}` : null,
    migration && migration.current !== migration.head
      ? `the database schema is at ${migration.current ?? "nothing"}, this version needs ${migration.head} (run integrations db upgrade, or restart integrations serve)`
      : null,
  ].filter(Boolean);
  return new ApiError(503, "not_ready", `The server is not ready: ${parts.join("; ") || "see /api/v1/health"}.`);
}
