// The JSON of the sync routes (`/api/sync/*`, camelCase as they answer it) and of the actions.

export type SyncRunStatus = "running" | "success" | "partial" | "error" | "stopped";

export interface SyncSchedule {
  integration: string;
  incrementalMinutes: number;
  fullHour: number;
  fullMinute: number;
  timezone: string;
  paused: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface SyncStreamCounts {
  processed: number;
  created: number;
  updated: number;
  failed: number;
  pages: number;
}

export interface SyncRun {
  id: number;
  integration: string;
  syncType: string;
  trigger: string;
  triggeredBy: string | null;
  status: SyncRunStatus;
  startedAt: string;
  completedAt: string | null;
  durationSeconds: number | null;
  processed: number;
  created: number;
  updated: number;
  failed: number;
  streams: Record<string, SyncStreamCounts>;
  errorMessage: string | null;
  details: { problems?: unknown[]; problems_total?: number; [key: string]: unknown } | null;
  stopRequested: boolean;
}

export interface SyncStatus {
  integration: string;
  running: SyncRun[];
  lock: { expiresAt: string; acquiredAt: string } | null;
  schedule: SyncSchedule;
  streams: Record<string, { cursor: string | null; lastSyncedAt: string | null; checkpoint: unknown }>;
  recent: SyncRun[];
}

export interface SyncLogs {
  items: SyncRun[];
  total: number;
  page: number;
  limit: number;
}

export interface SyncStatistics {
  integration: string;
  days: number;
  runs: number;
  byStatus: Partial<Record<SyncRunStatus, number>>;
  successRate: number | null;
  recordsProcessed: number;
  recordsFailed: number;
  meanDurationSeconds: number | null;
}

export interface SyncQueued {
  integration: string;
  syncType: string;
  jobId: string;
  status: "queued";
}

export type JsonSchema = Record<string, unknown>;

/** One declared operation of `GET /api/v1/integrations/{name}/actions`. */
export interface ActionSpec {
  name: string;
  tool: string;
  description: string;
  writes: boolean;
  cost: number;
  input_schema: JsonSchema;
  output_schema: JsonSchema;
  example: Record<string, unknown> | null;
}

/** What a write answers under `?dry_run=true`: the request it would send. */
export interface DryRunPreview {
  dry_run: true;
  sent: false;
  request: { method: string; url: string; headers: Record<string, string>; json?: unknown };
}
