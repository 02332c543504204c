import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { config, integrationList, pandadocDetail, pandadocHistory } from "../../test/fixtures/integrations";
import { mockApi, pending } from "../../test/mockApi";
import { renderAt } from "../../test/render";
import ConfigPage from "./ConfigPage";

const base = {
  "GET /api/v1/integrations": { body: integrationList },
  "GET /api/v1/integrations/pandadoc": { body: pandadocDetail },
  "GET /api/v1/integrations/pandadoc/history": { body: pandadocHistory },
};
const at = "/config?integration=pandadoc";

describe("ConfigPage", () => {
  it("shows loading, then the current settings of the integration picked", async () => {
    mockApi({ ...base, "GET /api/v1/integrations/pandadoc": pending() });
    renderAt(<ConfigPage />, at);
    expect(await screen.findByRole("status")).toHaveTextContent(/^Loading configuration/);
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "loading");
  });

  it("fills the form with the stored values and lists settings in effect and history", async () => {
    mockApi(base);
    renderAt(<ConfigPage />, at);
    const form = await screen.findByRole("form", { name: "Settings of pandadoc" });
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "ready");
    expect(within(form).getByLabelText("Enabled")).toBeChecked();
    expect(within(form).getByLabelText(/Mock mode/)).toBeChecked();
    expect(form.querySelector('[name="rate_limits.0.limit"]')).toHaveValue(10);
    expect(form.querySelector('[name="cache_ttl_seconds"]')).toHaveValue(300);
    expect(form.querySelector('[name="retry.max_attempts"]')).toHaveValue(3);
    expect(screen.getByRole("table", { name: "Call settings of pandadoc with their sources" })).toHaveTextContent("runtime config");
    expect(screen.getByRole("table", { name: "Configuration changes of pandadoc" })).toHaveTextContent("first stored configuration");
    expect(screen.getByText(/api_key unset/)).toBeInTheDocument();
  });

  it("sends only what changed and shows the saved version and the new history", async () => {
    const saved = { ...integrationList.items[2], config: config("pandadoc", { rate_limits: [{ limit: 25, period_seconds: 1 }], cache_ttl_seconds: 300, mode: "live", version: 2 }) };
    const history = { items: [{ version: 2, changed_by: "admin", changed_at: "2026-12-07T16:00:00+00:00", old: { mode: "mock", rate_limits: [{ limit: 10, period_seconds: 1 }] }, new: { mode: "live", rate_limits: [{ limit: 25, period_seconds: 1 }] } }, ...pandadocHistory.items] };
    const api = mockApi({
      ...base,
      "PATCH /api/v1/integrations/pandadoc": { body: saved },
      "GET /api/v1/integrations/pandadoc/history": [{ body: pandadocHistory }, { body: history }],
    });
    const { user } = renderAt(<ConfigPage />, at);
    const form = await screen.findByRole("form", { name: "Settings of pandadoc" });
    const limit = form.querySelector<HTMLInputElement>('[name="rate_limits.0.limit"]')!;
    await user.clear(limit);
    await user.type(limit, "25");
    await user.click(within(form).getByLabelText(/Mock mode/));
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved: version 2.")).toBeInTheDocument();
    expect(api.to("PATCH", "/api/v1/integrations/pandadoc")[0].body).toEqual({
      mode: "live",
      rate_limits: [{ limit: 25, period_seconds: 1 }],
    });
    expect(await screen.findByText('rate_limits: [{"limit":10,"period_seconds":1}] → [{"limit":25,"period_seconds":1}]')).toBeInTheDocument();
  });

  it("shows each server validation error next to its field", async () => {
    mockApi({
      ...base,
      "PATCH /api/v1/integrations/pandadoc": {
        status: 422,
        body: {
          error: {
            code: "validation_error",
            message: "invalid request: rate_limits.0.limit, retry.max_attempts",
            trace_id: "e064819ab627481294bc6cef1db36802",
            errors: [
              { field: "rate_limits.0.limit", reason: "Input should be greater than 0", type: "greater_than" },
              { field: "retry.max_attempts", reason: "Input should be greater than or equal to 1", type: "greater_than_equal" },
            ],
          },
        },
      },
    });
    const { user } = renderAt(<ConfigPage />, at);
    const form = await screen.findByRole("form", { name: "Settings of pandadoc" });
    const limit = form.querySelector<HTMLInputElement>('[name="rate_limits.0.limit"]')!;
    await user.clear(limit);
    await user.type(limit, "-1");
    const attempts = form.querySelector<HTMLInputElement>('[name="retry.max_attempts"]')!;
    await user.clear(attempts);
    await user.type(attempts, "0");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    const error = await screen.findByText("Input should be greater than 0");
    expect(error).toHaveAttribute("id", "error-rate_limits.0.limit");
    expect(limit).toHaveAttribute("aria-invalid", "true");
    expect(limit).toHaveAccessibleDescription("Input should be greater than 0");
    expect(document.getElementById("error-retry.max_attempts")).toHaveTextContent("Input should be greater than or equal to 1");
    expect(screen.getByRole("alert")).toHaveTextContent("invalid request: rate_limits.0.limit, retry.max_attempts");
  });

  it("adds a rate limit and says when nothing changed", async () => {
    const api = mockApi(base);
    const { user } = renderAt(<ConfigPage />, at);
    const form = await screen.findByRole("form", { name: "Settings of pandadoc" });
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Nothing changed.")).toBeInTheDocument();
    expect(api.to("PATCH", "/api/v1/integrations/pandadoc")).toHaveLength(0);
    await user.click(within(form).getByRole("button", { name: "Add rate limit" }));
    expect(form.querySelector('[name="rate_limits.1.period_seconds"]')).toHaveValue(1);
  });

  it("shows the API error when the integration cannot be read", async () => {
    mockApi({ ...base, "GET /api/v1/integrations/pandadoc": { status: 404, body: { error: { code: "unknown_integration", message: "unknown integration 'pandadoc'", trace_id: "t9" } } } });
    renderAt(<ConfigPage />, at);
    expect(await screen.findByRole("alert")).toHaveTextContent("unknown integration 'pandadoc'");
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "error");
  });
});
