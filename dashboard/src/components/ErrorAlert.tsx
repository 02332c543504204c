import { Link } from "react-router";
import { ApiError } from "../api/client";

/** Where the call log shows the calls made under `traceId`. */
export function traceHref(traceId: string, integration?: string | null): string {
  const query = integration ? `?integration=${encodeURIComponent(integration)}` : "";
  return `/calls/${encodeURIComponent(traceId)}${query}`;
}

interface Props {
  error: unknown;
  /** The integration the page was working on, when the error does not name one. */
  integration?: string | null;
  title?: string;
}

/** An API error as the API said it, with a link to the calls made under its trace id. */
export function ErrorAlert({ error, integration, title }: Props) {
  const apiError = error instanceof ApiError ? error : null;
  const message = apiError?.message ?? (error instanceof Error ? error.message : String(error));
  const name = apiError?.integration ?? integration ?? null;
  return (
    <div role="alert" className="alert">
      <p>
        {title ? <strong>{title}: </strong> : null}
        {message}
        {apiError && apiError.status > 0 ? <span className="muted"> (HTTP {apiError.status})</span> : null}
      </p>
      {apiError?.traceId ? (
        <p>
          <Link to={traceHref(apiError.traceId, name)}>Calls of trace {apiError.traceId}</Link>
        </p>
      ) : null}
    </div>
  );
}
