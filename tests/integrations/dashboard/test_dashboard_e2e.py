"""The dashboard in real headless Chromium against a real `integrations serve` (issue 17).

One server for the module: SQLite in a temporary folder, the connectors in mock mode, traffic
made through its REST API (`traffic.py`), a webhook handler that fails an event's first attempt
(`failing_handlers.py`). Each test opens its own browser context. Every page is checked to
render the traffic's data, is photographed at 1280 and 390 px under test-artifacts/dashboard/,
and may not load anything from another origin, log a script error or meet a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.helpers.serve_process import ADMIN_TOKEN, RunningServe, running_serve
from tests.integrations.dashboard import failing_handlers
from tests.integrations.dashboard.browser import TOKEN_KEY, launch, require_browser_and_build
from tests.integrations.dashboard.traffic import Traffic, make_traffic, poll

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dashboard-e2e")]
# Each expectation polls up to 10 s (Playwright's default is 5): CI shares 2 cores with vitest.
expect.set_options(timeout=10_000)

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "test-artifacts" / "dashboard"
WIDTHS = (1280, 390)
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
_FOCUSED = """() => {
  const element = document.activeElement, style = getComputedStyle(element);
  return [element.textContent.trim(), style.outlineStyle !== "none" || style.boxShadow !== "none"];
}"""
NAV = ("Health", "Metrics", "Configuration", "Webhooks", "Syncs", "Calls", "Actions")


@pytest.fixture(name="server", scope="module")
def _server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServe]:
    require_browser_and_build()
    folder = tmp_path_factory.mktemp("dashboard-e2e")
    settings = {
        "INTEGRATIONS_WEBHOOKS__HANDLER_MODULES": f'["{failing_handlers.__name__}"]',
        "INTEGRATIONS_WEBHOOKS__MAX_ATTEMPTS": "1",
        "PYTHONPATH": str(ROOT),
    }
    with running_serve(folder, f"sqlite+aiosqlite:///{folder / 'e2e.db'}", **settings) as server:
        yield server


@pytest.fixture(name="api", scope="module")
def _api(server: RunningServe) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
        yield client


@pytest.fixture(name="traffic", scope="module")
def _traffic(api: httpx2.Client) -> Traffic:
    return make_traffic(api)


@pytest.fixture(name="browser", scope="module")
def _browser(server: RunningServe) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@dataclass(slots=True)
class Watched:
    """A page and what it did that no page may do.

    `tolerated` names URL prefixes another origin may be asked for on this page, provided the
    page's Content-Security-Policy stops the request in the browser (`blocked`).
    """

    page: Page
    foreign: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    tolerated: tuple[str, ...] = ()

    def unexpected(self) -> tuple[list[str], list[str]]:
        """(requests that left for another origin, problems), the tolerated ones aside."""
        spared = [url for url in self.blocked if url.startswith(self.tolerated)]
        left = [url for url in self.foreign if url not in spared]
        problems = [p for p in self.problems if not any(url in p for url in spared)]
        return left, problems


def _open(browser: Browser, server: RunningServe, *, signed_in: bool) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    if signed_in:  # what the sign-in form stores; the sign-in test uses the form itself
        context.add_init_script(f"sessionStorage.setItem('{TOKEN_KEY}', '{ADMIN_TOKEN}')")
    page = context.new_page()
    watched = Watched(page)
    origin = server.url

    def on_request(url: str) -> None:
        if not url.startswith((origin + "/", "data:", "blob:")):
            watched.foreign.append(url)

    page.on("request", lambda request: on_request(request.url))
    page.on(
        "requestfailed",
        lambda request: (
            watched.blocked.append(request.url)
            if "csp" in (request.failure or "").lower()  # Chromium says "csp"
            else None
        ),
    )
    page.on("pageerror", lambda error: watched.problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            watched.problems.append(f"console: {message.text}")
            # A refused request logs "Failed to load resource" (the 401/422 tests make some);
            # 5xx answers are caught below. Anything else (a CSP refusal, a React error) counts.
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            watched.problems.append(f"{response.status} {response.url}")
            if response.status >= 500
            else None
        ),
    )
    try:
        yield watched
    finally:
        context.close()
    foreign, problems = watched.unexpected()
    assert foreign == [], "the page asked another origin"
    assert problems == []


@pytest.fixture(name="watched")
def _watched(browser: Browser, server: RunningServe, traffic: Traffic) -> Iterator[Watched]:
    """A signed-in page (token in session storage), after the traffic was made."""
    yield from _open(browser, server, signed_in=True)


@pytest.fixture(name="fresh")
def _fresh(browser: Browser, server: RunningServe) -> Iterator[Watched]:
    """A page of a browser that has not signed in."""
    yield from _open(browser, server, signed_in=False)


def _ready(page: Page, heading: str) -> None:
    expect(page.locator("main[data-state=ready]")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def _screenshots(page: Page, name: str, heading: str) -> None:
    """Photograph the page at each width; at 390 px nothing may overflow sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        _ready(page, heading)
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name} is {overflow} px wide at {width} px"


