import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { metricWindow } from "../../test/fixtures/health";
import { MetricsCharts } from "./MetricsCharts";

describe("MetricsCharts", () => {
  it("draws volume, success rate, p50/p95/p99 and rate-limit charts from the windows", () => {
    const { container } = render(
      <MetricsCharts
        range="24h"
        windows={[
          metricWindow({ window_start: "2026-12-07T15:00:00+00:00" }),
          metricWindow({ window_start: "2026-12-07T15:05:00+00:00", p99_ms: 120, rate_limited: 2 }),
        ]}
      />,
    );
    const titles = ["Calls: successes and failures", "Success rate (%)", "Latency (ms): p50, p95, p99", "Rate limits: our limiter's waits and vendor 429s"];
    for (const title of titles) expect(screen.getByRole("figure", { name: title })).toBeInTheDocument();
    const latency = screen.getByRole("figure", { name: "Latency (ms): p50, p95, p99" });
    for (const series of ["p50", "p95", "p99"]) expect(within(latency).getByText(series)).toBeInTheDocument();
    // One drawn line per latency percentile, plus the success-rate line.
    expect(container.querySelectorAll("path.recharts-line-curve")).toHaveLength(4);
    expect(container.querySelectorAll(".recharts-bar-rectangle").length).toBeGreaterThan(0);
  });
});
