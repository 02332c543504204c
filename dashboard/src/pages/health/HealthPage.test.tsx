import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { healthReport, metricWindow, metricsSeries, pandadocCheck, pandadocHistory } from "../../test/fixtures/health";
import { mockApi, pending } from "../../test/mockApi";
import { renderAt } from "../../test/render";
import HealthPage from "./HealthPage";

const metrics = {
  "GET /api/v1/integrations/mock/metrics": { body: metricsSeries("mock", [metricWindow({ success_rate: 1, failures: 0, successes: 5, cache_hits: 0, cache_misses: 0 })]) },
  "GET /api/v1/integrations/pandadoc/metrics": { body: metricsSeries("pandadoc", [metricWindow()]) },
};

function rowOf(name: string) {
  const cell = screen.getByText(name, { selector: "strong" });
  return cell.closest("tr")!;
}

describe("HealthPage", () => {
  it("shows loading until the API answers", () => {
    mockApi({ "GET /api/v1/health": pending() });
    renderAt(<HealthPage />);
    expect(screen.getByRole("status")).toHaveTextContent(/^Loading/);
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "loading");
  });

  it("lists every integration with status, reasons, mode, success rate, p95 and cache hit rate", async () => {
    const api = mockApi({ "GET /api/v1/health": { body: healthReport }, ...metrics });
    renderAt(<HealthPage />);
    expect(await screen.findByRole("heading", { name: "Integration Health", level: 1 })).toBeInTheDocument();
    expect(await screen.findByText("pandadoc", { selector: "strong" })).toBeInTheDocument();
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "ready");

    const pandadoc = within(rowOf("pandadoc"));
    expect(pandadoc.getByText("degraded")).toBeInTheDocument();
    expect(pandadoc.getByText(/error rate 20.0%/)).toBeInTheDocument();
    expect(pandadoc.getByText("mock mode")).toBeInTheDocument();
    expect(pandadoc.getByText("80.0%")).toBeInTheDocument();
    expect(pandadoc.getByText("27 ms")).toBeInTheDocument();
    expect(pandadoc.getByText("75.0% (3 hits / 1 misses)")).toBeInTheDocument();
    expect(within(rowOf("email")).getByText("disabled")).toBeInTheDocument();
    // Metrics are asked only for enabled integrations, over the last hour.
    expect(api.to("GET", "/api/v1/integrations/email/metrics")).toHaveLength(0);
    const asked = api.to("GET", "/api/v1/integrations/mock/metrics")[0].query;
    const span = Date.parse(asked.get("to")!) - Date.parse(asked.get("from")!);
    expect(span).toBe(3600_000);
    // Every request carries the bearer token from sessionStorage.
    expect(api.sent[0].headers.Authorization).toBe("Bearer test-admin-token");
  });

  it("Check now asks the API and shows the new status and breaker state", async () => {
    const api = mockApi({
      "GET /api/v1/health": { body: healthReport },
      ...metrics,
      "GET /api/v1/integrations/pandadoc/health": { body: pandadocCheck },
    });
    const { user } = renderAt(<HealthPage />);
    await user.click(await screen.findByRole("button", { name: "Check now pandadoc" }));
    const pandadoc = within(rowOf("pandadoc"));
    expect(await pandadoc.findByText("unhealthy")).toBeInTheDocument();
    expect(pandadoc.getByText("circuit breaker is open")).toBeInTheDocument();
    expect(pandadoc.getByText("open")).toBeInTheDocument();
    expect(pandadoc.getByText("50.0%")).toBeInTheDocument();
    expect(api.to("GET", "/api/v1/integrations/pandadoc/health")).toHaveLength(1);
  });

  it("a failed check shows the API error with a link to its trace", async () => {
    mockApi({
      "GET /api/v1/health": { body: healthReport },
      ...metrics,
      "GET /api/v1/integrations/mock/health": {
        status: 503,
        body: { error: { code: "database_unavailable", message: "the database did not answer in time", trace_id: "abc123" } },
      },
    });
    const { user } = renderAt(<HealthPage />);
    await user.click(await screen.findByRole("button", { name: "Check now mock" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("the database did not answer in time");
    expect(within(alert).getByRole("link")).toHaveAttribute("href", "/calls/abc123?integration=mock");
  });

  it("shows the health history of the integration picked", async () => {
    mockApi({
      "GET /api/v1/health": { body: healthReport },
      ...metrics,
      "GET /api/v1/integrations/pandadoc/health/history": { body: pandadocHistory },
    });
    const { user } = renderAt(<HealthPage />);
    await user.click(await screen.findByRole("button", { name: "History of pandadoc" }));
    const table = await screen.findByRole("table", { name: "Health history of pandadoc" });
    expect(within(table).getByText(/error rate 33.3%/)).toBeInTheDocument();
  });

  it("an API failure puts the page in its error state", async () => {
    mockApi({
      "GET /api/v1/health": { status: 503, body: { error: { code: "database_unavailable", message: "database unreachable", trace_id: "t1" } } },
    });
    renderAt(<HealthPage />);
    expect(await screen.findByRole("alert")).toHaveTextContent("database unreachable");
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "error");
  });

  it("explains a 503 health report (schema behind) instead of a bare status", async () => {
    mockApi({
      "GET /api/v1/health": { status: 503, body: { status: "error", version: "0.1.0", database: "ok", migration: { current: "0010", head: "0011" }, mock_mode: [], integrations: [] } },
    });
    renderAt(<HealthPage />);
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "The server is not ready: the database schema is at 0010, this version needs 0011 (run integrations db upgrade, or restart integrations serve).",
    );
  });

  it("says so when there is no integration", async () => {
    mockApi({ "GET /api/v1/health": { body: { ...healthReport, integrations: [] } } });
    renderAt(<HealthPage />);
    expect(await screen.findByText("No integrations yet")).toBeInTheDocument();
  });
});
