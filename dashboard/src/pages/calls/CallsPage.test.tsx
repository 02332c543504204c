import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { callPage, failedCall, okCall } from "../../test/fixtures/calls";
import { integrationList } from "../../test/fixtures/integrations";
import { mockApi, pending } from "../../test/mockApi";
import { renderAt } from "../../test/render";
import CallsPage from "./CallsPage";

const base = {
  "GET /api/v1/integrations": { body: integrationList },
  "GET /api/v1/integrations/pandadoc/calls": { body: callPage([failedCall, okCall]) },
};

describe("CallsPage", () => {
  it("shows loading, then the call log of the integration in the URL", async () => {
    mockApi({ ...base, "GET /api/v1/integrations/pandadoc/calls": [pending()] });
    const first = renderAt(<CallsPage />, "/calls?integration=pandadoc");
    expect(await screen.findByRole("status")).toHaveTextContent(/^Loading calls/);
    first.unmount();
    mockApi(base);
    renderAt(<CallsPage />, "/calls?integration=pandadoc");
    const table = await screen.findByRole("table", { name: "Calls of pandadoc" });
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "ready");
    expect(table).toHaveTextContent("NotFoundError: pandadoc: 404 the resource was not found");
    expect(within(table).getAllByRole("link")[0]).toHaveAttribute("href", `/calls/${failedCall.trace_id}?integration=pandadoc`);
  });

  it("sends the filters", async () => {
    const api = mockApi(base);
    const { user } = renderAt(<CallsPage />, "/calls?integration=pandadoc");
    await screen.findByRole("table", { name: "Calls of pandadoc" });
    await user.selectOptions(screen.getByLabelText("Outcome"), "failure");
    await user.type(screen.getByLabelText("Operation"), "get_document_status");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    await screen.findByRole("table", { name: "Calls of pandadoc" });
    const query = api.to("GET", "/api/v1/integrations/pandadoc/calls").at(-1)!.query;
    expect(query.get("status")).toBe("failure");
    expect(query.get("operation")).toBe("get_document_status");
  });

  it("opens a call by trace id", async () => {
    mockApi(base);
    const { user } = renderAt(<CallsPage />, "/calls?integration=pandadoc", "/calls");
    await screen.findByRole("table", { name: "Calls of pandadoc" });
    await user.type(screen.getByLabelText("Trace id"), "abc123");
    await user.click(screen.getByRole("button", { name: "Open trace" }));
    expect(await screen.findByTestId("location")).toHaveTextContent("/calls/abc123?integration=pandadoc");
  });

  it("says so when there is no call, and shows API errors", async () => {
    mockApi({ ...base, "GET /api/v1/integrations/pandadoc/calls": { body: callPage([]) } });
    const first = renderAt(<CallsPage />, "/calls?integration=pandadoc");
    expect(await screen.findByText("No calls of pandadoc yet")).toBeInTheDocument();
    first.unmount();
    mockApi({
      ...base,
      "GET /api/v1/integrations/pandadoc/calls": { status: 422, body: { error: { code: "validation_error", message: "invalid request: until", trace_id: "6eb7a14b", errors: [{ field: "until", reason: "must be after the start", type: "value_error" }] } } },
    });
    renderAt(<CallsPage />, "/calls?integration=pandadoc");
    expect(await screen.findByRole("alert")).toHaveTextContent("invalid request: until");
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "error");
  });
});
