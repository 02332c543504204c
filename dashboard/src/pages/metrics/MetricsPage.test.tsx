import { screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { metricWindow, metricsSeries } from "../../test/fixtures/health";
import { integrationList } from "../../test/fixtures/integrations";
import { mockApi, pending } from "../../test/mockApi";
import { renderAt } from "../../test/render";
import MetricsPage from "./MetricsPage";

// Recharts takes seconds to lay out in jsdom; MetricsCharts.test.tsx renders the real charts once.
const ChartsStub = ({ windows }: { windows: unknown[] }) => <p>charts of {windows.length} windows</p>;
const Metrics = () => <MetricsPage Charts={ChartsStub} />;

const windows = [
  metricWindow({ window_start: "2026-12-07T15:00:00+00:00", calls: 4, successes: 4, failures: 0, success_rate: 1, errors: {} }),
  metricWindow({ window_start: "2026-12-07T15:05:00+00:00", rate_limit_waits: 2, rate_limited: 1 }),
];
// jsdom's Blob has no text(); its FileReader reads it.
function readBlob(blob: Blob): Promise<string> {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.readAsText(blob);
  });
}

const csv = "window_start,window_seconds,operation,calls\n2026-12-07T15:10:00+00:00,300,*,3\n";

describe("MetricsPage", () => {
  let saved: Blob[];
  beforeEach(() => {
    saved = [];
    URL.createObjectURL = vi.fn((blob: Blob) => { saved.push(blob); return "blob:export"; });
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => {
    Reflect.deleteProperty(URL, "createObjectURL");
    Reflect.deleteProperty(URL, "revokeObjectURL");
  });

  it("shows loading while the metrics load", async () => {
    mockApi({ "GET /api/v1/integrations": { body: integrationList }, "GET /api/v1/integrations/mock/metrics": pending() });
    renderAt(<Metrics />);
    expect(await screen.findByRole("status")).toHaveTextContent(/^Loading metrics/);
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "loading");
  });

  it("charts the first enabled integration's last 24 hours with totals", async () => {
    const api = mockApi({
      "GET /api/v1/integrations": { body: integrationList },
      "GET /api/v1/integrations/mock/metrics": { body: metricsSeries("mock", windows) },
    });
    renderAt(<Metrics />);
    expect(await screen.findByRole("heading", { name: "Totals over the range" })).toBeInTheDocument();
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "ready");
    expect(screen.getByText("charts of 2 windows")).toBeInTheDocument();
    const query = api.to("GET", "/api/v1/integrations/mock/metrics")[0].query;
    expect(Date.parse(query.get("to")!) - Date.parse(query.get("from")!)).toBe(24 * 3600_000);
    const table = screen.getByRole("table", { name: "Metric windows" });
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(screen.getByText("Failures by error: NotFoundError 1")).toBeInTheDocument();
  });

  it("filters by integration and time range", async () => {
    const api = mockApi({
      "GET /api/v1/integrations": { body: integrationList },
      "GET /api/v1/integrations/mock/metrics": { body: metricsSeries("mock", windows) },
      "GET /api/v1/integrations/pandadoc/metrics": { body: metricsSeries("pandadoc", windows) },
    });
    const { user } = renderAt(<Metrics />);
    await screen.findByRole("heading", { name: "Totals over the range" });
    await user.selectOptions(screen.getByLabelText("Integration"), "pandadoc");
    await user.selectOptions(screen.getByLabelText("Time range"), "7d");
    await waitFor(() => expect(api.to("GET", "/api/v1/integrations/pandadoc/metrics")).toHaveLength(2));
    const last = api.to("GET", "/api/v1/integrations/pandadoc/metrics")[1].query;
    expect(Date.parse(last.get("to")!) - Date.parse(last.get("from")!)).toBe(7 * 24 * 3600_000);
  });

  it("exports the range as CSV from the API and as JSON", async () => {
    const api = mockApi({
      "GET /api/v1/integrations": { body: integrationList },
      "GET /api/v1/integrations/mock/metrics": [{ body: metricsSeries("mock", windows) }, { text: csv }],
    });
    const { user } = renderAt(<Metrics />);
    await screen.findByRole("heading", { name: "Totals over the range" });
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(api.to("GET", "/api/v1/integrations/mock/metrics")[1].query.get("format")).toBe("csv");
    expect(await readBlob(saved[0])).toBe(csv);
    await user.click(screen.getByRole("button", { name: "Export JSON" }));
    expect(JSON.parse(await readBlob(saved[1])).items).toHaveLength(2);
  });

  it("says so when the range has no calls", async () => {
    mockApi({
      "GET /api/v1/integrations": { body: integrationList },
      "GET /api/v1/integrations/mock/metrics": { body: metricsSeries("mock", []) },
    });
    renderAt(<Metrics />);
    expect(await screen.findByText("No metrics yet for mock in this range.")).toBeInTheDocument();
  });

  it("shows the API's error with its trace link", async () => {
    mockApi({
      "GET /api/v1/integrations": { body: integrationList },
      "GET /api/v1/integrations/mock/metrics": {
        status: 422,
        body: { error: { code: "validation_error", message: "invalid request: to", trace_id: "5435f221", errors: [{ field: "to", reason: "must be within 31 days of from", type: "value_error" }] } },
      },
    });
    renderAt(<Metrics />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("invalid request: to");
    expect(within(alert).getByRole("link")).toHaveAttribute("href", "/calls/5435f221?integration=mock");
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "error");
  });
});
