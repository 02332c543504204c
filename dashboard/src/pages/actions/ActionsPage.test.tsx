import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockActions } from "../../test/fixtures/actions";
import { integrationList } from "../../test/fixtures/integrations";
import { mockApi, pending } from "../../test/mockApi";
import { renderAt } from "../../test/render";
import ActionsPage from "./ActionsPage";

const base = {
  "GET /api/v1/integrations": { body: integrationList },
  "GET /api/v1/integrations/mock/actions": { body: mockActions },
};
const preview = {
  dry_run: true, sent: false,
  request: {
    method: "POST", url: "http://mock.invalid/items",
    headers: { host: "mock.invalid", "idempotency-key": "e8ef293a14a34b798c435f177980c270", "content-type": "application/json" },
    json: { name: "Invoice", size: 7 },
  },
};
const created = { id: "itm_629fd82c07cd", name: "Invoice", created_at: "2026-06-17T12:52:23Z", size: 7 };

describe("ActionsPage", () => {
  it("shows loading, then a form generated from the action's input schema", async () => {
    mockApi({ ...base, "GET /api/v1/integrations/mock/actions": [pending()] });
    const first = renderAt(<ActionsPage />, "/actions?integration=mock");
    expect(await screen.findByRole("status")).toHaveTextContent(/^Loading actions/);
    first.unmount();
    mockApi(base);
    const { user } = renderAt(<ActionsPage />, "/actions?integration=mock");
    // get_item: one required string field, prefilled from the example.
    const itemId = await screen.findByLabelText(/Item Id/);
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "ready");
    expect(itemId).toHaveValue("itm-42");
    await user.selectOptions(screen.getByLabelText("Action"), "list_items");
    expect(await screen.findByLabelText(/Count/)).toHaveValue(3);
    expect(screen.getByLabelText(/Prefix/)).toHaveValue("p");
  });

  it("runs a write only after a dry run of the same input", async () => {
    const api = mockApi({
      ...base,
      "POST /api/v1/integrations/mock/actions/create_item": (sent) =>
        sent.query.get("dry_run") === "true" ? { body: preview } : { body: created },
    });
    const { user } = renderAt(<ActionsPage />, "/actions?integration=mock&action=create_item");
    const run = await screen.findByRole("button", { name: "Run" });
    expect(run).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Preview (dry run)" }));
    const shown = await screen.findByRole("region", { name: "Dry run: nothing was sent" });
    expect(shown).toHaveTextContent("POST http://mock.invalid/items");
    expect(within(shown).getByLabelText("Body it would send")).toHaveTextContent('"size": 7');
    expect(api.to("POST", "/api/v1/integrations/mock/actions/create_item")[0].body).toEqual({ name: "Invoice", size: 7 });

    // Changing the input asks for a new preview before running.
    const name = screen.getByLabelText(/Name/);
    await user.type(name, "s");
    expect(run).toBeDisabled();
    await user.clear(name);
    await user.type(name, "Invoice");
    expect(run).toBeEnabled();
    await user.click(run);
    expect(await screen.findByLabelText("Result JSON")).toHaveTextContent('"id": "itm_629fd82c07cd"');
    const calls = api.to("POST", "/api/v1/integrations/mock/actions/create_item");
    expect(calls.map((c) => c.query.get("dry_run"))).toEqual(["true", null]);
  });

  it("shows schema errors before sending, and server errors next to their fields", async () => {
    const api = mockApi({
      ...base,
      "POST /api/v1/integrations/mock/actions/create_item": {
        status: 422,
        body: { error: { code: "validation_error", message: "invalid arguments for mock create_item: name", trace_id: "116cf34b", integration: "mock",
          errors: [{ field: "name", reason: "String should have at least 1 character", type: "string_too_short" }] } },
      },
    });
    const { user } = renderAt(<ActionsPage />, "/actions?integration=mock&action=create_item");
    const size = await screen.findByLabelText(/Size/);
    await user.clear(size);
    await user.type(size, "-7");
    await user.click(screen.getByRole("button", { name: "Preview (dry run)" }));
    // The schema says size >= 0: nothing is sent, the error sits under the field.
    expect(await screen.findByText("-7 is less than 0.")).toBeInTheDocument();
    expect(document.getElementById("action-create_item_size__error")).toHaveTextContent("-7 is less than 0.");
    expect(api.to("POST", "/api/v1/integrations/mock/actions/create_item")).toHaveLength(0);

    await user.clear(size);
    await user.type(size, "7");
    await user.click(screen.getByRole("button", { name: "Preview (dry run)" }));
    expect(await screen.findByText("String should have at least 1 character")).toBeInTheDocument();
    expect(document.getElementById("action-create_item_name__error")).toHaveTextContent("String should have at least 1 character");
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("invalid arguments for mock create_item: name");
    expect(within(alert).getByRole("link")).toHaveAttribute("href", "/calls/116cf34b?integration=mock");
  });

  it("says so for a connector without actions", async () => {
    mockApi({
      ...base,
      "GET /api/v1/integrations/email/actions": { status: 404, body: { error: { code: "unknown_action", message: "'email' declares no actions", trace_id: "cc315078", integration: "email" } } },
    });
    renderAt(<ActionsPage />, "/actions?integration=email");
    expect(await screen.findByText("No actions declared by email yet.")).toBeInTheDocument();
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "ready");
  });
});