def test_sign_in_keeps_the_token_out_of_the_url(fresh: Watched, server: RunningServe) -> None:
    """A wrong token is refused with an alert; the right one opens the Health page, is kept
    in session storage and never in the URL; Sign out returns to the form."""
    page = fresh.page
    page.goto(server.url + "/")
    page.get_by_label("Admin token").fill("wrong-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()

    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    _ready(page, "Integration Health")

    nav = page.get_by_role("navigation")
    assert [nav.get_by_role("link", name=name, exact=True).count() for name in NAV] == [1] * 7
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") == ADMIN_TOKEN
    assert ADMIN_TOKEN not in page.url
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Admin token")).to_be_visible()
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None


@dataclass(frozen=True, slots=True)
class PageCase:
    """A page: its route (`{...}` filled from the traffic), heading and proof of data."""

    route: str
    heading: str
    shows_data: Callable[[Page, Traffic], None]


def _health(page: Page, traffic: Traffic) -> None:
    table = page.get_by_role("region", name="Integrations")
    for name in ("mock", "pandadoc", "typeform", "practicepanther"):
        expect(table.get_by_role("row").filter(has_text=name).first).to_contain_text("mock mode")
    assert set(traffic.health) >= {"mock", "pandadoc", "typeform"}  # each checked once
    for name, (status, breaker) in traffic.health.items():  # what the API stored, shown
        row = table.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))
        expect(row).to_contain_text(status)
        expect(row).to_contain_text(breaker)


def _metrics(page: Page, traffic: Traffic) -> None:
    expect(page.locator(".recharts-wrapper")).to_have_count(4)  # Recharts draws 4 charts
    totals = page.locator("section").filter(has=page.get_by_role("heading", name="Totals"))
    expect(totals).to_contain_text("100%")  # the mock's two calls both succeeded


def _config(page: Page, traffic: Traffic) -> None:
    expect(page.get_by_role("form", name="Settings of mock")).to_be_visible()
    history = page.get_by_role("region", name="Configuration changes of mock")
    expect(history.get_by_role("row").nth(1)).to_be_visible()


def _webhooks(page: Page, traffic: Traffic) -> None:
    table = page.get_by_role("region", name="Webhook events")
    expect(table).to_contain_text("e2e.processed")
    expect(table).to_contain_text("e2e.failing")


def _syncs(page: Page, traffic: Traffic) -> None:
    runs = page.get_by_role("region", name="Sync runs")
    expect(runs.get_by_role("row").filter(has_text="success").first).to_be_visible()


def _calls(page: Page, traffic: Traffic) -> None:
    calls = page.get_by_role("region", name="Calls of pandadoc")
    expect(calls).to_contain_text("get_document_status")
    expect(calls).to_contain_text("list_documents")


def _call(page: Page, traffic: Traffic) -> None:
    main = page.locator("main")
    expect(main).to_contain_text("get_document_status")
    expect(main).to_contain_text("404")
    expect(main).to_contain_text("admitted")  # the breaker's decision, from the call detail API


def _actions(page: Page, traffic: Traffic) -> None:
    expect(page.locator("main")).to_contain_text("get_item")


