// The JSON the API answers, as the routes under src/integrations/api/routes/ build it.

export type HealthStatus = "healthy" | "degraded" | "unhealthy" | "unknown" | "disabled";
export type CircuitState = "closed" | "open" | "half_open";

/** `GET /api/v1/health`: one item of `integrations`. */
export interface IntegrationStatus {
  integration: string;
  enabled: boolean;
  mode: "live" | "mock";
  status: HealthStatus;
  reasons: string[];
  checked_at: string | null;
  source: string | null;
  circuit_state?: CircuitState | null; // absent from servers older than this dashboard
  latency_ms?: number | null;
}

export interface HealthReport {
  status: "ok" | "error";
  version: string;
  database: string;
  mock_mode: string[];
  integrations?: IntegrationStatus[];
}

/** `GET /api/v1/integrations/{name}/health`: a check made now. */
export interface HealthCheck {
  integration: string;
  status: HealthStatus;
  reasons: string[];
  checked_at: string;
  circuit_state: CircuitState | null;
  latency_ms: number | null;
  error_rate: number | null;
  p95_ms: number | null;
  headroom: number | null;
  is_mock: boolean;
}

export interface HealthObservation {
  id: number;
  integration: string;
  status: HealthStatus;
  source: "check" | "circuit";
  circuit_state: CircuitState | null;
  latency_ms: number | null;
  message: string | null;
  reasons: string[];
  checked_at: string;
}

export interface RateLimit {
  limit: number;
  period_seconds: number;
}

export interface IntegrationConfig {
  integration: string;
  enabled: boolean;
  mode: "live" | "mock";
  base_url: string | null;
  timeout_seconds: number;
  rate_limits: RateLimit[];
  cache_ttl_seconds: number;
  retry: { max_attempts: number; base_seconds: number; cap_seconds: number };
  circuit: { failure_threshold: number; reset_timeout_seconds: number };
  log_level: string | null;
  options: Record<string, unknown>;
  credentials: Record<string, "set" | "unset">;
  version: number;
  updated_by: string;
  updated_at: string | null;
}

export interface IntegrationSummary {
  name: string;
  title: string;
  summary: string;
  config: IntegrationConfig;
}

export interface EffectiveSetting {
  setting: string;
  value: unknown;
  text: string;
  source: string;
}

export interface IntegrationDetail extends IntegrationSummary {
  call_settings: { settings: EffectiveSetting[]; note: string | null } | null;
  health: HealthObservation | null;
}

export interface ConfigChange {
  version: number;
  changed_by: string;
  changed_at: string;
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
}

/** One window of `GET /api/v1/integrations/{name}/metrics` (and its `totals`). */
export interface MetricWindow {
  window_start: string;
  window_seconds: number;
  calls: number;
  successes: number;
  failures: number;
  success_rate: number | null;
  error_rate: number | null;
  retries: number;
  rate_limit_waits: number;
  rate_limited: number;
  cache_hits: number;
  cache_misses: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  errors: Record<string, number>;
}

export interface MetricsSeries {
  integration: string;
  operation: string;
  from: string;
  to: string;
  items: MetricWindow[];
  totals: MetricWindow;
}

export interface CallLog {
  id: number;
  trace_id: string;
  integration: string;
  operation: string;
  method: string;
  url: string;
  status_code: number | null;
  success: boolean;
  duration_ms: number;
  retry_count: number;
  cache_hit: boolean;
  is_mock: boolean;
  error_class: string | null;
  error_message: string | null;
  created_at: string;
}

export interface CallDetail extends CallLog {
  request_summary: {
    headers: Record<string, string>;
    body_bytes: number;
    body: string;
    attempts?: string[];
  } | null;
  response_summary: { status: number; content_type: string | null; body_bytes: number; body: string } | null;
  // Absent from servers before these were recorded; `breaker` is null when no attempt reached
  // the breaker (a cache hit). `decisions` has one entry per attempt.
  breaker?: { state: CircuitState | null; refused: boolean; decisions?: ("admitted" | "trial" | "refused")[] } | null;
  limiter?: { waits: number; wait_seconds: number } | null;
}

export type WebhookStatus = "pending" | "processing" | "processed" | "dead";

export interface WebhookEvent {
  id: number;
  integration: string;
  event_id: string;
  event_type: string | null;
  status: WebhookStatus;
  attempts: number;
  received_at: string;
  processed_at: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
}

export interface WebhookAttempt {
  attempt: number;
  at: string;
  outcome: "processed" | "retry" | "dead" | string;
  error?: string;
  next_attempt_at?: string | null;
}

export interface WebhookEventDetail extends WebhookEvent {
  signature_valid: boolean | null;
  headers: Record<string, string>;
  payload: string;
  attempt_log: WebhookAttempt[];
  trace_id: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}
