import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { integrationList } from "../../test/fixtures/integrations";
import { deadEvent, deadEventDetail, eventPage, processedEvent } from "../../test/fixtures/webhooks";
import { mockApi, pending } from "../../test/mockApi";
import { renderAt } from "../../test/render";
import WebhooksPage from "./WebhooksPage";

const base = {
  "GET /api/v1/integrations": { body: integrationList },
  "GET /api/v1/webhook-events": { body: eventPage([deadEvent, processedEvent]) },
};
const rowOf = (id: number) => screen.getByRole("button", { name: `Details of event ${id}` }).closest("tr")!;

describe("WebhooksPage", () => {
  it("shows loading, then each event's status and attempt count", async () => {
    mockApi({ ...base, "GET /api/v1/webhook-events": [pending()] });
    const view = renderAt(<WebhooksPage />);
    expect(await screen.findByRole("status")).toHaveTextContent(/^Loading webhook events/);
    view.unmount();
    mockApi(base);
    renderAt(<WebhooksPage />);
    await screen.findByRole("table", { name: "Webhook events" });
    expect(screen.getByRole("main")).toHaveAttribute("data-state", "ready");
    const dead = within(rowOf(7));
    expect(dead.getByText("dead")).toBeInTheDocument();
    expect(dead.getByText("5")).toBeInTheDocument();
    expect(dead.getByRole("button", { name: "Retry event 7" })).toBeInTheDocument();
    expect(within(rowOf(3)).queryByRole("button", { name: /Retry/ })).toBeNull();
  });

  it("Retry posts to the event's retry route and updates the row's status", async () => {
    const api = mockApi({
      ...base,
      "POST /api/v1/webhook-events/7/retry": { body: { queued: 1 } },
      "GET /api/v1/webhook-events/7": { body: { ...deadEventDetail, status: "processed", attempts: 6, last_error: null } },
    });
    const { user } = renderAt(<WebhooksPage />);
    await user.click(await screen.findByRole("button", { name: "Retry event 7" }));
    expect(await within(rowOf(7)).findByText("processed")).toBeInTheDocument();
    expect(within(rowOf(7)).getByText("6")).toBeInTheDocument();
    expect(api.to("POST", "/api/v1/webhook-events/7/retry")).toHaveLength(1);
    expect(within(rowOf(7)).queryByRole("button", { name: "Retry event 7" })).toBeNull();
  });

  it("a refused retry shows the API's error", async () => {
    mockApi({
      ...base,
      "POST /api/v1/webhook-events/7/retry": { status: 404, body: { error: { code: "not_found", message: "no webhook event 7", trace_id: "f70b6b71" } } },
    });
    const { user } = renderAt(<WebhooksPage />);
    await user.click(await screen.findByRole("button", { name: "Retry event 7" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("no webhook event 7");
  });

  it("shows payload, redacted headers, signature result and attempts of one event", async () => {
    mockApi({ ...base, "GET /api/v1/webhook-events/7": { body: deadEventDetail } });
    const { user } = renderAt(<WebhooksPage />);
    await user.click(await screen.findByRole("button", { name: "Details of event 7" }));
    const detail = await screen.findByRole("group", { name: "Webhook event 7" });
    expect(within(detail).getByText("valid")).toBeInTheDocument();
    expect(within(detail).getByRole("table", { name: "Headers of event 7" })).toHaveTextContent("typeform-signature***");
    expect(within(detail).getByLabelText("Payload of event 7")).toHaveTextContent('"event_type": "form_response"');
    expect(within(detail).getByRole("table", { name: "Attempts of event 7" })).toHaveTextContent("IntegrityError");
    expect(within(detail).getByRole("link", { name: "calls of its trace" })).toHaveAttribute(
      "href", "/calls/94b990e4ea864cbdb1c9baf7c2607ebb?integration=typeform");
  });

  it("sends the filters to the API", async () => {
    const api = mockApi(base);
    const { user } = renderAt(<WebhooksPage />);
    await screen.findByRole("table", { name: "Webhook events" });
    await user.selectOptions(screen.getByLabelText("Integration"), "pandadoc");
    await user.selectOptions(screen.getByLabelText("Status"), "dead");
    await user.type(screen.getByLabelText("Event type"), "document_state_changed");
    await user.type(screen.getByLabelText("Received from"), "2026-12-07T10:00");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    await screen.findByRole("table", { name: "Webhook events" });
    const query = api.to("GET", "/api/v1/webhook-events").at(-1)!.query;
    expect(query.get("integration")).toBe("pandadoc");
    expect(query.get("status")).toBe("dead");
    expect(query.get("event_type")).toBe("document_state_changed");
    expect(query.get("received_from")).toBe(new Date("2026-12-07T10:00").toISOString());
  });

  it("says so when there is no event, and pages to older ones", async () => {
    mockApi({ ...base, "GET /api/v1/webhook-events": { body: eventPage([]) } });
    const first = renderAt(<WebhooksPage />);
    expect(await screen.findByText("No webhook events yet")).toBeInTheDocument();
    first.unmount();
    const api = mockApi({ ...base, "GET /api/v1/webhook-events": [{ body: eventPage([deadEvent], 7) }, { body: eventPage([processedEvent]) }] });
    const { user } = renderAt(<WebhooksPage />);
    await user.click(await screen.findByRole("button", { name: "Load older events" }));
    expect(await screen.findByRole("button", { name: "Details of event 3" })).toBeInTheDocument();
    expect(api.to("GET", "/api/v1/webhook-events")[1].query.get("before_id")).toBe("7");
  });
});
