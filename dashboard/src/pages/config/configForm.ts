// The Configuration form's values, keyed by the API's field paths (the names a 422 uses), and
// the partial PATCH body built from what changed.
import type { IntegrationConfig } from "../../api/types";

export const NUMBER_FIELDS = [
  { name: "cache_ttl_seconds", label: "Cache TTL (seconds)" },
  { name: "timeout_seconds", label: "Timeout (seconds)" },
  { name: "retry.max_attempts", label: "Retry: max attempts" },
  { name: "retry.base_seconds", label: "Retry: base delay (seconds)" },
  { name: "retry.cap_seconds", label: "Retry: max delay (seconds)" },
  { name: "circuit.failure_threshold", label: "Breaker: failures to open" },
  { name: "circuit.reset_timeout_seconds", label: "Breaker: reset after (seconds)" },
] as const;

export const LOG_LEVELS = ["", "DEBUG", "INFO", "WARNING", "ERROR"] as const;

export interface RateLimitRow {
  limit: string;
  period_seconds: string;
}

export interface FormValues {
  enabled: boolean;
  mock: boolean;
  numbers: Record<string, string>;
  log_level: string;
  rate_limits: RateLimitRow[];
}

function valueAt(config: IntegrationConfig, path: string): unknown {
  return path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | null)?.[key], config);
}

export function valuesOf(config: IntegrationConfig): FormValues {
  const numbers: Record<string, string> = {};
  for (const field of NUMBER_FIELDS) {
    const value = valueAt(config, field.name);
    numbers[field.name] = value === null || value === undefined ? "" : String(value);
  }
  return {
    enabled: config.enabled,
    mock: config.mode === "mock",
    numbers,
    log_level: (config.log_level ?? "").toUpperCase(),
    rate_limits: config.rate_limits.map((rule) => ({
      limit: String(rule.limit),
      period_seconds: String(rule.period_seconds),
    })),
  };
}

/** "" resets the field to the connector's own value (null); text that is not a number goes as
 * typed, so the server names the field instead of the dashboard guessing. */
export function parseNumber(text: string): number | string | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] = (node[key] as Record<string, unknown> | undefined) ?? {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** Only what changed, nested as the PATCH route takes it (`{"retry": {"max_attempts": 4}}`). */
export function patchOf(before: FormValues, after: FormValues): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (before.enabled !== after.enabled) patch.enabled = after.enabled;
  if (before.mock !== after.mock) patch.mode = after.mock ? "mock" : "live";
  for (const field of NUMBER_FIELDS) {
    const value = after.numbers[field.name];
    if (value !== before.numbers[field.name]) setPath(patch, field.name, parseNumber(value));
  }
  if (before.log_level !== after.log_level) patch.log_level = after.log_level || null;
  if (JSON.stringify(before.rate_limits) !== JSON.stringify(after.rate_limits)) {
    patch.rate_limits = after.rate_limits.map((rule) => ({
      limit: parseNumber(rule.limit),
      period_seconds: parseNumber(rule.period_seconds),
    }));
  }
  return patch;
}
