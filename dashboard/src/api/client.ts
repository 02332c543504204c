// The one way the dashboard talks to the API: fetch with the admin bearer token, JSON in and
// out, and every failure turned into an `ApiError` that carries what the API said.
import { clearToken, readToken } from "../auth/token";

/** One invalid field of a 422 `validation_error` (`errors: [{field, reason, type}]`). */
export interface FieldProblem {
  field: string;
  reason: string;
  type?: string;
}

/** A failed request: HTTP status, the API's code and message, its trace id and the fields it names. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly traceId: string | null;
  readonly integration: string | null;
  readonly fields: FieldProblem[];
  /** The parsed body when it was not the API's error envelope (a 503 health report). */
  readonly body: unknown;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { traceId?: string | null; integration?: string | null; fields?: FieldProblem[]; body?: unknown } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.traceId = extra.traceId ?? null;
    this.integration = extra.integration ?? null;
    this.fields = extra.fields ?? [];
    this.body = extra.body;
  }

  /** The reason the API gave for `field`, if it named it. */
  fieldReason(field: string): string | undefined {
    return this.fields.find((problem) => problem.field === field)?.reason;
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  query?: Query;
  body?: unknown;
  /** Answer the body as text (CSV export) instead of parsing JSON. */
  text?: boolean;
  /** Use this token instead of the stored one (sign-in checks a token before keeping it). */
  token?: string;
  signal?: AbortSignal;
}

const listeners = new Set<() => void>();

/** Called when the API refuses the stored token (401), after it has been dropped. */
export function onUnauthorized(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function buildUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function toError(response: Response): Promise<ApiError> {
  let parsed: unknown = null;
  try {
    parsed = await response.json();
  } catch {
    // A proxy's HTML page or an empty body: the status line is all there is.
  }
  const error = (parsed as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error !== "object") {
    const detail = (parsed as { detail?: unknown } | null)?.detail;
    const text = typeof detail === "string" ? detail : `${response.status} ${response.statusText || "request failed"}`;
    return new ApiError(response.status, "http_error", text, { body: parsed });
  }
  const fields = Array.isArray(error.errors) ? (error.errors as FieldProblem[]) : [];
  return new ApiError(
    response.status,
    String(error.code ?? "error"),
    String(error.message ?? response.statusText),
    {
      traceId: typeof error.trace_id === "string" ? error.trace_id : null,
      integration: typeof error.integration === "string" ? error.integration : null,
      fields,
    },
  );
}

/** Call the API; resolves to the parsed JSON (or text), rejects with an `ApiError`. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const token = options.token ?? readToken();
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "network_error", "the API could not be reached");
  }
  if (!response.ok) {
    const error = await toError(response);
    if (response.status === 401 && options.token === undefined) {
      clearToken();
      listeners.forEach((listener) => listener());
    }
    throw error;
  }
  if (options.text) return (await response.text()) as T;
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
