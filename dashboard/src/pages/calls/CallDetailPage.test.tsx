import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { failedTrace, retriedTrace } from "../../test/fixtures/calls";
import { integrationList } from "../../test/fixtures/integrations";
import { mockApi, pending } from "../../test/mockApi";
import { renderAt } from "../../test/render";
import CallDetailPage from "./CallDetailPage";

const route = "/calls/:traceId";

describe("CallDetailPage", () => {
  it("shows loading, then the request and response summary of a failed call", async () => {
    mockApi({ [`GET /api/v1/integrations/pandadoc/calls/${failedTrace.trace_id}`]: [pending()] });
    const first = renderAt(<CallDetailPage />, `/calls/${failedTrace.trace_id}?integration=pandadoc`, route);
    expect(await screen.findByRole("status")).toHaveTextContent(/^Loading/);
    first.unmount();
    mockApi({ [`GET /api/v1/integrations/pandadoc/calls/${failedTrace.trace_id}`]: { body: failedTrace } });
    renderAt(<CallDetailPage />, `/calls/${failedTrace.trace_id}?integration=pandadoc`, route);
    const call = await screen.findByRole("region", { name: /get_document_status/ });
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "ready");
    expect(call).toHaveTextContent("GET https://api.pandadoc.com/public/v1/documents/nonexistentdoc12345678");
    expect(call).toHaveTextContent("NotFoundError: pandadoc: 404 the resource was not found: Not found");
    expect(within(call).getByLabelText("Response body of call 11")).toHaveTextContent('"detail": "Not found"');
    expect(call).toHaveTextContent("Answered at the first attempt.");
    expect(call).toHaveTextContent("not held back by our rate limiter");
  });

  it("lists retries with their reasons and the breaker and limiter decisions", async () => {
    mockApi({ [`GET /api/v1/integrations/pandadoc/calls/${retriedTrace.trace_id}`]: { body: retriedTrace } });
    renderAt(<CallDetailPage />, `/calls/${retriedTrace.trace_id}?integration=pandadoc`, route);
    const call = await screen.findByRole("region", { name: /create_document/ });
    const retries = within(call).getAllByRole("listitem").map((item) => item.textContent);
    expect(retries).toEqual(["status 503: backoff 0.84s", "status 429: server asks 1.00s"]);
    expect(call).toHaveTextContent("breaker closed: let the call through (per attempt: admitted, admitted, admitted)");
    expect(call).toHaveTextContent("held back 1 time(s), 0.25 s in all");
    expect(within(call).getByRole("table", { name: "Request headers of call 14" })).toHaveTextContent("authorization***");
  });

  it("reads the breaker's part from the error on servers that do not record it", async () => {
    const { breaker: _b, limiter: _l, ...old } = failedTrace.items[0];
    const refused = { ...old, error_class: "CircuitOpenError", status_code: null, response_summary: null };
    mockApi({ [`GET /api/v1/integrations/pandadoc/calls/${failedTrace.trace_id}`]: { body: { ...failedTrace, items: [refused] } } });
    renderAt(<CallDetailPage />, `/calls/${failedTrace.trace_id}?integration=pandadoc`, route);
    const call = await screen.findByRole("region", { name: /get_document_status/ });
    expect(call).toHaveTextContent("the open breaker refused the call; it never reached the vendor");
    expect(call).toHaveTextContent("our limiter's waits are not recorded for this call");
  });

  it("searches every integration when the link names none", async () => {
    const api = mockApi({
      "GET /api/v1/integrations": { body: integrationList },
      [`GET /api/v1/integrations/pandadoc/calls/${failedTrace.trace_id}`]: { body: failedTrace },
    });
    renderAt(<CallDetailPage />, `/calls/${failedTrace.trace_id}`, route);
    expect(await screen.findByRole("region", { name: /get_document_status/ })).toBeInTheDocument();
    expect(api.to("GET", `/api/v1/integrations/email/calls/${failedTrace.trace_id}`)).toHaveLength(1);
  });

  it("says so when no call carries the trace id", async () => {
    mockApi({
      "GET /api/v1/integrations/mock/calls/nope": {
        status: 404, body: { error: { code: "not_found", message: "no call of mock with trace id nope", trace_id: "x1" } },
      },
    });
    renderAt(<CallDetailPage />, "/calls/nope?integration=mock", route);
    expect(await screen.findByText(/No outbound call under this trace id yet for mock/)).toBeInTheDocument();
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "ready");
  });
});
