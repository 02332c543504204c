import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "./App";
import { TOKEN_KEY } from "./auth/token";
import { healthReport } from "./test/fixtures/health";
import { integrationList } from "./test/fixtures/integrations";
import { mockApi } from "./test/mockApi";

const refused = { status: 401, body: { error: { code: "unauthorized", message: "invalid or revoked admin token", trace_id: "c7f677fa" } } };

function renderApp(hash = "#/health") {
  window.location.hash = hash;
  return { user: userEvent.setup(), ...render(<App />) };
}

describe("App", () => {
  beforeEach(() => sessionStorage.clear());

  it("signs in with the admin token, keeping it in sessionStorage and out of the URL", async () => {
    const api = mockApi({
      "GET /api/v1/integrations": (sent) => (sent.headers.Authorization === "Bearer right-token-0123456789" ? { body: integrationList } : refused),
      "GET /api/v1/health": { body: { ...healthReport, integrations: [] } },
    });
    const { user } = renderApp();
    expect(screen.getByRole("heading", { name: "Sign in", level: 1 })).toBeInTheDocument();
    await user.type(screen.getByLabelText("Admin token"), "wrong-token");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The token was refused: invalid or revoked admin token");
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();

    await user.clear(screen.getByLabelText("Admin token"));
    await user.type(screen.getByLabelText("Admin token"), "right-token-0123456789");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { name: "Integration Health", level: 1 })).toBeInTheDocument();
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe("right-token-0123456789");
    expect(window.location.href).not.toContain("right-token");
    expect(api.to("GET", "/api/v1/health")[0].headers.Authorization).toBe("Bearer right-token-0123456789");
  });

  it("links every section by name, and signs out", async () => {
    sessionStorage.setItem(TOKEN_KEY, "right-token-0123456789");
    mockApi({ "GET /api/v1/health": { body: { ...healthReport, integrations: [] } }, "GET /api/v1/integrations": { body: integrationList } });
    const { user } = renderApp();
    const nav = screen.getByRole("navigation", { name: "Sections" });
    const names = within(nav).getAllByRole("link").map((link) => link.textContent);
    expect(names).toEqual(["Health", "Metrics", "Configuration", "Webhooks", "Syncs", "Calls", "Actions"]);
    expect(within(nav).getByRole("link", { name: "Webhooks" })).toHaveAttribute("href", "#/webhooks");
    await user.click(within(nav).getByRole("link", { name: "Configuration" }));
    expect(await screen.findByRole("heading", { name: "Integration Configuration", level: 1 })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(screen.getByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
  });

  it("returns to sign-in when the API refuses the stored token", async () => {
    sessionStorage.setItem(TOKEN_KEY, "revoked-token");
    mockApi({ "GET /api/v1/health": refused });
    renderApp();
    expect(await screen.findByText("The API refused the stored token; sign in again.")).toBeInTheDocument();
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
  });
});
