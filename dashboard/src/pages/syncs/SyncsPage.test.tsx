import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { syncLogs, syncStatistics, syncStatus } from "../../test/fixtures/syncs";
import { mockApi, pending } from "../../test/mockApi";
import { renderAt } from "../../test/render";
import SyncsPage from "./SyncsPage";

const base = {
  "GET /api/sync/integrations": {
    body: { items: ["practicepanther"], sync_types: { practicepanther: ["contacts", "full", "incremental", "matters", "tasks"] } },
  },
  "GET /api/sync/status": { body: syncStatus },
  "GET /api/sync/statistics": { body: syncStatistics },
  "GET /api/sync/logs": { body: syncLogs },
};

describe("SyncsPage", () => {
  it("shows loading, then status, streams, statistics and runs", async () => {
    mockApi({ ...base, "GET /api/sync/status": [pending()] });
    const first = renderAt(<SyncsPage />);
    expect(await screen.findByRole("status")).toHaveTextContent(/^Loading syncs/);
    first.unmount();
    mockApi(base);
    renderAt(<SyncsPage />);
    expect(await screen.findByRole("table", { name: "Streams" })).toHaveTextContent("2024-12-16T17:07:42+00:00");
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "ready");
    expect(screen.getByText("No sync running.")).toBeInTheDocument();
    expect(screen.getByText("Records processed").nextSibling).toHaveTextContent("290");
    const runs = screen.getByRole("table", { name: "Sync runs" });
    expect(within(runs).getByText("manual by admin")).toBeInTheDocument();
    expect(within(runs).getByText("success")).toBeInTheDocument();
  });

  it("says where each stream's checkpoint stands", async () => {
    const streams = {
      contacts: { ...syncStatus.streams.contacts, checkpoint: { full_done_run_id: 7 } },
      matters: { ...syncStatus.streams.matters, checkpoint: { full_high_water: "2024-12-16T17:07:42+00:00", run_id: 8 } },
      tasks: { ...syncStatus.streams.tasks, checkpoint: null },
    };
    mockApi({ ...base, "GET /api/sync/status": { body: { ...syncStatus, streams } } });
    renderAt(<SyncsPage />);
    const table = await screen.findByRole("table", { name: "Streams" });
    const row = (name: string) => within(table).getByText(name).closest("tr") as HTMLElement;
    expect(row("contacts")).toHaveTextContent("full pass done (run 7)");
    expect(row("matters")).toHaveTextContent(/resumable from/);
    expect(row("tasks")).not.toHaveTextContent(/resumable|full pass done/);
  });

  it("falls back to PracticePanther when the server has no sync list route", async () => {
    const api = mockApi({ ...base, "GET /api/sync/integrations": { status: 404, body: { detail: "Not Found" } } });
    renderAt(<SyncsPage />);
    await screen.findByRole("table", { name: "Streams" });
    expect(api.to("GET", "/api/sync/status")[0].query.get("integration")).toBe("practicepanther");
  });

  it("triggers a sync of the type picked and shows the queued job", async () => {
    const api = mockApi({
      ...base,
      "POST /api/sync/trigger": { status: 202, body: { integration: "practicepanther", syncType: "contacts", jobId: "19", status: "queued" } },
    });
    const { user } = renderAt(<SyncsPage />);
    await screen.findByRole("table", { name: "Streams" });
    await user.selectOptions(screen.getByLabelText("Sync type"), "contacts");
    await user.click(screen.getByRole("button", { name: "Trigger sync" }));
    expect(await screen.findByText("Queued contacts sync (job 19).")).toBeInTheDocument();
    expect(api.to("POST", "/api/sync/trigger")[0].body).toEqual({ syncType: "contacts" });
  });

  it("shows a 409 while a sync runs, and stops and restarts", async () => {
    const api = mockApi({
      ...base,
      "POST /api/sync/restart": { status: 409, body: { error: { code: "sync_already_running", message: "a sync of practicepanther is already running", trace_id: "dc29b61a", integration: "practicepanther" } } },
      "POST /api/sync/stop": { body: { integration: "practicepanther", stopRequested: true, schedulePaused: true } },
    });
    const { user } = renderAt(<SyncsPage />);
    await screen.findByRole("table", { name: "Streams" });
    await user.click(screen.getByRole("button", { name: "Restart" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("a sync of practicepanther is already running");
    await user.click(screen.getByRole("button", { name: "Stop" }));
    expect(await screen.findByText("Stopping the running sync at its next batch; schedule paused.")).toBeInTheDocument();
    expect(api.to("POST", "/api/sync/stop")).toHaveLength(1);
  });

  it("saves the schedule, and shows a range error next to its field", async () => {
    const api = mockApi({
      ...base,
      "PUT /api/sync/schedule": [
        { status: 422, body: { error: { code: "validation_error", message: "invalid request: fullHour", trace_id: "aa3e9049", errors: [{ field: "fullHour", reason: "Input should be less than or equal to 23", type: "less_than_equal" }] } } },
        { body: { ...syncStatus.schedule, fullHour: 3, updatedAt: "2026-12-07T16:00:00+00:00", updatedBy: "admin" } },
      ],
    });
    const { user } = renderAt(<SyncsPage />);
    const hour = await screen.findByLabelText("Full sync at hour (0–23)");
    await user.clear(hour);
    await user.type(hour, "30");
    await user.click(screen.getByRole("button", { name: "Save schedule" }));
    expect(await screen.findByText("Input should be less than or equal to 23")).toHaveAttribute("id", "error-fullHour");
    expect(hour).toHaveAttribute("aria-invalid", "true");
    await user.clear(hour);
    await user.type(hour, "3");
    await user.click(screen.getByRole("button", { name: "Save schedule" }));
    expect(await screen.findByText("Schedule saved by admin.")).toBeInTheDocument();
    expect(api.to("PUT", "/api/sync/schedule")[1].body).toEqual({
      incrementalMinutes: 15, fullHour: 3, fullMinute: 0, timezone: "Asia/Seoul", paused: false,
    });
  });

  it("says so when there is no run yet", async () => {
    mockApi({ ...base, "GET /api/sync/logs": { body: { items: [], total: 0, page: 1, limit: 10 } } });
    renderAt(<SyncsPage />);
    expect(await screen.findByText("No sync runs yet")).toBeInTheDocument();
  });
});
