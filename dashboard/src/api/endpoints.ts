// Typed calls of every route the dashboard uses (docs/api.md lists them with curl examples).
import { ApiError, request } from "./client";
import type {
  ActionSpec,
  DryRunPreview,
  SyncLogs,
  SyncQueued,
  SyncSchedule,
  SyncStatistics,
  SyncStatus,
} from "./opsTypes";
import type {
  CallDetail,
  CallLog,
  ConfigChange,
  HealthCheck,
  HealthObservation,
  HealthReport,
  IntegrationDetail,
  IntegrationSummary,
  MetricsSeries,
  Page,
  WebhookEvent,
  WebhookEventDetail,
} from "./types";

const V1 = "/api/v1";
const enc = encodeURIComponent;
const integrationPath = (name: string) => `${V1}/integrations/${enc(name)}`;

export const api = {
  health: () => request<HealthReport>(`${V1}/health`),
  integrations: (token?: string) =>
    request<{ items: IntegrationSummary[] }>(`${V1}/integrations`, { token }),
  integration: (name: string) => request<IntegrationDetail>(integrationPath(name)),
  updateIntegration: (name: string, patch: Record<string, unknown>) =>
    request<IntegrationSummary>(integrationPath(name), { method: "PATCH", body: patch }),
  configHistory: (name: string, limit = 20) =>
    request<{ items: ConfigChange[] }>(`${integrationPath(name)}/history`, { query: { limit } }),

  checkNow: (name: string) => request<HealthCheck>(`${integrationPath(name)}/health`),
  healthHistory: (name: string, limit = 20) =>
    request<Page<HealthObservation> & { next_before_id: number | null }>(
      `${integrationPath(name)}/health/history`,
      { query: { limit } },
    ),

  metrics: (name: string, from: string, to: string) =>
    request<MetricsSeries>(`${integrationPath(name)}/metrics`, { query: { from, to } }),
  metricsCsv: (name: string, from: string, to: string) =>
    request<string>(`${integrationPath(name)}/metrics`, {
      query: { from, to, format: "csv" },
      text: true,
    }),

  calls: (name: string, filters: Record<string, string | number | undefined>) =>
    request<Page<CallLog> & { next_cursor: number | null }>(`${integrationPath(name)}/calls`, {
      query: filters,
    }),
  trace: (name: string, traceId: string) =>
    request<{ trace_id: string; items: CallDetail[] }>(
      `${integrationPath(name)}/calls/${enc(traceId)}`,
    ),

  webhookEvents: (filters: Record<string, string | number | undefined>) =>
    request<Page<WebhookEvent> & { next_before_id: number | null }>(`${V1}/webhook-events`, {
      query: filters,
    }),
  webhookEvent: (id: number) => request<WebhookEventDetail>(`${V1}/webhook-events/${id}`),
  retryWebhookEvent: (id: number) =>
    request<{ queued: number }>(`${V1}/webhook-events/${id}/retry`, { method: "POST" }),

  actions: (name: string) =>
    request<{ integration: string; items: ActionSpec[] }>(`${integrationPath(name)}/actions`),
  runAction: (name: string, action: string, input: unknown, dryRun: boolean) =>
    request<unknown>(`${integrationPath(name)}/actions/${enc(action)}`, {
      method: "POST",
      body: input ?? {},
      query: dryRun ? { dry_run: true } : {},
    }) as Promise<DryRunPreview | unknown>,

  /** Integrations with a sync and each one's sync types (full, incremental, its streams). */
  syncIntegrations: async (): Promise<{ items: string[]; sync_types?: Record<string, string[]> }> => {
    try {
      return await request<{ items: string[]; sync_types?: Record<string, string[]> }>("/api/sync/integrations");
    } catch (error) {
      // The route is newer than the sync routes; before it, PracticePanther is the only sync.
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
        return { items: ["practicepanther"] };
      }
      throw error;
    }
  },
  syncStatus: (integration: string) =>
    request<SyncStatus>("/api/sync/status", { query: { integration } }),
  syncLogs: (integration: string, page: number, limit = 10) =>
    request<SyncLogs>("/api/sync/logs", { query: { integration, page, limit } }),
  syncStatistics: (integration: string) =>
    request<SyncStatistics>("/api/sync/statistics", { query: { integration } }),
  syncTrigger: (integration: string, syncType: string) =>
    request<SyncQueued>("/api/sync/trigger", {
      method: "POST",
      query: { integration },
      body: { syncType },
    }),
  syncSchedule: (integration: string, schedule: Partial<SyncSchedule>) =>
    request<SyncSchedule>("/api/sync/schedule", {
      method: "PUT",
      query: { integration },
      body: schedule,
    }),
  syncStop: (integration: string) =>
    request<{ stopRequested: boolean; schedulePaused: boolean }>("/api/sync/stop", {
      method: "POST",
      query: { integration },
    }),
  syncRestart: (integration: string) =>
    request<SyncQueued>("/api/sync/restart", { method: "POST", query: { integration } }),
};