PAGES = {
    "health": PageCase("/#/health", "Integration Health", _health),
    "metrics": PageCase("/#/metrics?integration=mock", "Integration Metrics", _metrics),
    "config": PageCase("/#/config?integration=mock", "Integration Configuration", _config),
    "webhooks": PageCase("/#/webhooks", "Webhook Events", _webhooks),
    "syncs": PageCase("/#/syncs", "Syncs", _syncs),
    "calls": PageCase("/#/calls?integration=pandadoc", "Calls", _calls),
    "call": PageCase("/#/calls/{failed_trace}?integration=pandadoc", "Calls", _call),
    "actions": PageCase("/#/actions?integration=mock", "Actions", _actions),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_the_traffic(
    watched: Watched, server: RunningServe, traffic: Traffic, name: str
) -> None:
    """The page finishes loading, shows data the traffic made, and is photographed."""
    case = PAGES[name]
    page = watched.page
    page.goto(server.url + case.route.format(failed_trace=traffic.failed_trace))
    _ready(page, case.heading)
    case.shows_data(page, traffic)
    _screenshots(page, name, case.heading)


def _rate_limits(api: httpx2.Client) -> list[tuple[int, float, str]]:
    """The mock's rate-limit windows in effect, as the API reports them, with their source."""
    settings = api.get("/api/v1/integrations/mock/settings").json()["settings"]
    return [
        (s["value"]["limit"], s["value"]["period_seconds"], s["source"])
        for s in settings
        if s["setting"].startswith("rate_limits.")  # one row per window: rate_limits.7/2s
    ]


def test_rate_limit_saved_in_the_form_reaches_the_api(
    watched: Watched, server: RunningServe, api: httpx2.Client
) -> None:
    """A rate limit entered on the Configuration page is what the API then applies."""
    page = watched.page
    page.goto(server.url + "/#/config?integration=mock")
    _ready(page, "Integration Configuration")
    form = page.get_by_role("form", name="Settings of mock")
    if form.locator('input[name="rate_limits.0.limit"]').count() == 0:
        form.get_by_role("button", name="Add rate limit").click()
    form.locator('input[name="rate_limits.0.limit"]').fill("7")
    form.locator('input[name="rate_limits.0.period_seconds"]').fill("2")
    form.get_by_role("button", name="Save").click()

    expect(form.get_by_role("status")).to_contain_text("Saved")
    assert _rate_limits(api) == [(7, 2.0, "runtime config")]


def test_server_validation_error_shows_next_to_its_field(
    watched: Watched, server: RunningServe, api: httpx2.Client
) -> None:
    """A value the server refuses (422 naming the field) is shown under that input, which is
    marked invalid; nothing is saved."""
    before = _rate_limits(api)
    page = watched.page
    page.goto(server.url + "/#/config?integration=mock")
    _ready(page, "Integration Configuration")
    form = page.get_by_role("form", name="Settings of mock")
    if form.locator('input[name="rate_limits.0.limit"]').count() == 0:
        form.get_by_role("button", name="Add rate limit").click()
    field = form.locator('input[name="rate_limits.0.limit"]')
    field.fill("0")
    form.get_by_role("button", name="Save").click()

    error = page.locator('[id="error-rate_limits.0.limit"]')
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(field).to_have_attribute("aria-invalid", "true")
    assert _rate_limits(api) == before


def test_retrying_a_failed_webhook_event_changes_its_status(
    watched: Watched, server: RunningServe, api: httpx2.Client, traffic: Traffic
) -> None:
    """Retry on the dead event runs it again (its handler now succeeds): the row shows it
    processed with two attempts, as the API does."""
    page = watched.page
    page.goto(server.url + "/#/webhooks")
    _ready(page, "Webhook Events")
    table = page.get_by_role("region", name="Webhook events")
    row = table.get_by_role("row").filter(has_text="e2e.failing")
    expect(row).to_contain_text("dead")

    row.get_by_role("button", name=f"Retry event {traffic.failed_event}").click()

    expect(row).to_contain_text("processed", timeout=15_000)
    event = poll(
        "retried event processed",
        lambda: (
            (e := api.get(f"/api/v1/webhook-events/{traffic.failed_event}").json())["status"]
            == "processed"
            and e
        ),
    )
    assert event["attempts"] == 2


def test_docs_load_nothing_from_another_origin(watched: Watched, server: RunningServe) -> None:
    """Swagger UI and ReDoc render in the browser from this server's files alone; ReDoc's
    request for its vendor's logo is stopped by the page's policy before it leaves."""
    page = watched.page
    logo = "https://cdn.redoc.ly/"
    watched.tolerated = (logo,)
    page.goto(server.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("integrations")
    page.goto(server.url + "/redoc")
    expect(page.locator("h1").first).to_contain_text("integrations", timeout=15_000)
    assert [url for url in watched.foreign if not url.startswith(logo)] == []


def test_keyboard_reaches_every_section_with_a_visible_focus(
    watched: Watched, server: RunningServe
) -> None:
    """Tab walks the skip link, every section link and Sign out, each with a focus ring."""
    page = watched.page
    page.goto(server.url + "/#/health")
    _ready(page, "Integration Health")
    reached = []
    for _ in range(len(NAV) + 2):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        reached.append(focused[0])
        assert focused[1], f"{focused[0]!r} has no visible focus"
    assert reached == ["Skip to content", *NAV, "Sign out"]
